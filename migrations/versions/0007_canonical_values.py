"""One canonical form per type: the database refuses what it cannot store alike.

SQLite and libSQL: every text column gets a type check, `ty_<table>_<column>`, that
refuses NUL characters (PostgreSQL's text refuses them) and non-text values, and the
JSON type checks also refuse the escapes PostgreSQL's jsonb refuses: `\\u0000`, and a
surrogate escape (`\\ud800`) that is not half of a pair.
PostgreSQL: every timestamp column gets a type check holding it to the range every
backend stores (0001-01-01 to 9999-12-31 UTC, and the infinities asyncpg writes for the
range's two ends), and `error_logs.ip` one that refuses a network prefix.

Existing rows are scanned first: if any would break a new check the upgrade is
refused, naming them, and nothing changes. The downgrade drops the new checks (and
puts 0005's JSON checks back on SQLite); no data changes either way.

Frozen: every expression and column is stated here, never read from the live schema.
"""

from __future__ import annotations

from alembic import op

from datasdk.migrate import refuse_violations, replace_checks

revision = "0007_canonical_values"
down_revision = "0006_flat_ledger"
branch_labels = None
depends_on = None

# The CHECK expression per logical type and SQL dialect; {c} is the column.
TYPE_SQL = {
    "sqlite": {
        "text": "{c} IS NULL OR (typeof({c}) = 'text' AND instr({c}, char(0)) = 0)",
        "json": (
            "{c} IS NULL OR (json_valid({c}) AND (instr({c}, '\\u') = 0 OR (instr(replace({c},"
            " '\\\\', ''), '\\u0000') = 0 AND NOT (replace(replace(replace(replace(replace(repla"
            "ce(replace(replace(lower(replace({c}, '\\\\', '')), '\\ud8', char(1)), '\\ud9', char"
            "(1)), '\\uda', char(1)), '\\udb', char(1)), '\\udc', char(2)), '\\udd', char(2)), '\\"
            "ude', char(2)), '\\udf', char(2)) GLOB ('*' || char(1) || '??[^' || char(2) || ']"
            "*') OR ('   ' || replace(replace(replace(replace(replace(replace(replace(replace"
            "(lower(replace({c}, '\\\\', '')), '\\ud8', char(1)), '\\ud9', char(1)), '\\uda', char"
            "(1)), '\\udb', char(1)), '\\udc', char(2)), '\\udd', char(2)), '\\ude', char(2)), '\\"
            "udf', char(2))) GLOB ('*[^' || char(1) || ']??' || char(2) || '*')))))"
        ),
    },
    "postgresql": {
        "timestamp": (
            "{c} IS NULL OR (NOT isfinite({c}) OR {c} BETWEEN '0001-01-01 00:00:00+00' AND "
            "'9999-12-31 23:59:59.999999+00')"
        ),
        "inet": "{c} IS NULL OR (masklen({c}) = CASE WHEN family({c}) = 4 THEN 32 ELSE 128 END)",
    },
}
# 0005's JSON check, which the new one replaces (SQLite, libSQL).
OLD_JSON_SQL = "{c} IS NULL OR (json_valid({c}))"

