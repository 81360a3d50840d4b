DROP TRIGGER IF EXISTS trg_scan_jobs_job_state_machine_insert
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_scan_jobs_job_state_machine_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_credit_transactions_ledger
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_credit_transactions_ledger_open
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_credit_transactions_ledger_balance
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_credit_transactions_append_only_cascade
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_credit_transactions_append_only_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_credit_transactions_append_only_delete
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_credit_transactions_append_only_keys
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_scan_jobs_version_bump
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_scan_results_job_id_scan_jobs_insert
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_scan_results_job_id_scan_jobs_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_scan_results_job_id_scan_jobs_rekey
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_credit_transactions_wallet_id_wallets_insert
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_credit_transactions_wallet_id_wallets_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_credit_transactions_wallet_id_wallets_rekey
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_credit_transactions_scan_job_id_scan_jobs_insert
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_credit_transactions_scan_job_id_scan_jobs_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_credit_transactions_scan_job_id_scan_jobs_restrict
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_credit_transactions_scan_job_id_scan_jobs_rekey
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_scan_jobs_touch
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_scan_jobs_user_id_users_insert
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_scan_jobs_user_id_users_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_scan_jobs_user_id_users_rekey
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_wallets_touch
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_wallets_user_id_users_insert
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_wallets_user_id_users_update
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_fk_wallets_user_id_users_rekey
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_users_touch
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
