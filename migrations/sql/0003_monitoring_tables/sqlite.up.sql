CREATE TABLE domains (
	id VARCHAR(36) DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) NOT NULL, 
	user_id TEXT NOT NULL, 
	url TEXT NOT NULL, 
	display_name TEXT NOT NULL, 
	email_mode TEXT DEFAULT 'expected' NOT NULL, 
	dkim_selector TEXT, 
	last_scan_at TEXT, 
	last_scan_score INTEGER, 
	is_active BOOLEAN DEFAULT true NOT NULL, 
	created_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	updated_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	CONSTRAINT pk_domains PRIMARY KEY (id), 
	CONSTRAINT ck_domains_is_active_bool CHECK (is_active IN (0, 1)), 
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
	id VARCHAR(36) DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) NOT NULL, 
	domain_id VARCHAR(36) NOT NULL, 
	user_id TEXT NOT NULL, 
	status TEXT DEFAULT 'pending' NOT NULL, 
	total_score INTEGER, 
	grade TEXT, 
	scoring_version TEXT, 
	weights_used JSON, 
	started_at TEXT, 
	completed_at TEXT, 
	error_message TEXT, 
	created_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	updated_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	CONSTRAINT pk_scans PRIMARY KEY (id), 
	CONSTRAINT fk_scans_domain_id_user_id_domains FOREIGN KEY(domain_id, user_id) REFERENCES domains (id, user_id) ON DELETE CASCADE ON UPDATE CASCADE, 
	CONSTRAINT fk_scans_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	CONSTRAINT ck_scans_status CHECK (status IN ('pending', 'running', 'completed', 'failed')), 
	CONSTRAINT ck_scans_total_score CHECK (total_score BETWEEN 0 AND 100), 
	CONSTRAINT ck_scans_weights_used_json CHECK (weights_used IS NULL OR json_valid(weights_used)), 
	CONSTRAINT ck_scans_grade_length CHECK (length(grade) <= 3), 
	CONSTRAINT ck_scans_scoring_version_length CHECK (length(scoring_version) <= 10)
)
-- datasdk:statement-end
CREATE TABLE scan_modules (
	id VARCHAR(36) DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) NOT NULL, 
	scan_id VARCHAR(36) NOT NULL, 
	module TEXT NOT NULL, 
	score INTEGER, 
	status TEXT NOT NULL, 
	confidence TEXT DEFAULT 'high' NOT NULL, 
	platform TEXT, 
	raw JSON DEFAULT '{}' NOT NULL, 
	created_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	updated_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	CONSTRAINT pk_scan_modules PRIMARY KEY (id), 
	CONSTRAINT fk_scan_modules_scan_id_scans FOREIGN KEY(scan_id) REFERENCES scans (id) ON DELETE CASCADE, 
	CONSTRAINT uq_scan_modules_scan_id_module UNIQUE (scan_id, module), 
	CONSTRAINT ck_scan_modules_module CHECK (module IN ('ssl_tls', 'security_headers', 'dns_email')), 
	CONSTRAINT ck_scan_modules_status CHECK (status IN ('ok', 'warn', 'fail', 'error')), 
	CONSTRAINT ck_scan_modules_confidence CHECK (confidence IN ('high', 'medium', 'low')), 
	CONSTRAINT ck_scan_modules_score CHECK (score BETWEEN 0 AND 100), 
	CONSTRAINT ck_scan_modules_raw_json CHECK (raw IS NULL OR json_valid(raw)), 
	CONSTRAINT ck_scan_modules_platform_length CHECK (length(platform) <= 50)
)
-- datasdk:statement-end
CREATE TABLE reports (
	id VARCHAR(36) DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) NOT NULL, 
	scan_id VARCHAR(36) NOT NULL, 
	user_id TEXT NOT NULL, 
	filename TEXT NOT NULL, 
	s3_path TEXT NOT NULL, 
	file_size BIGINT, 
	generated_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	created_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	CONSTRAINT pk_reports PRIMARY KEY (id), 
	CONSTRAINT fk_reports_scan_id_scans FOREIGN KEY(scan_id) REFERENCES scans (id) ON DELETE CASCADE, 
	CONSTRAINT fk_reports_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	CONSTRAINT ck_reports_file_size_nonneg CHECK (file_size >= 0), 
	CONSTRAINT ck_reports_filename_length CHECK (length(filename) <= 255), 
	CONSTRAINT ck_reports_s3_path_length CHECK (length(s3_path) <= 500)
)
-- datasdk:statement-end
CREATE TABLE error_logs (
	id VARCHAR(36) DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) NOT NULL, 
	type TEXT NOT NULL, 
	severity TEXT NOT NULL, 
	message TEXT NOT NULL, 
	context JSON, 
	user_id TEXT, 
	url TEXT, 
	ip TEXT, 
	user_agent TEXT, 
	created_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')) NOT NULL, 
	CONSTRAINT pk_error_logs PRIMARY KEY (id), 
	CONSTRAINT fk_error_logs_user_id_users FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE SET NULL, 
	CONSTRAINT ck_error_logs_type CHECK (type IN ('scanner_error', 'client_error', 'application_error')), 
	CONSTRAINT ck_error_logs_severity CHECK (severity IN ('debug', 'info', 'warning', 'error', 'critical')), 
	CONSTRAINT ck_error_logs_context_json CHECK (context IS NULL OR json_valid(context))
)
-- datasdk:statement-end
CREATE TRIGGER trg_fk_domains_user_id_users_insert AFTER INSERT ON domains FOR EACH ROW WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.id = NEW.user_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:domains:fk_domains_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_domains_user_id_users_update AFTER UPDATE OF user_id ON domains FOR EACH ROW WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.id = NEW.user_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:domains:fk_domains_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_domains_user_id_users_rekey AFTER UPDATE OF id ON users FOR EACH ROW WHEN (NEW.id IS NOT OLD.id) AND EXISTS (SELECT 1 FROM domains AS c WHERE c.user_id = OLD.id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:domains:fk_domains_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_domains_touch AFTER UPDATE ON domains FOR EACH ROW WHEN NEW.updated_at IS NOT strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') BEGIN UPDATE domains SET updated_at = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') WHERE rowid = NEW.rowid; END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_scans_domain_id_user_id_domains_insert AFTER INSERT ON scans FOR EACH ROW WHEN NEW.domain_id IS NOT NULL AND NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM domains AS p WHERE p.id = NEW.domain_id AND p.user_id = NEW.user_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:scans:fk_scans_domain_id_user_id_domains'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_scans_domain_id_user_id_domains_update AFTER UPDATE OF domain_id, user_id ON scans FOR EACH ROW WHEN NEW.domain_id IS NOT NULL AND NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM domains AS p WHERE p.id = NEW.domain_id AND p.user_id = NEW.user_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:scans:fk_scans_domain_id_user_id_domains'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_scans_user_id_users_insert AFTER INSERT ON scans FOR EACH ROW WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.id = NEW.user_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:scans:fk_scans_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_scans_user_id_users_update AFTER UPDATE OF user_id ON scans FOR EACH ROW WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.id = NEW.user_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:scans:fk_scans_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_scans_user_id_users_rekey AFTER UPDATE OF id ON users FOR EACH ROW WHEN (NEW.id IS NOT OLD.id) AND EXISTS (SELECT 1 FROM scans AS c WHERE c.user_id = OLD.id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:scans:fk_scans_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_scans_touch AFTER UPDATE ON scans FOR EACH ROW WHEN NEW.updated_at IS NOT strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') BEGIN UPDATE scans SET updated_at = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') WHERE rowid = NEW.rowid; END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_scan_modules_scan_id_scans_insert AFTER INSERT ON scan_modules FOR EACH ROW WHEN NEW.scan_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scans AS p WHERE p.id = NEW.scan_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:scan_modules:fk_scan_modules_scan_id_scans'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_scan_modules_scan_id_scans_update AFTER UPDATE OF scan_id ON scan_modules FOR EACH ROW WHEN NEW.scan_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scans AS p WHERE p.id = NEW.scan_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:scan_modules:fk_scan_modules_scan_id_scans'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_scan_modules_scan_id_scans_rekey AFTER UPDATE OF id ON scans FOR EACH ROW WHEN (NEW.id IS NOT OLD.id) AND EXISTS (SELECT 1 FROM scan_modules AS c WHERE c.scan_id = OLD.id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:scan_modules:fk_scan_modules_scan_id_scans'); END
-- datasdk:statement-end
CREATE TRIGGER trg_scan_modules_touch AFTER UPDATE ON scan_modules FOR EACH ROW WHEN NEW.updated_at IS NOT strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') BEGIN UPDATE scan_modules SET updated_at = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') WHERE rowid = NEW.rowid; END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_reports_scan_id_scans_insert AFTER INSERT ON reports FOR EACH ROW WHEN NEW.scan_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scans AS p WHERE p.id = NEW.scan_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:reports:fk_reports_scan_id_scans'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_reports_scan_id_scans_update AFTER UPDATE OF scan_id ON reports FOR EACH ROW WHEN NEW.scan_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scans AS p WHERE p.id = NEW.scan_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:reports:fk_reports_scan_id_scans'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_reports_scan_id_scans_rekey AFTER UPDATE OF id ON scans FOR EACH ROW WHEN (NEW.id IS NOT OLD.id) AND EXISTS (SELECT 1 FROM reports AS c WHERE c.scan_id = OLD.id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:reports:fk_reports_scan_id_scans'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_reports_user_id_users_insert AFTER INSERT ON reports FOR EACH ROW WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.id = NEW.user_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:reports:fk_reports_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_reports_user_id_users_update AFTER UPDATE OF user_id ON reports FOR EACH ROW WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.id = NEW.user_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:reports:fk_reports_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_reports_user_id_users_rekey AFTER UPDATE OF id ON users FOR EACH ROW WHEN (NEW.id IS NOT OLD.id) AND EXISTS (SELECT 1 FROM reports AS c WHERE c.user_id = OLD.id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:reports:fk_reports_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_error_logs_user_id_users_insert AFTER INSERT ON error_logs FOR EACH ROW WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.id = NEW.user_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:error_logs:fk_error_logs_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_error_logs_user_id_users_update AFTER UPDATE OF user_id ON error_logs FOR EACH ROW WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users AS p WHERE p.id = NEW.user_id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:error_logs:fk_error_logs_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_fk_error_logs_user_id_users_rekey AFTER UPDATE OF id ON users FOR EACH ROW WHEN (NEW.id IS NOT OLD.id) AND EXISTS (SELECT 1 FROM error_logs AS c WHERE c.user_id = OLD.id) BEGIN SELECT RAISE(ABORT, 'datasdk:foreign_key:error_logs:fk_error_logs_user_id_users'); END
-- datasdk:statement-end
CREATE TRIGGER trg_scans_scan_status_machine_insert BEFORE INSERT ON scans FOR EACH ROW WHEN NEW.status IS NOT 'pending' BEGIN SELECT RAISE(ABORT, 'datasdk:scan_status_machine:scans'); END
-- datasdk:statement-end
CREATE TRIGGER trg_scans_scan_status_machine_update BEFORE UPDATE OF status ON scans FOR EACH ROW WHEN NEW.status IS NOT OLD.status AND (OLD.status, NEW.status) NOT IN (VALUES ('pending', 'failed'), ('pending', 'running'), ('running', 'completed'), ('running', 'failed')) BEGIN SELECT RAISE(ABORT, 'datasdk:scan_status_machine:scans'); END
-- datasdk:statement-end
CREATE TRIGGER trg_domains_domain_limit_insert BEFORE INSERT ON domains FOR EACH ROW WHEN (SELECT count(*) FROM domains WHERE user_id = NEW.user_id) >= 10 BEGIN SELECT RAISE(ABORT, 'datasdk:domain_limit:domains'); END
-- datasdk:statement-end
CREATE TRIGGER trg_domains_domain_limit_update BEFORE UPDATE OF user_id ON domains FOR EACH ROW WHEN NEW.user_id IS NOT OLD.user_id AND (SELECT count(*) FROM domains WHERE user_id = NEW.user_id) >= 10 BEGIN SELECT RAISE(ABORT, 'datasdk:domain_limit:domains'); END
-- datasdk:statement-end
