CREATE INDEX idx_users_trial ON users (trial_ends_at, subscription_status)
-- datasdk:statement-end
CREATE UNIQUE INDEX idx_users_provider ON users (provider, provider_id) WHERE provider IS NOT NULL
-- datasdk:statement-end
CREATE INDEX idx_scan_jobs_user_id ON scan_jobs (user_id)
-- datasdk:statement-end
CREATE INDEX idx_scan_jobs_state ON scan_jobs (state)
-- datasdk:statement-end
CREATE INDEX idx_scan_jobs_created_at ON scan_jobs (created_at)
-- datasdk:statement-end
CREATE INDEX idx_scan_jobs_user_created ON scan_jobs (user_id, created_at)
-- datasdk:statement-end
CREATE INDEX idx_scan_jobs_claim ON scan_jobs (state, created_at, id)
-- datasdk:statement-end
CREATE INDEX idx_audit_logs_scan_job_id ON audit_logs (scan_job_id)
-- datasdk:statement-end
CREATE INDEX idx_audit_logs_timestamp ON audit_logs (timestamp)
-- datasdk:statement-end
CREATE INDEX idx_audit_logs_url_accessed ON audit_logs (url_accessed)
-- datasdk:statement-end
CREATE INDEX idx_audit_logs_job_time ON audit_logs (scan_job_id, timestamp)
-- datasdk:statement-end
CREATE INDEX idx_credit_transactions_wallet ON credit_transactions (wallet_id, created_at)
-- datasdk:statement-end
CREATE INDEX idx_credit_transactions_job ON credit_transactions (scan_job_id) WHERE scan_job_id IS NOT NULL
-- datasdk:statement-end
CREATE INDEX idx_domains_user ON domains (user_id, is_active)
-- datasdk:statement-end
CREATE INDEX idx_domains_last_scan ON domains (last_scan_at DESC)
-- datasdk:statement-end
CREATE INDEX idx_domains_score ON domains (last_scan_score) WHERE last_scan_score IS NOT NULL
-- datasdk:statement-end
CREATE INDEX idx_scans_domain ON scans (domain_id, created_at DESC)
-- datasdk:statement-end
CREATE INDEX idx_scans_user ON scans (user_id, created_at DESC)
-- datasdk:statement-end
CREATE INDEX idx_scans_status ON scans (status) WHERE status IN ('pending', 'running')
-- datasdk:statement-end
CREATE INDEX idx_scans_completed ON scans (completed_at DESC) WHERE status = 'completed'
-- datasdk:statement-end
CREATE INDEX idx_scan_modules_scan ON scan_modules (scan_id)
-- datasdk:statement-end
CREATE INDEX idx_reports_user ON reports (user_id, generated_at DESC)
-- datasdk:statement-end
CREATE INDEX idx_reports_scan ON reports (scan_id)
-- datasdk:statement-end
CREATE INDEX idx_error_logs_type_severity ON error_logs (type, severity)
-- datasdk:statement-end
CREATE INDEX idx_error_logs_created_at ON error_logs (created_at)
-- datasdk:statement-end
CREATE INDEX idx_error_logs_user_id ON error_logs (user_id) WHERE user_id IS NOT NULL
-- datasdk:statement-end