# The columns checked anew, per dialect and table, in column order.
TYPED = {
    "sqlite": {
        "users": (
            ("id", "text"),
            ("email", "text"),
            ("name", "text"),
            ("password_hash", "text"),
            ("provider", "text"),
            ("provider_id", "text"),
            ("stripe_customer_id", "text"),
            ("stripe_subscription_id", "text"),
            ("stripe_price_id", "text"),
            ("subscription_status", "text"),
            ("notification_preferences", "json"),
            ("unsubscribe_token", "text"),
            ("onboarding_progress", "json"),
            ("metadata", "json"),
        ),
        "wallets": (("user_id", "text"),),
        "scan_jobs": (
            ("user_id", "text"),
            ("url", "text"),
            ("state", "text"),
        ),
        "credit_transactions": (
            ("kind", "text"),
            ("idempotency_key", "text"),
        ),
        "scan_results": (
            ("categories", "json"),
            ("content_hash", "text"),
            ("http_headers", "json"),
            ("content_type", "text"),
            ("model_used", "text"),
            ("analysis_metadata", "json"),
            ("reasoning", "text"),
            ("indicators", "json"),
        ),
        "audit_logs": (
            ("url_accessed", "text"),
            ("content_hash", "text"),
            ("http_headers", "json"),
            ("content_type", "text"),
            ("risk_assessment_summary", "json"),
        ),
        "domains": (
            ("user_id", "text"),
            ("url", "text"),
            ("display_name", "text"),
            ("email_mode", "text"),
            ("dkim_selector", "text"),
        ),
        "scans": (
            ("user_id", "text"),
            ("status", "text"),
            ("grade", "text"),
            ("scoring_version", "text"),
            ("weights_used", "json"),
            ("error_message", "text"),
        ),
        "scan_modules": (
            ("module", "text"),
            ("status", "text"),
            ("confidence", "text"),
            ("platform", "text"),
            ("raw", "json"),
        ),
        "reports": (
            ("user_id", "text"),
            ("filename", "text"),
            ("s3_path", "text"),
        ),
        "error_logs": (
            ("type", "text"),
            ("severity", "text"),
            ("message", "text"),
            ("context", "json"),
            ("user_id", "text"),
            ("url", "text"),
            ("user_agent", "text"),
        ),
    },
    "postgresql": {
        "users": (
            ("email_verified_at", "timestamp"),
            ("trial_ends_at", "timestamp"),
            ("subscription_ends_at", "timestamp"),
            ("created_at", "timestamp"),
            ("updated_at", "timestamp"),
        ),
        "wallets": (
            ("created_at", "timestamp"),
            ("updated_at", "timestamp"),
        ),
        "scan_jobs": (
            ("created_at", "timestamp"),
            ("updated_at", "timestamp"),
        ),
        "credit_transactions": (("created_at", "timestamp"),),
        "scan_results": (("created_at", "timestamp"),),
        "audit_logs": (("timestamp", "timestamp"),),
        "domains": (
            ("last_scan_at", "timestamp"),
            ("created_at", "timestamp"),
            ("updated_at", "timestamp"),
        ),
        "scans": (
            ("started_at", "timestamp"),
            ("completed_at", "timestamp"),
            ("created_at", "timestamp"),
            ("updated_at", "timestamp"),
        ),
        "scan_modules": (
            ("created_at", "timestamp"),
            ("updated_at", "timestamp"),
        ),
        "reports": (
            ("generated_at", "timestamp"),
            ("created_at", "timestamp"),
        ),
        "error_logs": (
            ("ip", "inet"),
            ("created_at", "timestamp"),
        ),
    },
}


def _dialect() -> str:
    return op.get_bind().dialect.name


def _checks(dialect: str, table: str) -> list[tuple[str, str, str]]:
    return [
        (f"ty_{table}_{column}", column, TYPE_SQL[dialect][kind].replace("{c}", column))
        for column, kind in TYPED[dialect][table]
    ]


def _replaced(dialect: str, table: str) -> list[str]:
    """The checks of 0005 this revision gives new SQL (SQLite's JSON checks)."""
    return [f"ty_{table}_{column}" for column, kind in TYPED[dialect][table] if kind == "json"]


def upgrade() -> None:
    dialect = _dialect()
    typed = TYPED[dialect]
    refuse_violations(revision, {table: _checks(dialect, table) for table in typed})
    replace_checks(
        {
            table: (
                _replaced(dialect, table),
                [(name, sql) for name, _, sql in _checks(dialect, table)],
            )
            for table in typed
        }
    )


def downgrade() -> None:
    dialect = _dialect()
    typed = TYPED[dialect]
    changes = {}
    for table in typed:
        drop = [name for name, _, _ in _checks(dialect, table)]
        old = [
            (f"ty_{table}_{column}", OLD_JSON_SQL.replace("{c}", column))
            for column, kind in typed[table]
            if kind == "json"
        ]
        changes[table] = (drop, old)
    replace_checks(changes)
