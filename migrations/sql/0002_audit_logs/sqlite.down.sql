DROP TRIGGER IF EXISTS trg_audit_logs_append_only_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_audit_logs_append_only_delete
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_audit_logs_append_only_keys
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_audit_logs_scan_job_id_scan_jobs_insert
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_audit_logs_scan_job_id_scan_jobs_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_audit_logs_scan_job_id_scan_jobs_restrict
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_audit_logs_scan_job_id_scan_jobs_rekey
-- datasdk:statement-end
DROP TABLE audit_logs
-- datasdk:statement-end
