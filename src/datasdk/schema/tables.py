"""Every table of SCHEMA.md, declared once for all backends."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy import Boolean as _Boolean
from sqlalchemy.sql.elements import conv

from datasdk.schema.enums import (
    Confidence,
    CreditKind,
    EmailMode,
    ErrorType,
    JobState,
    ModuleStatus,
    ScanModuleName,
    ScanStatus,
    Severity,
    SubscriptionStatus,
)
from datasdk.schema.types import (
    POSTGRESQL_CHECKED_KINDS,
    CheckedString,
    CheckedText,
    InetType,
    JSONType,
    UTCDateTime,
    UUIDType,
    is_ascii_lowercase,
    is_sha256_hex,
    json_literal,
    json_type_is,
    new_uuid,
    type_kind,
    utc_now,
    value_is,
)

NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _id() -> Column[object]:
    return Column("id", UUIDType(), primary_key=True, server_default=new_uuid())


def _created_at(name: str = "created_at") -> Column[object]:
    return Column(name, UTCDateTime(), nullable=False, server_default=utc_now())


def _updated_at() -> Column[object]:
    return Column("updated_at", UTCDateTime(), nullable=False, server_default=utc_now())


def _one_of(column: str, values: type[StrEnum], name: str | None = None) -> CheckConstraint:
    listed = ", ".join(f"'{member.value}'" for member in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name or column)


def _between(column: str, low: int, high: int) -> CheckConstraint:
    return CheckConstraint(f"{column} BETWEEN {low} AND {high}", name=column)


def _json(name: str, *, nullable: bool = True, default: object = None) -> Column[object]:
    server_default = None if default is None else text(json_literal(default))
    return Column(name, JSONType(), nullable=nullable, server_default=server_default)


def _json_checks(table: str, shapes: dict[str, str | None]) -> list[CheckConstraint]:
    """The top-level JSON type, where given (every backend). Validity is the column's
    type check (`_type_checks`)."""
    return [
        CheckConstraint(json_type_is(column, shape), name=f"{column}_{shape}")
        for column, shape in shapes.items()
        if shape is not None
    ]


def _bool(name: str, default: bool) -> Column[object]:
    return Column(
        name,
        _Boolean(create_constraint=False),
        nullable=False,
        server_default=text("true" if default else "false"),
    )


def _https_only(column: str) -> CheckConstraint:
    # substr, not LIKE: LIKE is case-insensitive on SQLite and case-sensitive on PostgreSQL.
    return CheckConstraint(f"substr({column}, 1, 8) = 'https://'", name=f"{column}_https")


users = Table(
    "users",
    metadata,
    # The identity provider's user id (e.g. Clerk's user_...), or a UUID string.
    Column("id", String(255), primary_key=True),
    Column("email", String(255), unique=True),
    Column("name", String(255)),
    Column("password_hash", String(255)),
    Column("email_verified_at", UTCDateTime()),
    Column("provider", String(20)),
    Column("provider_id", String(255)),
    Column("trial_ends_at", UTCDateTime(), nullable=False, server_default=utc_now(days=14)),
    Column("stripe_customer_id", String(255)),
    Column("stripe_subscription_id", String(255)),
    Column("stripe_price_id", String(255)),
    Column(
        "subscription_status",
        String(50),
        nullable=False,
        server_default=SubscriptionStatus.TRIALING.value,
    ),
    Column("subscription_ends_at", UTCDateTime()),
    _json("notification_preferences", nullable=False, default={}),
    Column("unsubscribe_token", String(255), unique=True),
    _json("onboarding_progress", nullable=False, default={}),
    _json("metadata"),
    _created_at(),
    _updated_at(),
    CheckConstraint(is_ascii_lowercase("email"), name="email_lower"),
    CheckConstraint("length(id) > 0", name="id_not_empty"),
    CheckConstraint("(provider IS NULL) = (provider_id IS NULL)", name="provider_pair"),
    _one_of("subscription_status", SubscriptionStatus),
    *_json_checks(
        "users",
        {"notification_preferences": "object", "onboarding_progress": "object", "metadata": None},
    ),
)

wallets = Table(
    "wallets",
    metadata,
    _id(),
    Column("user_id", String(255), nullable=False, unique=True),
    Column("credit_balance", BigInteger(), nullable=False, server_default=text("0")),
    _created_at(),
    _updated_at(),
    # The ledger row last applied to the balance (the ledger rule keeps it): no foreign
    # key, as ledger rows go only with their wallet.
    Column("last_transaction_id", UUIDType()),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    CheckConstraint("credit_balance >= 0", name="credit_balance_nonneg"),
)

scan_jobs = Table(
    "scan_jobs",
    metadata,
    _id(),
    # SET NULL: deleting an account keeps its jobs, results and audit trail.
    Column("user_id", String(255)),
    Column("url", Text(), nullable=False),
    Column("state", String(16), nullable=False, server_default=JobState.QUEUED.value),
    Column("version", Integer(), nullable=False, server_default=text("1")),
    _created_at(),
    _updated_at(),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
    CheckConstraint(
        "substr(url, 1, 7) = 'http://' OR substr(url, 1, 8) = 'https://'", name="url_scheme"
    ),
    CheckConstraint("length(url) <= 2048", name="url_length"),
    CheckConstraint("version >= 1", name="version_positive"),
    _one_of("state", JobState),
)

credit_transactions = Table(
    "credit_transactions",
    metadata,
    _id(),
    Column("wallet_id", UUIDType(), nullable=False),
    Column("amount", BigInteger(), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("scan_job_id", UUIDType()),
    _created_at(),
    ForeignKeyConstraint(["wallet_id"], ["wallets.id"], ondelete="CASCADE"),
    # RESTRICT: the ledger is append-only, so a SET NULL could never be applied.
    ForeignKeyConstraint(["scan_job_id"], ["scan_jobs.id"], ondelete="RESTRICT"),
    UniqueConstraint("wallet_id", "idempotency_key"),
    CheckConstraint("amount <> 0", name="amount_nonzero"),
    CheckConstraint("length(idempotency_key) > 0", name="idempotency_key_not_empty"),
    _one_of("kind", CreditKind),
)

scan_results = Table(
    "scan_results",
    metadata,
    _id(),
    Column("job_id", UUIDType(), nullable=False, unique=True),
    Column("risk_score", Integer(), nullable=False),
    _json("categories", nullable=False, default=[]),
    Column("content_hash", String(64), nullable=False),
    Column("http_status", Integer()),
    _json("http_headers", nullable=False, default={}),
    Column("content_type", String(255)),
    Column("model_used", String(255)),
    _json("analysis_metadata"),
    Column("reasoning", Text()),
    _json("indicators", nullable=False, default=[]),
    _created_at(),
    ForeignKeyConstraint(["job_id"], ["scan_jobs.id"], ondelete="CASCADE"),
    _between("risk_score", 0, 100),
    _between("http_status", 100, 599),
    CheckConstraint(is_sha256_hex("content_hash"), name="content_hash_sha256"),
    *_json_checks(
        "scan_results",
        {
            "categories": "array",
            "indicators": "array",
            "http_headers": "object",
            "analysis_metadata": None,
        },
    ),
)

# Append-only, and never a column that could hold page content (see migrations' guard).
audit_logs = Table(
    "audit_logs",
    metadata,
    _id(),
    Column("scan_job_id", UUIDType(), nullable=False),
    Column("url_accessed", Text(), nullable=False),
    _created_at("timestamp"),
    Column("content_hash", String(64), nullable=False),
    Column("http_status", Integer()),
    _json("http_headers", nullable=False, default={}),
    Column("content_type", String(255)),
    _json("risk_assessment_summary"),
    ForeignKeyConstraint(["scan_job_id"], ["scan_jobs.id"], ondelete="RESTRICT"),
    _between("http_status", 100, 599),
    CheckConstraint(is_sha256_hex("content_hash"), name="content_hash_sha256"),
    *_json_checks("audit_logs", {"http_headers": "object", "risk_assessment_summary": "object"}),
)


domains = Table(
    "domains",
    metadata,
    _id(),
    Column("user_id", String(255), nullable=False),
    Column("url", String(255), nullable=False),
    Column("display_name", String(255), nullable=False),
    Column("email_mode", String(10), nullable=False, server_default=EmailMode.EXPECTED.value),
    Column("dkim_selector", String(50)),
    Column("last_scan_at", UTCDateTime()),
    Column("last_scan_score", Integer()),
    _bool("is_active", default=True),
    _created_at(),
    _updated_at(),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    UniqueConstraint("user_id", "url"),
    # The target of scans' (domain_id, user_id) reference.
    UniqueConstraint("id", "user_id"),
    _https_only("url"),
    _one_of("email_mode", EmailMode),
    _between("last_scan_score", 0, 100),
)

scans = Table(
    "scans",
    metadata,
    _id(),
    Column("domain_id", UUIDType(), nullable=False),
    Column("user_id", String(255), nullable=False),
    Column("status", String(20), nullable=False, server_default=ScanStatus.PENDING.value),
    Column("total_score", Integer()),
    Column("grade", String(3)),
    Column("scoring_version", String(10)),
    _json("weights_used"),
    Column("started_at", UTCDateTime()),
    Column("completed_at", UTCDateTime()),
    Column("error_message", Text()),
    _created_at(),
    _updated_at(),
    # A scan's user is always its domain's user.
    ForeignKeyConstraint(
        ["domain_id", "user_id"],
        ["domains.id", "domains.user_id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    ),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    _one_of("status", ScanStatus),
    _between("total_score", 0, 100),
    *_json_checks("scans", {"weights_used": None}),
)

scan_modules = Table(
    "scan_modules",
    metadata,
    _id(),
    Column("scan_id", UUIDType(), nullable=False),
    Column("module", String(20), nullable=False),
    Column("score", Integer()),
    Column("status", String(10), nullable=False),
    Column("confidence", String(10), nullable=False, server_default=Confidence.HIGH.value),
    Column("platform", String(50)),
    _json("raw", nullable=False, default={}),
    _created_at(),
    _updated_at(),
    ForeignKeyConstraint(["scan_id"], ["scans.id"], ondelete="CASCADE"),
    UniqueConstraint("scan_id", "module"),
    _one_of("module", ScanModuleName),
    _one_of("status", ModuleStatus),
    _one_of("confidence", Confidence),
    _between("score", 0, 100),
    *_json_checks("scan_modules", {"raw": None}),
)

reports = Table(
    "reports",
    metadata,
    _id(),
    Column("scan_id", UUIDType(), nullable=False),
    Column("user_id", String(255), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("s3_path", String(500), nullable=False),
    Column("file_size", BigInteger()),
    Column("generated_at", UTCDateTime(), nullable=False, server_default=utc_now()),
    _created_at(),
    ForeignKeyConstraint(["scan_id"], ["scans.id"], ondelete="CASCADE"),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    CheckConstraint("file_size >= 0", name="file_size_nonneg"),
)

error_logs = Table(
    "error_logs",
    metadata,
    _id(),
    Column("type", String(50), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("message", Text(), nullable=False),
    _json("context"),
    Column("user_id", String(255)),
    Column("url", Text()),
    Column("ip", InetType()),
    Column("user_agent", Text()),
    _created_at(),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
    _one_of("type", ErrorType),
    _one_of("severity", Severity),
    *_json_checks("error_logs", {"context": None}),
)


def _bound_lengths(table: Table) -> None:
    """Make every VARCHAR(n) a TEXT with a named `length(col) <= n` CHECK.

    SQLite ignores VARCHAR lengths and PostgreSQL refuses an over-long value with a
    data error that names no constraint; a CHECK fails alike on both. Columns whose
    own CHECK already bounds them (closed vocabularies, hashes) are left to it, and
    so are references: the referenced key is bounded where it is declared.
    """
    closed = {str(c.name) for c in table.constraints if isinstance(c, CheckConstraint)}
    for column in table.columns:
        length = getattr(column.type, "length", None)
        if type(column.type) is not String or length is None:
            continue
        column.type = Text()
        bounded = f"ck_{table.name}_{column.name}" in closed or column.name == "content_hash"
        if bounded or column.foreign_keys:
            continue
        table.append_constraint(
            CheckConstraint(f"length({column.name}) <= {length}", name=f"{column.name}_length")
        )


def _type_checks(table: Table) -> None:
    """A `ty_<table>_<column>` CHECK for every column of a checked logical type.

    SQLite/libSQL, where any column stores anything; on PostgreSQL only for the kinds
    whose column types accept more than the one range or form (timestamps, inet). They come
    before the table's other CHECKs, which SQLite evaluates in order, so a value of the
    wrong type is reported as that, as PostgreSQL reports it, and not as, say, out of range.
    """
    checks = []
    for column in table.columns:
        kind = type_kind(column.type)
        if kind is None:
            continue
        check = CheckConstraint(
            value_is(column.name, kind),
            name=conv(f"ty_{table.name}_{column.name}"),
            info={"column": column.name, "kind": kind},
        )
        checks.append(check if kind in POSTGRESQL_CHECKED_KINDS else check.ddl_if(dialect="sqlite"))
    first = min(c._creation_order for c in table.constraints) - len(checks)
    for offset, check in enumerate(checks):
        # Rendered in declaration order, which is creation order.
        check._creation_order = first + offset
        table.append_constraint(check)


def _checked_text(table: Table) -> None:
    """Text columns refuse, before any SQL, what no backend stores alike (NUL, lone
    surrogates): in SDK writes and in the SDK's lookups by text alike."""
    for column in table.columns:
        if type(column.type) is String:
            column.type = CheckedString(column.type.length)
        elif type(column.type) is Text:
            column.type = CheckedText(column.type.length)


