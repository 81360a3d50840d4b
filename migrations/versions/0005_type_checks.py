"""Type checks: SQLite and libSQL refuse what PostgreSQL's column types refuse.

One CHECK per typed column, `ty_<table>_<column>`, accepting exactly the stored form
the SDK writes (integers, with int4's range where PostgreSQL has it; 0/1 booleans;
lowercase hyphenated UUIDs; fixed-width UTC timestamps; IP addresses; JSON text). They
replace the JSON-validity checks (`ck_<table>_<column>_json`) and the boolean check
(`ck_domains_is_active_bool`). Existing rows are scanned first: if any would break a
new check the upgrade is refused, naming them, and nothing changes.

PostgreSQL's column types already refuse these values: nothing to do there.

Frozen: every expression and table is stated here, never read from the live schema.
It converges: a check already in place is not added again, and a replaced one that is
gone is not dropped (databases whose tables were created with the type checks).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from datasdk.migrate import refuse_violations, replace_checks

revision = "0005_type_checks"
down_revision = "0004_indexes"
branch_labels = None
depends_on = None

# The CHECK expression per logical type on SQLite/libSQL; {c} is the column.
SQLITE_TYPE_SQL = {
    "int4": ("{c} IS NULL OR (typeof({c}) = 'integer' AND {c} BETWEEN -2147483648 AND 2147483647)"),
    "int8": ("{c} IS NULL OR (typeof({c}) = 'integer')"),
    "boolean": ("{c} IS NULL OR (typeof({c}) = 'integer' AND {c} IN (0, 1))"),
    "uuid": (
        "{c} IS NULL OR (typeof({c}) = 'text' AND {c} GLOB "
        "'[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]')"
    ),
    "timestamp": (
        "{c} IS NULL OR (typeof({c}) = 'text' AND {c} GLOB "
        "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'"
        " AND substr({c}, 1, 4) <> '0000' AND substr({c}, 12, 2) < '24' AND "
        "strftime('%Y-%m-%dT%H:%M:%S', substr({c}, 1, 19), '+0 seconds') IS "
        "substr({c}, 1, 19))"
    ),
    "inet": (
        "{c} IS NULL OR (typeof({c}) = 'text' AND CASE WHEN instr({c}, ':') = 0 THEN "
        "({c} NOT GLOB '*[^0-9.]*' AND CASE WHEN json_valid('[' || replace({c}, '.', "
        "',') || ']') THEN json_array_length('[' || replace({c}, '.', ',') || ']') = "
        "4 AND max(json_extract('[' || replace({c}, '.', ',') || ']', '$[0]'), "
        "json_extract('[' || replace({c}, '.', ',') || ']', '$[1]'), json_extract('['"
        " || replace({c}, '.', ',') || ']', '$[2]'), json_extract('[' || replace({c},"
        " '.', ',') || ']', '$[3]')) <= 255 ELSE 0 END) ELSE ({c} NOT GLOB "
        "'*[^0-9a-f:.]*' AND length({c}) BETWEEN 2 AND 45 AND {c} NOT GLOB "
        "'*[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]*' AND instr(substr({c}, "
        "instr({c}, '::') + 1), '::') = 0 AND {c} NOT GLOB ':[^:]*' AND {c} NOT GLOB "
        "'*[^:]:' AND CASE WHEN instr({c}, '::') = 0 THEN ((length({c}) - "
        "length(replace({c}, ':', ''))) + (instr({c}, '.') > 0)) = 7 ELSE "
        "((length({c}) - length(replace({c}, ':', ''))) + (instr({c}, '.') > 0)) <= 7"
        " OR (((length({c}) - length(replace({c}, ':', ''))) + (instr({c}, '.') > 0))"
        " = 8 AND ({c} GLOB '::*' OR {c} GLOB '*::')) END AND CASE WHEN instr({c}, "
        "'.') = 0 THEN 1 ELSE rtrim({c}, '0123456789.') GLOB '*:' AND "
        "instr(rtrim({c}, '0123456789.'), '.') = 0 AND (substr({c}, length(rtrim({c},"
        " '0123456789.')) + 1) NOT GLOB '*[^0-9.]*' AND CASE WHEN json_valid('[' || "
        "replace(substr({c}, length(rtrim({c}, '0123456789.')) + 1), '.', ',') || "
        "']') THEN json_array_length('[' || replace(substr({c}, length(rtrim({c}, "
        "'0123456789.')) + 1), '.', ',') || ']') = 4 AND max(json_extract('[' || "
        "replace(substr({c}, length(rtrim({c}, '0123456789.')) + 1), '.', ',') || "
        "']', '$[0]'), json_extract('[' || replace(substr({c}, length(rtrim({c}, "
        "'0123456789.')) + 1), '.', ',') || ']', '$[1]'), json_extract('[' || "
        "replace(substr({c}, length(rtrim({c}, '0123456789.')) + 1), '.', ',') || "
        "']', '$[2]'), json_extract('[' || replace(substr({c}, length(rtrim({c}, "
        "'0123456789.')) + 1), '.', ',') || ']', '$[3]')) <= 255 ELSE 0 END) END) "
        "END)"
    ),
    "json": ("{c} IS NULL OR (json_valid({c}))"),
}

# Typed columns per table, in column order (the order the checks are declared in).
TYPED = {
    "users": (
        ("email_verified_at", "timestamp"),
        ("trial_ends_at", "timestamp"),
        ("subscription_ends_at", "timestamp"),
        ("notification_preferences", "json"),
        ("onboarding_progress", "json"),
        ("metadata", "json"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
    ),
    "wallets": (
        ("id", "uuid"),
        ("credit_balance", "int8"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
    ),
    "scan_jobs": (
        ("id", "uuid"),
        ("version", "int4"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
    ),
    "credit_transactions": (
        ("id", "uuid"),
        ("wallet_id", "uuid"),
        ("amount", "int8"),
        ("scan_job_id", "uuid"),
        ("created_at", "timestamp"),
    ),
    "scan_results": (
        ("id", "uuid"),
        ("job_id", "uuid"),
        ("risk_score", "int4"),
        ("categories", "json"),
        ("http_status", "int4"),
        ("http_headers", "json"),
        ("analysis_metadata", "json"),
        ("indicators", "json"),
        ("created_at", "timestamp"),
    ),
    "audit_logs": (
        ("id", "uuid"),
        ("scan_job_id", "uuid"),
        ("timestamp", "timestamp"),
        ("http_status", "int4"),
        ("http_headers", "json"),
        ("risk_assessment_summary", "json"),
    ),
    "domains": (
        ("id", "uuid"),
        ("last_scan_at", "timestamp"),
        ("last_scan_score", "int4"),
        ("is_active", "boolean"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
    ),
    "scans": (
        ("id", "uuid"),
        ("domain_id", "uuid"),
        ("total_score", "int4"),
        ("weights_used", "json"),
        ("started_at", "timestamp"),
        ("completed_at", "timestamp"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
    ),
    "scan_modules": (
        ("id", "uuid"),
        ("scan_id", "uuid"),
        ("score", "int4"),
        ("raw", "json"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
    ),
    "reports": (
        ("id", "uuid"),
        ("scan_id", "uuid"),
        ("file_size", "int8"),
        ("generated_at", "timestamp"),
        ("created_at", "timestamp"),
    ),
    "error_logs": (
        ("id", "uuid"),
        ("context", "json"),
        ("ip", "inet"),
        ("created_at", "timestamp"),
    ),
}

# The checks the type checks replace, and their expressions (for the downgrade).
REPLACED = {
    "users": (
        "ck_users_notification_preferences_json",
        "ck_users_onboarding_progress_json",
        "ck_users_metadata_json",
    ),
    "scan_results": (
        "ck_scan_results_categories_json",
        "ck_scan_results_http_headers_json",
        "ck_scan_results_analysis_metadata_json",
        "ck_scan_results_indicators_json",
    ),
    "audit_logs": ("ck_audit_logs_http_headers_json", "ck_audit_logs_risk_assessment_summary_json"),
    "scans": ("ck_scans_weights_used_json",),
    "scan_modules": ("ck_scan_modules_raw_json",),
    "error_logs": ("ck_error_logs_context_json",),
    "domains": ("ck_domains_is_active_bool",),
}
JSON_VALID_SQL = "{c} IS NULL OR json_valid({c})"
BOOL_SQL = "is_active IN (0, 1)"

# SQLite runs BEFORE triggers before CHECKs: the rules' triggers that read a typed value
# stand aside for a wrong-typed one, so that its type check reports it (as PostgreSQL's
# column type does, before any trigger). The triggers as 0001 created them, and as now.
TRIGGERS_BEFORE = {
    "trg_scan_jobs_version_bump": (
        "CREATE TRIGGER trg_scan_jobs_version_bump BEFORE UPDATE OF id, url, state, "
        "version, created_at ON scan_jobs FOR EACH ROW WHEN NEW.version IS NOT "
        "OLD.version + 1 BEGIN SELECT RAISE(ABORT, 'datasdk:version_bump:scan_jobs'); END"
    ),
    "trg_credit_transactions_ledger_open": (
        "CREATE TRIGGER trg_credit_transactions_ledger_open BEFORE INSERT ON wallets FOR "
        "EACH ROW WHEN NEW.credit_balance <> (SELECT coalesce(sum(amount), 0) FROM "
        "credit_transactions WHERE wallet_id = NEW.id) BEGIN SELECT RAISE(ABORT, "
        "'datasdk:ledger:wallets'); END"
    ),
    "trg_credit_transactions_ledger_balance": (
        "CREATE TRIGGER trg_credit_transactions_ledger_balance BEFORE UPDATE OF "
        "credit_balance ON wallets FOR EACH ROW WHEN NEW.credit_balance IS NOT (SELECT "
        "coalesce(sum(amount), 0) FROM credit_transactions WHERE wallet_id = NEW.id) "
        "BEGIN SELECT RAISE(ABORT, 'datasdk:ledger:wallets'); END"
    ),
}
TRIGGERS_AFTER = {
    "trg_scan_jobs_version_bump": (
        "CREATE TRIGGER trg_scan_jobs_version_bump BEFORE UPDATE OF id, url, state, "
        "version, created_at ON scan_jobs FOR EACH ROW WHEN (NEW.version IS NULL OR "
        "(typeof(NEW.version) = 'integer' AND NEW.version BETWEEN -2147483648 AND "
        "2147483647)) AND NEW.version IS NOT OLD.version + 1 BEGIN SELECT RAISE(ABORT, "
        "'datasdk:version_bump:scan_jobs'); END"
    ),
    "trg_credit_transactions_ledger_open": (
        "CREATE TRIGGER trg_credit_transactions_ledger_open BEFORE INSERT ON wallets FOR "
        "EACH ROW WHEN (NEW.credit_balance IS NULL OR (typeof(NEW.credit_balance) = "
        "'integer')) AND NEW.credit_balance <> (SELECT coalesce(sum(amount), 0) FROM "
        "credit_transactions WHERE wallet_id = NEW.id) BEGIN SELECT RAISE(ABORT, "
        "'datasdk:ledger:wallets'); END"
    ),
    "trg_credit_transactions_ledger_balance": (
        "CREATE TRIGGER trg_credit_transactions_ledger_balance BEFORE UPDATE OF "
        "credit_balance ON wallets FOR EACH ROW WHEN (NEW.credit_balance IS NULL OR "
        "(typeof(NEW.credit_balance) = 'integer')) AND NEW.credit_balance IS NOT (SELECT "
        "coalesce(sum(amount), 0) FROM credit_transactions WHERE wallet_id = NEW.id) "
        "BEGIN SELECT RAISE(ABORT, 'datasdk:ledger:wallets'); END"
    ),
}

# Only SQLite and libSQL (which compiles as SQLite) get the checks.
CHECKED_DIALECTS = ("sqlite",)


def _type_checks(table: str) -> list[tuple[str, str, str]]:
    return [
        (f"ty_{table}_{column}", column, SQLITE_TYPE_SQL[kind].replace("{c}", column))
        for column, kind in TYPED[table]
    ]


def _replaced_checks(table: str) -> list[tuple[str, str]]:
    out = []
    for name in REPLACED.get(table, ()):
        if name == "ck_domains_is_active_bool":
            out.append((name, BOOL_SQL))
        else:
            column = name[len(f"ck_{table}_") : -len("_json")]
            out.append((name, JSON_VALID_SQL.replace("{c}", column)))
    return out


def _checked() -> bool:
    return op.get_bind().dialect.name in CHECKED_DIALECTS


def _present(table: str) -> set[str]:
    return {str(ck["name"]) for ck in sa.inspect(op.get_bind()).get_check_constraints(table)}


def upgrade() -> None:
    if not _checked():
        return
    refuse_violations(revision, {table: _type_checks(table) for table in TYPED})
    changes = {}
    for table in TYPED:
        present = _present(table)
        drop = [name for name in REPLACED.get(table, ()) if name in present]
        add = [(name, sql) for name, _, sql in _type_checks(table) if name not in present]
        changes[table] = (drop, add)
    replace_checks(changes, TRIGGERS_AFTER)


def downgrade() -> None:
    if not _checked():
        return
    changes = {}
    for table in TYPED:
        present = _present(table)
        drop = [name for name, _, _ in _type_checks(table) if name in present]
        add = [(name, sql) for name, sql in _replaced_checks(table) if name not in present]
        changes[table] = (drop, add)
    replace_checks(changes, TRIGGERS_BEFORE)
