CREATE TABLE domains (
	id UUID DEFAULT gen_random_uuid() NOT NULL, 
	user_id TEXT NOT NULL, 
	url TEXT NOT NULL, 
	display_name TEXT NOT NULL, 
	email_mode TEXT DEFAULT 'expected' NOT NULL, 
	dkim_selector TEXT, 
	last_scan_at TIMESTAMP WITH TIME ZONE, 
	last_scan_score INTEGER, 
	is_active BOOLEAN DEFAULT true NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	CONSTRAINT pk_domains PRIMARY KEY (id), 
	CONSTRAINT fk_domains_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	CONSTRAINT uq_domains_user_id_url UNIQUE (user_id, url), 
	CONSTRAINT uq_domains_id_user_id UNIQUE (id, user_id), 
	CONSTRAINT ck_domains_url_https CHECK (substr(url, 1, 8) = 'https://'), 
	CONSTRAINT ck_domains_email_mode CHECK (email_mode IN ('expected', 'none')), 
	CONSTRAINT ck_domains_last_scan_score CHECK (last_scan_score BETWEEN 0 AND 100), 
	CONSTRAINT ck_domains_url_length CHECK (length(url) <= 255), 
	CONSTRAINT ck_domains_display_name_length CHECK (length(display_name) <= 255), 
	CONSTRAINT ck_domains_dkim_selector_length CHECK (length(dkim_selector) <= 50)
)
-- datasdk:statement-end
CREATE TABLE scans (
	id UUID DEFAULT gen_random_uuid() NOT NULL, 
	domain_id UUID NOT NULL, 
	user_id TEXT NOT NULL, 
	status TEXT DEFAULT 'pending' NOT NULL, 
	total_score INTEGER, 
	grade TEXT, 
	scoring_version TEXT, 
	weights_used JSONB, 
	started_at TIMESTAMP WITH TIME ZONE, 
	completed_at TIMESTAMP WITH TIME ZONE, 
	error_message TEXT, 
	created_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	CONSTRAINT pk_scans PRIMARY KEY (id), 
	CONSTRAINT fk_scans_domain_id_user_id_domains FOREIGN KEY(domain_id, user_id) REFERENCES domains (id, user_id) ON DELETE CASCADE ON UPDATE CASCADE, 
	CONSTRAINT fk_scans_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	CONSTRAINT ck_scans_status CHECK (status IN ('pending', 'running', 'completed', 'failed')), 
	CONSTRAINT ck_scans_total_score CHECK (total_score BETWEEN 0 AND 100), 
	CONSTRAINT ck_scans_grade_length CHECK (length(grade) <= 3), 
	CONSTRAINT ck_scans_scoring_version_length CHECK (length(scoring_version) <= 10)
)
-- datasdk:statement-end
CREATE TABLE scan_modules (
	id UUID DEFAULT gen_random_uuid() NOT NULL, 
	scan_id UUID NOT NULL, 
	module TEXT NOT NULL, 
	score INTEGER, 
	status TEXT NOT NULL, 
	confidence TEXT DEFAULT 'high' NOT NULL, 
	platform TEXT, 
	raw JSONB DEFAULT '{}' NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	CONSTRAINT pk_scan_modules PRIMARY KEY (id), 
	CONSTRAINT fk_scan_modules_scan_id_scans FOREIGN KEY(scan_id) REFERENCES scans (id) ON DELETE CASCADE, 
	CONSTRAINT uq_scan_modules_scan_id_module UNIQUE (scan_id, module), 
	CONSTRAINT ck_scan_modules_module CHECK (module IN ('ssl_tls', 'security_headers', 'dns_email')), 
	CONSTRAINT ck_scan_modules_status CHECK (status IN ('ok', 'warn', 'fail', 'error')), 
	CONSTRAINT ck_scan_modules_confidence CHECK (confidence IN ('high', 'medium', 'low')), 
	CONSTRAINT ck_scan_modules_score CHECK (score BETWEEN 0 AND 100), 
	CONSTRAINT ck_scan_modules_platform_length CHECK (length(platform) <= 50)
)
-- datasdk:statement-end
CREATE TABLE reports (
	id UUID DEFAULT gen_random_uuid() NOT NULL, 
	scan_id UUID NOT NULL, 
	user_id TEXT NOT NULL, 
	filename TEXT NOT NULL, 
	s3_path TEXT NOT NULL, 
	file_size BIGINT, 
	generated_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	CONSTRAINT pk_reports PRIMARY KEY (id), 
	CONSTRAINT fk_reports_scan_id_scans FOREIGN KEY(scan_id) REFERENCES scans (id) ON DELETE CASCADE, 
	CONSTRAINT fk_reports_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	CONSTRAINT ck_reports_file_size_nonneg CHECK (file_size >= 0), 
	CONSTRAINT ck_reports_filename_length CHECK (length(filename) <= 255), 
	CONSTRAINT ck_reports_s3_path_length CHECK (length(s3_path) <= 500)
)
-- datasdk:statement-end
CREATE TABLE error_logs (
	id UUID DEFAULT gen_random_uuid() NOT NULL, 
	type TEXT NOT NULL, 
	severity TEXT NOT NULL, 
	message TEXT NOT NULL, 
	context JSONB, 
	user_id TEXT, 
	url TEXT, 
	ip INET, 
	user_agent TEXT, 
	created_at TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	CONSTRAINT pk_error_logs PRIMARY KEY (id), 
	CONSTRAINT fk_error_logs_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE SET NULL, 
	CONSTRAINT ck_error_logs_type CHECK (type IN ('scanner_error', 'client_error', 'application_error')), 
	CONSTRAINT ck_error_logs_severity CHECK (severity IN ('debug', 'info', 'warning', 'error', 'critical'))
)
-- datasdk:statement-end
-- touch_updated_at: whoever writes the row, the database sets the time. An explicit
-- NULL fails as the NOT NULL column would, as it does on SQLite.
CREATE FUNCTION fn_domains_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23502', TABLE = 'domains', COLUMN = 'updated_at',
            MESSAGE = 'null value in column "updated_at" of relation "domains"';
    END IF;
    NEW.updated_at := statement_timestamp();
    RETURN NEW;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_domains_touch BEFORE UPDATE ON domains
    FOR EACH ROW EXECUTE FUNCTION fn_domains_touch()
