CREATE TABLE audit_logs (
	id VARCHAR(36) DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) NOT NULL, 
	scan_job_id VARCHAR(36) NOT NULL, 
	url_accessed TEXT NOT NULL, 
	timestamp TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	content_hash TEXT NOT NULL, 
	http_status INTEGER, 
	http_headers JSON DEFAULT '{}' NOT NULL, 
	content_type TEXT, 
	risk_assessment_summary JSON, 
	CONSTRAINT pk_audit_logs PRIMARY KEY (id), 
	CONSTRAINT fk_audit_logs_scan_job_id_scan_jobs FOREIGN KEY(scan_job_id) REFERENCES scan_jobs (id) ON DELETE RESTRICT, 
	CONSTRAINT ck_audit_logs_http_status CHECK (http_status BETWEEN 100 AND 599), 
	CONSTRAINT ck_audit_logs_content_hash_sha256 CHECK (length(content_hash) = 64 AND content_hash NOT GLOB '*[^0-9a-f]*'), 
	CONSTRAINT ck_audit_logs_http_headers_json CHECK (http_headers IS NULL OR json_valid(http_headers)), 
	CONSTRAINT ck_audit_logs_http_headers_object CHECK (CASE WHEN json_valid(http_headers) THEN json_type(http_headers) = 'object' END), 
	CONSTRAINT ck_audit_logs_risk_assessment_summary_json CHECK (risk_assessment_summary IS NULL OR json_valid(risk_assessment_summary)), 
	CONSTRAINT ck_audit_logs_risk_assessment_summary_object CHECK (CASE WHEN json_valid(risk_assessment_summary) THEN json_type(risk_assessment_summary) = 'object' END), 
	CONSTRAINT ck_audit_logs_content_type_length CHECK (length(content_type) <= 255)
)
-- datasdk:statement-end
CREATE TRIGGER trg_fk_audit_logs_scan_job_id_scan_jobs_insert AFTER INSERT ON audit_logs FOR EACH ROW WHEN NEW.scan_job_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scan_jobs AS p WHERE p.id = NEW.scan_job_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:audit_logs:fk_audit_logs_scan_job_id_scan_jobs'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_audit_logs_scan_job_id_scan_jobs_update AFTER UPDATE OF scan_job_id ON audit_logs FOR EACH ROW WHEN NEW.scan_job_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scan_jobs AS p WHERE p.id = NEW.scan_job_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:audit_logs:fk_audit_logs_scan_job_id_scan_jobs'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_audit_logs_scan_job_id_scan_jobs_restrict BEFORE DELETE ON scan_jobs FOR EACH ROW WHEN EXISTS (SELECT 1 FROM audit_logs AS c WHERE c.scan_job_id = OLD.id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:audit_logs:fk_audit_logs_scan_job_id_scan_jobs'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_audit_logs_scan_job_id_scan_jobs_rekey AFTER UPDATE OF id ON scan_jobs FOR EACH ROW WHEN (NEW.id IS NOT OLD.id) AND EXISTS (SELECT 1 FROM audit_logs AS c WHERE c.scan_job_id = OLD.id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:audit_logs:fk_audit_logs_scan_job_id_scan_jobs'); END
-- datasdk:statement-end
CREATE TRIGGER trg_audit_logs_append_only_update BEFORE UPDATE ON audit_logs FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'datasdk:append_only:audit_logs'); END
-- datasdk:statement-end
CREATE TRIGGER trg_audit_logs_append_only_delete BEFORE DELETE ON audit_logs FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'datasdk:append_only:audit_logs'); END
-- datasdk:statement-end
CREATE TRIGGER trg_audit_logs_append_only_keys BEFORE INSERT ON audit_logs FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'datasdk:unique:audit_logs:pk_audit_logs') WHERE EXISTS (SELECT 1 FROM audit_logs AS existing WHERE existing.id = NEW.id); END
-- datasdk:statement-end
