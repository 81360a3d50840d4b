CREATE TABLE users (
	id TEXT NOT NULL, 
	email TEXT, 
	name TEXT, 
	password_hash TEXT, 
	email_verified_at TIMESTAMP WITH TIME ZONE, 
	provider TEXT, 
	provider_id TEXT, 
	trial_ends_at TIMESTAMP WITH TIME ZONE DEFAULT (statement_timestamp() + interval '+14 days') NOT NULL, 
	stripe_customer_id TEXT, 
	stripe_subscription_id TEXT, 
	stripe_price_id TEXT, 
	subscription_status TEXT DEFAULT 'trialing' NOT NULL, 
	subscription_ends_at TIMESTAMP WITH TIME ZONE, 
	notification_preferences JSONB DEFAULT '{}' NOT NULL, 
	unsubscribe_token TEXT, 
	onboarding_progress JSONB DEFAULT '{}' NOT NULL, 
	metadata JSONB, 
	created_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	CONSTRAINT pk_users PRIMARY KEY (id), 
	CONSTRAINT ck_users_email_lower CHECK (email = lower(email COLLATE "C")), 
	CONSTRAINT ck_users_id_not_empty CHECK (length(id) > 0), 
	CONSTRAINT ck_users_provider_pair CHECK ((provider IS NULL) = (provider_id IS NULL)), 
	CONSTRAINT ck_users_subscription_status CHECK (subscription_status IN ('trialing', 'active', 'incomplete', 'incomplete_expired', 'past_due', 'canceled', 'unpaid', 'paused')), 
	CONSTRAINT ck_users_notification_preferences_object CHECK (jsonb_typeof(notification_preferences) = 'object'), 
	CONSTRAINT ck_users_onboarding_progress_object CHECK (jsonb_typeof(onboarding_progress) = 'object'), 
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
	id UUID DEFAULT gen_random_uuid() NOT NULL, 
	user_id TEXT NOT NULL, 
	credit_balance BIGINT DEFAULT 0 NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	CONSTRAINT pk_wallets PRIMARY KEY (id), 
	CONSTRAINT fk_wallets_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	CONSTRAINT ck_wallets_credit_balance_nonneg CHECK (credit_balance >= 0), 
	CONSTRAINT uq_wallets_user_id UNIQUE (user_id)
)
-- datasdk:statement-end
CREATE TABLE scan_jobs (
	id UUID DEFAULT gen_random_uuid() NOT NULL, 
	user_id TEXT, 
	url TEXT NOT NULL, 
	state TEXT DEFAULT 'QUEUED' NOT NULL, 
	version INTEGER DEFAULT 1 NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	CONSTRAINT pk_scan_jobs PRIMARY KEY (id), 
	CONSTRAINT fk_scan_jobs_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE SET NULL, 
	CONSTRAINT ck_scan_jobs_url_scheme CHECK (substr(url, 1, 7) = 'http://' OR substr(url, 1, 8) = 'https://'), 
	CONSTRAINT ck_scan_jobs_url_length CHECK (length(url) <= 2048), 
	CONSTRAINT ck_scan_jobs_version_positive CHECK (version >= 1), 
	CONSTRAINT ck_scan_jobs_state CHECK (state IN ('QUEUED', 'FETCHING', 'ANALYZING', 'COMPLETED', 'FAILED', 'TIMED_OUT'))
)
-- datasdk:statement-end
CREATE TABLE credit_transactions (
	id UUID DEFAULT gen_random_uuid() NOT NULL, 
	wallet_id UUID NOT NULL, 
	amount BIGINT NOT NULL, 
	kind TEXT NOT NULL, 
	idempotency_key TEXT NOT NULL, 
	scan_job_id UUID, 
	created_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
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
	id UUID DEFAULT gen_random_uuid() NOT NULL, 
	job_id UUID NOT NULL, 
	risk_score INTEGER NOT NULL, 
	categories JSONB DEFAULT '[]' NOT NULL, 
	content_hash TEXT NOT NULL, 
	http_status INTEGER, 
	http_headers JSONB DEFAULT '{}' NOT NULL, 
	content_type TEXT, 
	model_used TEXT, 
	analysis_metadata JSONB, 
	reasoning TEXT, 
	indicators JSONB DEFAULT '[]' NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	CONSTRAINT pk_scan_results PRIMARY KEY (id), 
	CONSTRAINT fk_scan_results_job_id_scan_jobs FOREIGN KEY(job_id) REFERENCES scan_jobs (id) ON DELETE CASCADE, 
	CONSTRAINT ck_scan_results_risk_score CHECK (risk_score BETWEEN 0 AND 100), 
	CONSTRAINT ck_scan_results_http_status CHECK (http_status BETWEEN 100 AND 599), 
	CONSTRAINT ck_scan_results_content_hash_sha256 CHECK (content_hash ~ '^[0-9a-f]{64}$'), 
	CONSTRAINT ck_scan_results_categories_array CHECK (jsonb_typeof(categories) = 'array'), 
	CONSTRAINT ck_scan_results_indicators_array CHECK (jsonb_typeof(indicators) = 'array'), 
	CONSTRAINT ck_scan_results_http_headers_object CHECK (jsonb_typeof(http_headers) = 'object'), 
	CONSTRAINT uq_scan_results_job_id UNIQUE (job_id), 
	CONSTRAINT ck_scan_results_content_type_length CHECK (length(content_type) <= 255), 
	CONSTRAINT ck_scan_results_model_used_length CHECK (length(model_used) <= 255)
)
-- datasdk:statement-end
-- touch_updated_at: whoever writes the row, the database sets the time. An explicit
-- NULL fails as the NOT NULL column would, as it does on SQLite.
CREATE FUNCTION fn_users_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23502', TABLE = 'users', COLUMN = 'updated_at',
            MESSAGE = 'null value in column "updated_at" of relation "users"';
    END IF;
    NEW.updated_at := statement_timestamp();
    RETURN NEW;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_users_touch BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION fn_users_touch()
