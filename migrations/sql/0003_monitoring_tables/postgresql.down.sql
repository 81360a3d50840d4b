DROP FUNCTION IF EXISTS fn_domains_domain_limit() CASCADE
-- datasdk:statement-end
DROP FUNCTION IF EXISTS fn_scans_scan_status_machine() CASCADE
-- datasdk:statement-end
DROP FUNCTION IF EXISTS fn_scan_modules_touch() CASCADE
-- datasdk:statement-end
DROP FUNCTION IF EXISTS fn_scans_touch() CASCADE
-- datasdk:statement-end
DROP FUNCTION IF EXISTS fn_domains_touch() CASCADE
-- datasdk:statement-end
DROP TABLE error_logs
-- datasdk:statement-end
DROP TABLE reports
-- datasdk:statement-end
DROP TABLE scan_modules
-- datasdk:statement-end
DROP TABLE scans
-- datasdk:statement-end
DROP TABLE domains
-- datasdk:statement-end