-- datasdk:statement-end
ALTER TABLE domains ENABLE ALWAYS TRIGGER trg_domains_touch
-- datasdk:statement-end
-- touch_updated_at: whoever writes the row, the database sets the time. An explicit
-- NULL fails as the NOT NULL column would, as it does on SQLite.
CREATE FUNCTION fn_scans_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23502', TABLE = 'scans', COLUMN = 'updated_at',
            MESSAGE = 'null value in column "updated_at" of relation "scans"';
    END IF;
    NEW.updated_at := statement_timestamp();
    RETURN NEW;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_scans_touch BEFORE UPDATE ON scans
    FOR EACH ROW EXECUTE FUNCTION fn_scans_touch()
-- datasdk:statement-end
ALTER TABLE scans ENABLE ALWAYS TRIGGER trg_scans_touch
-- datasdk:statement-end
-- touch_updated_at: whoever writes the row, the database sets the time. An explicit
-- NULL fails as the NOT NULL column would, as it does on SQLite.
CREATE FUNCTION fn_scan_modules_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23502', TABLE = 'scan_modules', COLUMN = 'updated_at',
            MESSAGE = 'null value in column "updated_at" of relation "scan_modules"';
    END IF;
    NEW.updated_at := statement_timestamp();
    RETURN NEW;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_scan_modules_touch BEFORE UPDATE ON scan_modules
    FOR EACH ROW EXECUTE FUNCTION fn_scan_modules_touch()
-- datasdk:statement-end
ALTER TABLE scan_modules ENABLE ALWAYS TRIGGER trg_scan_modules_touch
-- datasdk:statement-end
-- A state machine: rows start in the initial state and move only along listed edges.
CREATE FUNCTION fn_scans_scan_status_machine() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status IS DISTINCT FROM 'pending' THEN
            RAISE EXCEPTION USING ERRCODE = 'DS003', MESSAGE = 'datasdk:scan_status_machine:scans', TABLE = 'scans';
        END IF;
    ELSIF NEW.status IS DISTINCT FROM OLD.status
        AND (OLD.status, NEW.status) NOT IN (VALUES ('pending', 'failed'), ('pending', 'running'), ('running', 'completed'), ('running', 'failed')) THEN
        RAISE EXCEPTION USING ERRCODE = 'DS003', MESSAGE = 'datasdk:scan_status_machine:scans', TABLE = 'scans';
    END IF;
    RETURN NEW;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_scans_scan_status_machine BEFORE INSERT OR UPDATE OF status ON scans
    FOR EACH ROW EXECUTE FUNCTION fn_scans_scan_status_machine()
-- datasdk:statement-end
ALTER TABLE scans ENABLE ALWAYS TRIGGER trg_scans_scan_status_machine
-- datasdk:statement-end
-- At most 10 rows per parent. A COUNT alone races under READ COMMITTED (two
-- inserts each see 10 - 1 rows): locking the parent row first queues them, and
-- the count taken after the lock sees every row committed before it.
CREATE FUNCTION fn_domains_domain_limit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.user_id IS NOT DISTINCT FROM OLD.user_id THEN
        RETURN NEW;
    END IF;
    PERFORM 1 FROM users WHERE id = NEW.user_id FOR NO KEY UPDATE;
    IF (SELECT count(*) FROM domains WHERE user_id = NEW.user_id) >= 10 THEN
        RAISE EXCEPTION USING ERRCODE = 'DS002', MESSAGE = 'datasdk:domain_limit:domains', TABLE = 'domains';
    END IF;
    RETURN NEW;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_domains_domain_limit BEFORE INSERT OR UPDATE OF user_id ON domains
    FOR EACH ROW EXECUTE FUNCTION fn_domains_domain_limit()
-- datasdk:statement-end
ALTER TABLE domains ENABLE ALWAYS TRIGGER trg_domains_domain_limit
-- datasdk:statement-end
