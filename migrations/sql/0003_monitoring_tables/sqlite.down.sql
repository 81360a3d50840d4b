DROP TRIGGER IF EXISTS trg_domains_domain_limit_insert
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_domains_domain_limit_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_scans_scan_status_machine_insert
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_scans_scan_status_machine_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_error_logs_user_id_users_insert
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_error_logs_user_id_users_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_error_logs_user_id_users_rekey
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_reports_user_id_users_insert
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_reports_user_id_users_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_reports_user_id_users_rekey
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_reports_scan_id_scans_insert
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_reports_scan_id_scans_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_reports_scan_id_scans_rekey
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_scan_modules_touch
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_scan_modules_scan_id_scans_insert
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_scan_modules_scan_id_scans_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_scan_modules_scan_id_scans_rekey
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_scans_touch
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_scans_user_id_users_insert
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_scans_user_id_users_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_scans_user_id_users_rekey
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_scans_domain_id_user_id_domains_insert
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_scans_domain_id_user_id_domains_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_domains_touch
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_domains_user_id_users_insert
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_domains_user_id_users_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_domains_user_id_users_rekey
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
