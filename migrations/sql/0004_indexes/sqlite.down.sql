DROP INDEX IF EXISTS idx_error_logs_user_id
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_error_logs_created_at
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_error_logs_type_severity
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_reports_scan
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_reports_user
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_scan_modules_scan
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_scans_completed
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_scans_status
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_scans_user
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_scans_domain
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_domains_score
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_domains_last_scan
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_domains_user
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_credit_transactions_job
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_credit_transactions_wallet
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_audit_logs_job_time
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_audit_logs_url_accessed
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_audit_logs_timestamp
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_audit_logs_scan_job_id
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_scan_jobs_claim
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_scan_jobs_user_created
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_scan_jobs_created_at
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_scan_jobs_state
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_scan_jobs_user_id
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_users_provider
-- datasdk:statement-end
DROP INDEX IF EXISTS idx_users_trial
-- datasdk:statement-end
