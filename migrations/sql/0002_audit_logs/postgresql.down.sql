DROP FUNCTION IF EXISTS fn_audit_logs_append_only() CASCADE
-- datasdk:statement-end
DROP FUNCTION IF EXISTS fn_audit_logs_append_only_keys() CASCADE
-- datasdk:statement-end
DROP TABLE audit_logs
-- datasdk:statement-end