-- datasdk:statement-end
ALTER TABLE users ENABLE ALWAYS TRIGGER trg_users_touch
-- datasdk:statement-end
-- touch_updated_at: whoever writes the row, the database sets the time. An explicit
-- NULL fails as the NOT NULL column would, as it does on SQLite.
CREATE FUNCTION fn_wallets_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23502', TABLE = 'wallets', COLUMN = 'updated_at',
            MESSAGE = 'null value in column "updated_at" of relation "wallets"';
    END IF;
    NEW.updated_at := statement_timestamp();
    RETURN NEW;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_wallets_touch BEFORE UPDATE ON wallets
    FOR EACH ROW EXECUTE FUNCTION fn_wallets_touch()
-- datasdk:statement-end
ALTER TABLE wallets ENABLE ALWAYS TRIGGER trg_wallets_touch
-- datasdk:statement-end
-- touch_updated_at: whoever writes the row, the database sets the time. An explicit
-- NULL fails as the NOT NULL column would, as it does on SQLite.
CREATE FUNCTION fn_scan_jobs_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23502', TABLE = 'scan_jobs', COLUMN = 'updated_at',
            MESSAGE = 'null value in column "updated_at" of relation "scan_jobs"';
    END IF;
    NEW.updated_at := statement_timestamp();
    RETURN NEW;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_scan_jobs_touch BEFORE UPDATE ON scan_jobs
    FOR EACH ROW EXECUTE FUNCTION fn_scan_jobs_touch()
-- datasdk:statement-end
ALTER TABLE scan_jobs ENABLE ALWAYS TRIGGER trg_scan_jobs_touch
-- datasdk:statement-end
-- version_bump: an UPDATE must raise the version by exactly one. Checked, not set,
-- so that SQLite (where a trigger cannot set NEW) behaves the same.
CREATE FUNCTION fn_scan_jobs_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.version IS DISTINCT FROM OLD.version + 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'DS005', MESSAGE = 'datasdk:version_bump:scan_jobs', TABLE = 'scan_jobs';
    END IF;
    RETURN NEW;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_scan_jobs_version_bump BEFORE UPDATE OF id, url, state, version, created_at ON scan_jobs
    FOR EACH ROW EXECUTE FUNCTION fn_scan_jobs_version_bump()