for _table in metadata.sorted_tables:
    _bound_lengths(_table)
    _checked_text(_table)
    _type_checks(_table)


def _partial(name: str, *columns: Any, where: str, unique: bool = False) -> Index:
    condition = text(where)
    return Index(name, *columns, unique=unique, sqlite_where=condition, postgresql_where=condition)


# The seeds' indexes (idx_users_email is left out: uq_users_email already is one),
# then the ones the SDK's own queries need. Created by revision 0004_indexes.
INDEXES: tuple[Index, ...] = (
    Index("idx_users_trial", users.c.trial_ends_at, users.c.subscription_status),
    # Also what makes (provider, provider_id) unique when set.
    _partial(
        "idx_users_provider",
        users.c.provider,
        users.c.provider_id,
        where="provider IS NOT NULL",
        unique=True,
    ),
    Index("idx_scan_jobs_user_id", scan_jobs.c.user_id),
    Index("idx_scan_jobs_state", scan_jobs.c.state),
    Index("idx_scan_jobs_created_at", scan_jobs.c.created_at),
    Index("idx_scan_jobs_user_created", scan_jobs.c.user_id, scan_jobs.c.created_at),
    # claim_next/claim_batch: the oldest QUEUED jobs, read in order with no sort. Not a
    # partial index (WHERE state = 'QUEUED'): a planner can match one only when the state
    # is a literal, never in a prepared statement's generic plan, and SQLite's planner
    # prefers idx_scan_jobs_state plus a sort over it.
    Index("idx_scan_jobs_claim", scan_jobs.c.state, scan_jobs.c.created_at, scan_jobs.c.id),
    Index("idx_audit_logs_scan_job_id", audit_logs.c.scan_job_id),
    Index("idx_audit_logs_timestamp", audit_logs.c.timestamp),
    Index("idx_audit_logs_url_accessed", audit_logs.c.url_accessed),
    Index("idx_audit_logs_job_time", audit_logs.c.scan_job_id, audit_logs.c.timestamp),
    Index(
        "idx_credit_transactions_wallet",
        credit_transactions.c.wallet_id,
        credit_transactions.c.created_at,
    ),
    _partial(
        "idx_credit_transactions_job",
        credit_transactions.c.scan_job_id,
        where="scan_job_id IS NOT NULL",
    ),
    Index("idx_domains_user", domains.c.user_id, domains.c.is_active),
    Index("idx_domains_last_scan", domains.c.last_scan_at.desc()),
    _partial("idx_domains_score", domains.c.last_scan_score, where="last_scan_score IS NOT NULL"),
    Index("idx_scans_domain", scans.c.domain_id, scans.c.created_at.desc()),
    Index("idx_scans_user", scans.c.user_id, scans.c.created_at.desc()),
    _partial("idx_scans_status", scans.c.status, where="status IN ('pending', 'running')"),
    _partial("idx_scans_completed", scans.c.completed_at.desc(), where="status = 'completed'"),
    Index("idx_scan_modules_scan", scan_modules.c.scan_id),
    Index("idx_scan_modules_raw_gin", scan_modules.c.raw, postgresql_using="gin").ddl_if(
        dialect="postgresql"
    ),
    Index("idx_reports_user", reports.c.user_id, reports.c.generated_at.desc()),
    Index("idx_reports_scan", reports.c.scan_id),
    Index("idx_error_logs_type_severity", error_logs.c.type, error_logs.c.severity),
    Index("idx_error_logs_created_at", error_logs.c.created_at),
    _partial("idx_error_logs_user_id", error_logs.c.user_id, where="user_id IS NOT NULL"),
)

# Tables in the order the migrations create them (the seeds' order).
CORE_TABLES = ("users", "wallets", "scan_jobs", "credit_transactions", "scan_results")
AUDIT_TABLES = ("audit_logs",)
MONITORING_TABLES = ("domains", "scans", "scan_modules", "reports", "error_logs")
TABLE_ORDER = CORE_TABLES + AUDIT_TABLES + MONITORING_TABLES
