DROP FUNCTION IF EXISTS fn_scan_jobs_job_state_machine() CASCADE
-- datasdk:statement-end
DROP FUNCTION IF EXISTS fn_credit_transactions_ledger() CASCADE
-- datasdk:statement-end
DROP FUNCTION IF EXISTS fn_credit_transactions_ledger_balance() CASCADE
-- datasdk:statement-end
DROP FUNCTION IF EXISTS fn_credit_transactions_append_only() CASCADE
-- datasdk:statement-end
DROP FUNCTION IF EXISTS fn_credit_transactions_append_only_keys() CASCADE
-- datasdk:statement-end
DROP FUNCTION IF EXISTS fn_credit_transactions_append_only_cascade() CASCADE
-- datasdk:statement-end
DROP FUNCTION IF EXISTS fn_scan_jobs_version_bump() CASCADE
-- datasdk:statement-end
DROP FUNCTION IF EXISTS fn_scan_jobs_touch() CASCADE
-- datasdk:statement-end
DROP FUNCTION IF EXISTS fn_wallets_touch() CASCADE
-- datasdk:statement-end
DROP FUNCTION IF EXISTS fn_users_touch() CASCADE
-- datasdk:statement-end
DROP TABLE scan_results
-- datasdk:statement-end
DROP TABLE credit_transactions
-- datasdk:statement-end
DROP TABLE scan_jobs
-- datasdk:statement-end
DROP TABLE wallets
-- datasdk:statement-end
DROP TABLE users
-- datasdk:statement-end