-- datasdk:statement-end
ALTER TABLE scan_jobs ENABLE ALWAYS TRIGGER trg_scan_jobs_version_bump
-- datasdk:statement-end
-- Events in the order PostgreSQL prints them (INSERT, DELETE, UPDATE), so `db check`
-- can compare the live definition with this one.
-- append_only: rows are never changed or removed, except by ON DELETE CASCADE
-- once their parent row is gone.
CREATE FUNCTION fn_credit_transactions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Depth > 1: called from a trigger (the cascade below, or the foreign key's own),
    -- never from a client statement.
    IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 AND NOT EXISTS (SELECT 1 FROM wallets WHERE id = OLD.wallet_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'DS001', MESSAGE = 'datasdk:append_only:credit_transactions', TABLE = 'credit_transactions';
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_append_only BEFORE DELETE OR UPDATE ON credit_transactions
    FOR EACH ROW EXECUTE FUNCTION fn_credit_transactions_append_only()
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_append_only_truncate BEFORE TRUNCATE ON credit_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION fn_credit_transactions_append_only()
-- datasdk:statement-end
-- An INSERT that collides with a key fails whatever its ON CONFLICT clause, as on
-- SQLite, where INSERT OR REPLACE would otherwise overwrite the row.
CREATE FUNCTION fn_credit_transactions_append_only_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM credit_transactions AS existing WHERE existing.id = NEW.id) THEN
        RAISE EXCEPTION USING ERRCODE = '23505', CONSTRAINT = 'pk_credit_transactions', TABLE = 'credit_transactions',
            MESSAGE = 'datasdk:unique:credit_transactions:pk_credit_transactions';
    END IF;
    IF EXISTS (SELECT 1 FROM credit_transactions AS existing WHERE existing.wallet_id = NEW.wallet_id AND existing.idempotency_key = NEW.idempotency_key) THEN
        RAISE EXCEPTION USING ERRCODE = '23505', CONSTRAINT = 'uq_credit_transactions_wallet_id_idempotency_key', TABLE = 'credit_transactions',
            MESSAGE = 'datasdk:unique:credit_transactions:uq_credit_transactions_wallet_id_idempotency_key';
    END IF;
    RETURN NEW;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_append_only_keys BEFORE INSERT ON credit_transactions
    FOR EACH ROW EXECUTE FUNCTION fn_credit_transactions_append_only_keys()
-- datasdk:statement-end
-- The parent's ON DELETE CASCADE, again, as a trigger that fires ALWAYS: the foreign
-- key's own cascade is skipped under session_replication_role = replica, and rows
-- must never outlive their parent.
CREATE FUNCTION fn_credit_transactions_append_only_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM credit_transactions WHERE wallet_id = OLD.id;
    RETURN NULL;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_append_only_cascade AFTER DELETE ON wallets
    FOR EACH ROW EXECUTE FUNCTION fn_credit_transactions_append_only_cascade()
-- datasdk:statement-end
ALTER TABLE credit_transactions ENABLE ALWAYS TRIGGER trg_credit_transactions_append_only
-- datasdk:statement-end
ALTER TABLE credit_transactions ENABLE ALWAYS TRIGGER trg_credit_transactions_append_only_truncate
-- datasdk:statement-end
ALTER TABLE credit_transactions ENABLE ALWAYS TRIGGER trg_credit_transactions_append_only_keys
-- datasdk:statement-end
ALTER TABLE wallets ENABLE ALWAYS TRIGGER trg_credit_transactions_append_only_cascade
-- datasdk:statement-end
-- The ledger: inserting a row moves the account's balance in the same statement, so
-- an overdraft fails on the balance's CHECK and nothing is written.
CREATE FUNCTION fn_credit_transactions_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE wallets SET credit_balance = credit_balance + NEW.amount
        WHERE id = NEW.wallet_id;
    RETURN NULL;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_ledger AFTER INSERT ON credit_transactions
    FOR EACH ROW EXECUTE FUNCTION fn_credit_transactions_ledger()
-- datasdk:statement-end
-- ... and the balance moves no other way. A wallet (re)opens holding exactly what its
-- ledger says; afterwards only the ledger trigger above (depth > 1) may change it.
-- (Comparing with the ledger's sum, as SQLite does, would fail here: PostgreSQL runs
-- AFTER ROW triggers at the end of the statement, when every new row is visible.)
CREATE FUNCTION fn_credit_transactions_ledger_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP = 'INSERT' AND NEW.credit_balance <> (
            SELECT coalesce(sum(amount), 0) FROM credit_transactions
            WHERE wallet_id = NEW.id))
        OR (TG_OP = 'UPDATE' AND NEW.credit_balance IS DISTINCT FROM OLD.credit_balance
            AND pg_trigger_depth() < 2) THEN
        RAISE EXCEPTION USING ERRCODE = 'DS004', MESSAGE = 'datasdk:ledger:wallets', TABLE = 'wallets';
    END IF;
    RETURN NEW;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_ledger_balance BEFORE INSERT OR UPDATE OF credit_balance ON wallets
    FOR EACH ROW EXECUTE FUNCTION fn_credit_transactions_ledger_balance()
-- datasdk:statement-end
ALTER TABLE credit_transactions ENABLE ALWAYS TRIGGER trg_credit_transactions_ledger
-- datasdk:statement-end
ALTER TABLE wallets ENABLE ALWAYS TRIGGER trg_credit_transactions_ledger_balance
-- datasdk:statement-end
-- A state machine: rows start in the initial state and move only along listed edges.
CREATE FUNCTION fn_scan_jobs_job_state_machine() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.state IS DISTINCT FROM 'QUEUED' THEN
            RAISE EXCEPTION USING ERRCODE = 'DS003', MESSAGE = 'datasdk:job_state_machine:scan_jobs', TABLE = 'scan_jobs';
        END IF;
    ELSIF NEW.state IS DISTINCT FROM OLD.state
        AND (OLD.state, NEW.state) NOT IN (VALUES ('ANALYZING', 'COMPLETED'), ('ANALYZING', 'FAILED'), ('ANALYZING', 'TIMED_OUT'), ('FETCHING', 'ANALYZING'), ('FETCHING', 'FAILED'), ('FETCHING', 'TIMED_OUT'), ('QUEUED', 'FAILED'), ('QUEUED', 'FETCHING'), ('QUEUED', 'TIMED_OUT')) THEN
        RAISE EXCEPTION USING ERRCODE = 'DS003', MESSAGE = 'datasdk:job_state_machine:scan_jobs', TABLE = 'scan_jobs';
    END IF;
    RETURN NEW;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_scan_jobs_job_state_machine BEFORE INSERT OR UPDATE OF state ON scan_jobs
    FOR EACH ROW EXECUTE FUNCTION fn_scan_jobs_job_state_machine()
-- datasdk:statement-end
ALTER TABLE scan_jobs ENABLE ALWAYS TRIGGER trg_scan_jobs_job_state_machine
-- datasdk:statement-end
