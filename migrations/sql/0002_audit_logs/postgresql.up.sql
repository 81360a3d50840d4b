CREATE TABLE audit_logs (
	id UUID DEFAULT gen_random_uuid() NOT NULL, 
	scan_job_id UUID NOT NULL, 
	url_accessed TEXT NOT NULL, 
	timestamp TIMESTAMP WITH TIME ZONE DEFAULT statement_timestamp() NOT NULL, 
	content_hash TEXT NOT NULL, 
	http_status INTEGER, 
	http_headers JSONB DEFAULT '{}' NOT NULL, 
	content_type TEXT, 
	risk_assessment_summary JSONB, 
	CONSTRAINT pk_audit_logs PRIMARY KEY (id), 
	CONSTRAINT fk_audit_logs_scan_job_id_scan_jobs FOREIGN KEY(scan_job_id) REFERENCES scan_jobs (id) ON DELETE RESTRICT, 
	CONSTRAINT ck_audit_logs_http_status CHECK (http_status BETWEEN 100 AND 599), 
	CONSTRAINT ck_audit_logs_content_hash_sha256 CHECK (content_hash ~ '^[0-9a-f]{64}$'), 
	CONSTRAINT ck_audit_logs_http_headers_object CHECK (jsonb_typeof(http_headers) = 'object'), 
	CONSTRAINT ck_audit_logs_risk_assessment_summary_object CHECK (jsonb_typeof(risk_assessment_summary) = 'object'), 
	CONSTRAINT ck_audit_logs_content_type_length CHECK (length(content_type) <= 255)
)
-- datasdk:statement-end
-- Events in the order PostgreSQL prints them (INSERT, DELETE, UPDATE), so `db check`
-- can compare the live definition with this one.
-- append_only: rows are never changed or removed, except by ON DELETE CASCADE
-- once their parent row is gone.
CREATE FUNCTION fn_audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Depth > 1: called from a trigger (the cascade below, or the foreign key's own),
    -- never from a client statement.
    IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 AND false THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'DS001', MESSAGE = 'datasdk:append_only:audit_logs', TABLE = 'audit_logs';
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_audit_logs_append_only BEFORE DELETE OR UPDATE ON audit_logs
    FOR EACH ROW EXECUTE FUNCTION fn_audit_logs_append_only()
-- datasdk:statement-end
CREATE TRIGGER trg_audit_logs_append_only_truncate BEFORE TRUNCATE ON audit_logs
    FOR EACH STATEMENT EXECUTE FUNCTION fn_audit_logs_append_only()
-- datasdk:statement-end
-- An INSERT that collides with a key fails whatever its ON CONFLICT clause, as on
-- SQLite, where INSERT OR REPLACE would otherwise overwrite the row.
CREATE FUNCTION fn_audit_logs_append_only_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM audit_logs AS existing WHERE existing.id = NEW.id) THEN
        RAISE EXCEPTION USING ERRCODE = '23505', CONSTRAINT = 'pk_audit_logs', TABLE = 'audit_logs',
            MESSAGE = 'datasdk:unique:audit_logs:pk_audit_logs';
    END IF;
    RETURN NEW;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_audit_logs_append_only_keys BEFORE INSERT ON audit_logs
    FOR EACH ROW EXECUTE FUNCTION fn_audit_logs_append_only_keys()
-- datasdk:statement-end
ALTER TABLE audit_logs ENABLE ALWAYS TRIGGER trg_audit_logs_append_only
-- datasdk:statement-end
ALTER TABLE audit_logs ENABLE ALWAYS TRIGGER trg_audit_logs_append_only_truncate
-- datasdk:statement-end
ALTER TABLE audit_logs ENABLE ALWAYS TRIGGER trg_audit_logs_append_only_keys
-- datasdk:statement-end
