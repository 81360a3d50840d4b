CREATE TABLE users (
	id TEXT NOT NULL, 
	email TEXT, 
	name TEXT, 
	password_hash TEXT, 
	email_verified_at TEXT, 
	provider TEXT, 
	provider_id TEXT, 
	trial_ends_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now', '+14 days')) NOT NULL, 
	stripe_customer_id TEXT, 
	stripe_subscription_id TEXT, 
	stripe_price_id TEXT, 
	subscription_status TEXT DEFAULT 'trialing' NOT NULL, 
	subscription_ends_at TEXT, 
	notification_preferences JSON DEFAULT '{}' NOT NULL, 
	unsubscribe_token TEXT, 
	onboarding_progress JSON DEFAULT '{}' NOT NULL, 
	metadata JSON, 
	created_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	updated_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	CONSTRAINT pk_users PRIMARY KEY (id), 
	CONSTRAINT ck_users_email_lower CHECK (email = lower(email)), 
	CONSTRAINT ck_users_id_not_empty CHECK (length(id) > 0), 
	CONSTRAINT ck_users_provider_pair CHECK ((provider IS NULL) = (provider_id IS NULL)), 
	CONSTRAINT ck_users_subscription_status CHECK (subscription_status IN ('trialing', 'active', 'incomplete', 'incomplete_expired', 'past_due', 'canceled', 'unpaid', 'paused')), 
	CONSTRAINT ck_users_notification_preferences_json CHECK (notification_preferences IS NULL OR json_valid(notification_preferences)), 
	CONSTRAINT ck_users_notification_preferences_object CHECK (CASE WHEN json_valid(notification_preferences) THEN json_type(notification_preferences) = 'object' END), 
	CONSTRAINT ck_users_onboarding_progress_json CHECK (onboarding_progress IS NULL OR json_valid(onboarding_progress)), 
	CONSTRAINT ck_users_onboarding_progress_object CHECK (CASE WHEN json_valid(onboarding_progress) THEN json_type(onboarding_progress) = 'object' END), 
	CONSTRAINT ck_users_metadata_json CHECK (metadata IS NULL OR json_valid(metadata)), 
	CONSTRAINT uq_users_email UNIQUE (email), 
	CONSTRAINT uq_users_unsubscribe_token UNIQUE (unsubscribe_token), 
	CONSTRAINT ck_users_id_length CHECK (length(id) <= 255), 
	CONSTRAINT ck_users_email_length CHECK (length(email) <= 255), 
	CONSTRAINT ck_users_name_length CHECK (length(name) <= 255), 
	CONSTRAINT ck_users_password_hash_length CHECK (length(password_hash) <= 255), 
	CONSTRAINT ck_users_provider_length CHECK (length(provider) <= 20), 
	CONSTRAINT ck_users_provider_id_length CHECK (length(provider_id) <= 255), 
	CONSTRAINT ck_users_stripe_customer_id_length CHECK (length(stripe_customer_id) <= 255), 
	CONSTRAINT ck_users_stripe_subscription_id_length CHECK (length(stripe_subscription_id) <= 255), 
	CONSTRAINT ck_users_stripe_price_id_length CHECK (length(stripe_price_id) <= 255), 
	CONSTRAINT ck_users_unsubscribe_token_length CHECK (length(unsubscribe_token) <= 255)
)
-- datasdk:statement-end
CREATE TABLE wallets (
	id VARCHAR(36) DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) NOT NULL, 
	user_id TEXT NOT NULL, 
	credit_balance BIGINT DEFAULT 0 NOT NULL, 
	created_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	updated_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	CONSTRAINT pk_wallets PRIMARY KEY (id), 
	CONSTRAINT fk_wallets_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	CONSTRAINT ck_wallets_credit_balance_nonneg CHECK (credit_balance >= 0), 
	CONSTRAINT uq_wallets_user_id UNIQUE (user_id)
)
-- datasdk:statement-end
CREATE TABLE scan_jobs (
	id VARCHAR(36) DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) NOT NULL, 
	user_id TEXT, 
	url TEXT NOT NULL, 
	state TEXT DEFAULT 'QUEUED' NOT NULL, 
	version INTEGER DEFAULT 1 NOT NULL, 
	created_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	updated_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	CONSTRAINT pk_scan_jobs PRIMARY KEY (id), 
	CONSTRAINT fk_scan_jobs_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE SET NULL, 
	CONSTRAINT ck_scan_jobs_url_scheme CHECK (substr(url, 1, 7) = 'http://' OR substr(url, 1, 8) = 'https://'), 
	CONSTRAINT ck_scan_jobs_url_length CHECK (length(url) <= 2048), 
	CONSTRAINT ck_scan_jobs_version_positive CHECK (version >= 1), 
	CONSTRAINT ck_scan_jobs_state CHECK (state IN ('QUEUED', 'FETCHING', 'ANALYZING', 'COMPLETED', 'FAILED', 'TIMED_OUT'))
)
-- datasdk:statement-end
CREATE TABLE credit_transactions (
	id VARCHAR(36) DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) NOT NULL, 
	wallet_id VARCHAR(36) NOT NULL, 
	amount BIGINT NOT NULL, 
	kind TEXT NOT NULL, 
	idempotency_key TEXT NOT NULL, 
	scan_job_id VARCHAR(36), 
	created_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	CONSTRAINT pk_credit_transactions PRIMARY KEY (id), 
	CONSTRAINT fk_credit_transactions_wallet_id_wallets FOREIGN KEY(wallet_id) REFERENCES wallets (id) ON DELETE CASCADE, 
	CONSTRAINT fk_credit_transactions_scan_job_id_scan_jobs FOREIGN KEY(scan_job_id) REFERENCES scan_jobs (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_credit_transactions_wallet_id_idempotency_key UNIQUE (wallet_id, idempotency_key), 
	CONSTRAINT ck_credit_transactions_amount_nonzero CHECK (amount <> 0), 
	CONSTRAINT ck_credit_transactions_idempotency_key_not_empty CHECK (length(idempotency_key) > 0), 
	CONSTRAINT ck_credit_transactions_kind CHECK (kind IN ('grant', 'purchase', 'scan_charge', 'refund', 'adjustment')), 
	CONSTRAINT ck_credit_transactions_idempotency_key_length CHECK (length(idempotency_key) <= 255)
)
-- datasdk:statement-end
CREATE TABLE scan_results (
	id VARCHAR(36) DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) NOT NULL, 
	job_id VARCHAR(36) NOT NULL, 
	risk_score INTEGER NOT NULL, 
	categories JSON DEFAULT '[]' NOT NULL, 
	content_hash TEXT NOT NULL, 
	http_status INTEGER, 
	http_headers JSON DEFAULT '{}' NOT NULL, 
	content_type TEXT, 
	model_used TEXT, 
	analysis_metadata JSON, 
	reasoning TEXT, 
	indicators JSON DEFAULT '[]' NOT NULL, 
	created_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	CONSTRAINT pk_scan_results PRIMARY KEY (id), 
	CONSTRAINT fk_scan_results_job_id_scan_jobs FOREIGN KEY(job_id) REFERENCES scan_jobs (id) ON DELETE CASCADE, 
	CONSTRAINT ck_scan_results_risk_score CHECK (risk_score BETWEEN 0 AND 100), 
	CONSTRAINT ck_scan_results_http_status CHECK (http_status BETWEEN 100 AND 599), 
	CONSTRAINT ck_scan_results_content_hash_sha256 CHECK (length(content_hash) = 64 AND content_hash NOT GLOB '*[^0-9a-f]*'), 
	CONSTRAINT ck_scan_results_categories_json CHECK (categories IS NULL OR json_valid(categories)), 
	CONSTRAINT ck_scan_results_categories_array CHECK (CASE WHEN json_valid(categories) THEN json_type(categories) = 'array' END), 
	CONSTRAINT ck_scan_results_indicators_json CHECK (indicators IS NULL OR json_valid(indicators)), 
	CONSTRAINT ck_scan_results_indicators_array CHECK (CASE WHEN json_valid(indicators) THEN json_type(indicators) = 'array' END), 
	CONSTRAINT ck_scan_results_http_headers_json CHECK (http_headers IS NULL OR json_valid(http_headers)), 
	CONSTRAINT ck_scan_results_http_headers_object CHECK (CASE WHEN json_valid(http_headers) THEN json_type(http_headers) = 'object' END), 
	CONSTRAINT ck_scan_results_analysis_metadata_json CHECK (analysis_metadata IS NULL OR json_valid(analysis_metadata)), 
	CONSTRAINT uq_scan_results_job_id UNIQUE (job_id), 
	CONSTRAINT ck_scan_results_content_type_length CHECK (length(content_type) <= 255), 
	CONSTRAINT ck_scan_results_model_used_length CHECK (length(model_used) <= 255)
)
-- datasdk:statement-end
CREATE TRIGGER trg_users_touch AFTER UPDATE ON users FOR EACH ROW WHEN NEW.updated_at IS NOT strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') BEGIN UPDATE users SET updated_at = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') WHERE rowid = NEW.rowid; END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_wallets_user_id_users_insert AFTER INSERT ON wallets FOR EACH ROW WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.id = NEW.user_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:wallets:fk_wallets_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_wallets_user_id_users_update AFTER UPDATE OF user_id ON wallets FOR EACH ROW WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.id = NEW.user_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:wallets:fk_wallets_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_wallets_user_id_users_rekey AFTER UPDATE OF id ON users FOR EACH ROW WHEN (NEW.id IS NOT OLD.id) AND EXISTS (SELECT 1 FROM wallets AS c WHERE c.user_id = OLD.id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:wallets:fk_wallets_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_wallets_touch AFTER UPDATE ON wallets FOR EACH ROW WHEN NEW.updated_at IS NOT strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') BEGIN UPDATE wallets SET updated_at = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') WHERE rowid = NEW.rowid; END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_scan_jobs_user_id_users_insert AFTER INSERT ON scan_jobs FOR EACH ROW WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.id = NEW.user_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:scan_jobs:fk_scan_jobs_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_scan_jobs_user_id_users_update AFTER UPDATE OF user_id ON scan_jobs FOR EACH ROW WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.id = NEW.user_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:scan_jobs:fk_scan_jobs_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_scan_jobs_user_id_users_rekey AFTER UPDATE OF id ON users FOR EACH ROW WHEN (NEW.id IS NOT OLD.id) AND EXISTS (SELECT 1 FROM scan_jobs AS c WHERE c.user_id = OLD.id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:scan_jobs:fk_scan_jobs_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_scan_jobs_touch AFTER UPDATE ON scan_jobs FOR EACH ROW WHEN NEW.updated_at IS NOT strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') BEGIN UPDATE scan_jobs SET updated_at = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') WHERE rowid = NEW.rowid; END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_credit_transactions_scan_job_id_scan_jobs_insert AFTER INSERT ON credit_transactions FOR EACH ROW WHEN NEW.scan_job_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scan_jobs AS p WHERE p.id = NEW.scan_job_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:credit_transactions:fk_credit_transactions_scan_job_id_scan_jobs'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_credit_transactions_scan_job_id_scan_jobs_update AFTER UPDATE OF scan_job_id ON credit_transactions FOR EACH ROW WHEN NEW.scan_job_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scan_jobs AS p WHERE p.id = NEW.scan_job_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:credit_transactions:fk_credit_transactions_scan_job_id_scan_jobs'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_credit_transactions_scan_job_id_scan_jobs_restrict BEFORE DELETE ON scan_jobs FOR EACH ROW WHEN EXISTS (SELECT 1 FROM credit_transactions AS c WHERE c.scan_job_id = OLD.id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:credit_transactions:fk_credit_transactions_scan_job_id_scan_jobs'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_credit_transactions_scan_job_id_scan_jobs_rekey AFTER UPDATE OF id ON scan_jobs FOR EACH ROW WHEN (NEW.id IS NOT OLD.id) AND EXISTS (SELECT 1 FROM credit_transactions AS c WHERE c.scan_job_id = OLD.id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:credit_transactions:fk_credit_transactions_scan_job_id_scan_jobs'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_credit_transactions_wallet_id_wallets_insert AFTER INSERT ON credit_transactions FOR EACH ROW WHEN NEW.wallet_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM wallets AS p WHERE p.id = NEW.wallet_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:credit_transactions:fk_credit_transactions_wallet_id_wallets'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_credit_transactions_wallet_id_wallets_update AFTER UPDATE OF wallet_id ON credit_transactions FOR EACH ROW WHEN NEW.wallet_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM wallets AS p WHERE p.id = NEW.wallet_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:credit_transactions:fk_credit_transactions_wallet_id_wallets'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_credit_transactions_wallet_id_wallets_rekey AFTER UPDATE OF id ON wallets FOR EACH ROW WHEN (NEW.id IS NOT OLD.id) AND EXISTS (SELECT 1 FROM credit_transactions AS c WHERE c.wallet_id = OLD.id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:credit_transactions:fk_credit_transactions_wallet_id_wallets'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_scan_results_job_id_scan_jobs_insert AFTER INSERT ON scan_results FOR EACH ROW WHEN NEW.job_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scan_jobs AS p WHERE p.id = NEW.job_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:scan_results:fk_scan_results_job_id_scan_jobs'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_scan_results_job_id_scan_jobs_update AFTER UPDATE OF job_id ON scan_results FOR EACH ROW WHEN NEW.job_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scan_jobs AS p WHERE p.id = NEW.job_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:scan_results:fk_scan_results_job_id_scan_jobs'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_scan_results_job_id_scan_jobs_rekey AFTER UPDATE OF id ON scan_jobs FOR EACH ROW WHEN (NEW.id IS NOT OLD.id) AND EXISTS (SELECT 1 FROM scan_results AS c WHERE c.job_id = OLD.id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:scan_results:fk_scan_results_job_id_scan_jobs'); END
-- datasdk:statement-end
CREATE TRIGGER trg_scan_jobs_version_bump BEFORE UPDATE OF id, url, state, version, created_at ON scan_jobs FOR EACH ROW WHEN NEW.version IS NOT OLD.version + 1 BEGIN SELECT RAISE(ABORT, 'datasdk:version_bump:scan_jobs'); END
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_append_only_cascade AFTER DELETE ON wallets FOR EACH ROW BEGIN DELETE FROM credit_transactions WHERE wallet_id = OLD.id; END
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_append_only_update BEFORE UPDATE ON credit_transactions FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'datasdk:append_only:credit_transactions'); END
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_append_only_delete BEFORE DELETE ON credit_transactions FOR EACH ROW WHEN EXISTS (SELECT 1 FROM wallets WHERE id = OLD.wallet_id) BEGIN SELECT RAISE(ABORT, 'datasdk:append_only:credit_transactions'); END
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_append_only_keys BEFORE INSERT ON credit_transactions FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'datasdk:unique:credit_transactions:pk_credit_transactions') WHERE EXISTS (SELECT 1 FROM credit_transactions AS existing WHERE existing.id = NEW.id); SELECT RAISE(ABORT, 'datasdk:unique:credit_transactions:uq_credit_transactions_wallet_id_idempotency_key') WHERE EXISTS (SELECT 1 FROM credit_transactions AS existing WHERE existing.wallet_id = NEW.wallet_id AND existing.idempotency_key = NEW.idempotency_key); END
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_ledger AFTER INSERT ON credit_transactions FOR EACH ROW BEGIN UPDATE wallets SET credit_balance = credit_balance + NEW.amount WHERE id = NEW.wallet_id; END
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_ledger_open BEFORE INSERT ON wallets FOR EACH ROW WHEN NEW.credit_balance <> (SELECT coalesce(sum(amount), 0) FROM credit_transactions WHERE wallet_id = NEW.id) BEGIN SELECT RAISE(ABORT, 'datasdk:ledger:wallets'); END
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_ledger_balance BEFORE UPDATE OF credit_balance ON wallets FOR EACH ROW WHEN NEW.credit_balance IS NOT (SELECT coalesce(sum(amount), 0) FROM credit_transactions WHERE wallet_id = NEW.id) BEGIN SELECT RAISE(ABORT, 'datasdk:ledger:wallets'); END
-- datasdk:statement-end
CREATE TRIGGER trg_scan_jobs_job_state_machine_insert BEFORE INSERT ON scan_jobs FOR EACH ROW WHEN NEW.state IS NOT 'QUEUED' BEGIN SELECT RAISE(ABORT, 'datasdk:job_state_machine:scan_jobs'); END
-- datasdk:statement-end
CREATE TRIGGER trg_scan_jobs_job_state_machine_update BEFORE UPDATE OF state ON scan_jobs FOR EACH ROW WHEN NEW.state IS NOT OLD.state AND (OLD.state, NEW.state) NOT IN (VALUES ('ANALYZING', 'COMPLETED'), ('ANALYZING', 'FAILED'), ('ANALYZING', 'TIMED_OUT'), ('FETCHING', 'ANALYZING'), ('FETCHING', 'FAILED'), ('FETCHING', 'TIMED_OUT'), ('QUEUED', 'FAILED'), ('QUEUED', 'FETCHING'), ('QUEUED', 'TIMED_OUT')) BEGIN SELECT RAISE(ABORT, 'datasdk:job_state_machine:scan_jobs'); END
-- datasdk:statement-end
