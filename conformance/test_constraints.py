"""Every declared constraint refuses a violating write with the same class and name."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import CheckConstraint, ForeignKeyConstraint, UniqueConstraint

import datasdk
from datasdk import errors
from datasdk.schema import INDEXES, metadata
from support import World, build_world, fetch, insert_row, set_columns, valid_row

Check, Unique, FK = errors.CheckViolation, errors.UniqueViolation, errors.ForeignKeyViolation

# (table, overrides of a valid row, error class, constraint name)
INSERT_CASES: list[tuple[str, dict[str, Any], type[errors.DataSDKError], str]] = [
    ("users", {"email": "Upper@example.com"}, Check, "ck_users_email_lower"),
    ("users", {"email": "\u00c4rger@EXAMPLE.com"}, Check, "ck_users_email_lower"),
    ("users", {"id": ""}, Check, "ck_users_id_not_empty"),
    ("users", {"provider": "google"}, Check, "ck_users_provider_pair"),
    ("users", {"subscription_status": "gold"}, Check, "ck_users_subscription_status"),
    ("users", {"notification_preferences": [1]}, Check, "ck_users_notification_preferences_object"),
    ("users", {"onboarding_progress": "x"}, Check, "ck_users_onboarding_progress_object"),
    ("scan_jobs", {"url": "ftp://example.com/"}, Check, "ck_scan_jobs_url_scheme"),
    ("scan_jobs", {"url": "HTTPS://example.com/"}, Check, "ck_scan_jobs_url_scheme"),
    ("scan_jobs", {"url": "https://example.com/" + "a" * 2100}, Check, "ck_scan_jobs_url_length"),
    ("scan_jobs", {"version": 0}, Check, "ck_scan_jobs_version_positive"),
    ("credit_transactions", {"amount": 0}, Check, "ck_credit_transactions_amount_nonzero"),
    ("credit_transactions", {"kind": "gift"}, Check, "ck_credit_transactions_kind"),
    (
        "credit_transactions",
        {"idempotency_key": ""},
        Check,
        "ck_credit_transactions_idempotency_key_not_empty",
    ),
    ("credit_transactions", {"amount": -1}, Check, "ck_wallets_credit_balance_nonneg"),
    ("scan_results", {"risk_score": 101}, Check, "ck_scan_results_risk_score"),
    ("scan_results", {"risk_score": -1}, Check, "ck_scan_results_risk_score"),
    ("scan_results", {"http_status": 99}, Check, "ck_scan_results_http_status"),
    ("scan_results", {"http_status": 600}, Check, "ck_scan_results_http_status"),
    ("scan_results", {"content_hash": "A" * 64}, Check, "ck_scan_results_content_hash_sha256"),
    ("scan_results", {"content_hash": "a" * 63}, Check, "ck_scan_results_content_hash_sha256"),
    ("scan_results", {"content_hash": "g" * 64}, Check, "ck_scan_results_content_hash_sha256"),
    ("scan_results", {"categories": {"a": 1}}, Check, "ck_scan_results_categories_array"),
    ("scan_results", {"indicators": "x"}, Check, "ck_scan_results_indicators_array"),
    ("scan_results", {"http_headers": ["x"]}, Check, "ck_scan_results_http_headers_object"),
    ("audit_logs", {"http_status": 1000}, Check, "ck_audit_logs_http_status"),
    ("audit_logs", {"content_hash": "z" * 64}, Check, "ck_audit_logs_content_hash_sha256"),
    ("audit_logs", {"http_headers": [1]}, Check, "ck_audit_logs_http_headers_object"),
    (
        "audit_logs",
        {"risk_assessment_summary": [1]},
        Check,
        "ck_audit_logs_risk_assessment_summary_object",
    ),
    ("domains", {"url": "http://example.com"}, Check, "ck_domains_url_https"),
    ("domains", {"email_mode": "maybe"}, Check, "ck_domains_email_mode"),
    ("domains", {"last_scan_score": 101}, Check, "ck_domains_last_scan_score"),
    ("scans", {"total_score": 101}, Check, "ck_scans_total_score"),
    ("scan_modules", {"module": "ports"}, Check, "ck_scan_modules_module"),
    ("scan_modules", {"status": "meh"}, Check, "ck_scan_modules_status"),
    ("scan_modules", {"confidence": "certain"}, Check, "ck_scan_modules_confidence"),
    ("scan_modules", {"score": 101}, Check, "ck_scan_modules_score"),
    ("reports", {"file_size": -1}, Check, "ck_reports_file_size_nonneg"),
    ("error_logs", {"type": "oops"}, Check, "ck_error_logs_type"),
    ("error_logs", {"severity": "fatal"}, Check, "ck_error_logs_severity"),
]

LENGTH_CHECKS = [
    (table.name, str(c.name), int(str(c.sqltext).rsplit("<=", 1)[1]))
    for table in metadata.sorted_tables
    for c in table.constraints
    if isinstance(c, CheckConstraint) and str(c.name).endswith("_length")
]
# What else a too-long value needs to break nothing but its length.
_LENGTH_CONTEXT: dict[str, dict[str, Any]] = {
    "ck_users_provider_length": {"provider_id": "p-1"},
    "ck_users_provider_id_length": {"provider": "google"},
}


def _too_long(constraint: str, column: str, limit: int) -> dict[str, Any]:
    prefix = "https://" if column == "url" else ""
    return {column: prefix + "a" * (limit + 1 - len(prefix))} | _LENGTH_CONTEXT.get(constraint, {})


# Columns whose value a rule checks before the CHECK can: the rule's error comes first,
# the same way on every backend (see test_state_column_checks_come_after_the_rule).
RULE_GUARDED_CHECKS = {"ck_scan_jobs_state", "ck_scans_status", "ck_wallets_credit_balance_nonneg"}

# (table, column that a second row repeats, unique constraint or unique index name)
DUPLICATE_CASES = [
    ("users", ("id",), "pk_users"),
    ("users", ("email",), "uq_users_email"),
    ("users", ("unsubscribe_token",), "uq_users_unsubscribe_token"),
    ("users", ("provider", "provider_id"), "idx_users_provider"),
    ("wallets", ("id",), "pk_wallets"),
    ("wallets", ("user_id",), "uq_wallets_user_id"),
    ("scan_jobs", ("id",), "pk_scan_jobs"),
    ("credit_transactions", ("id",), "pk_credit_transactions"),
    (
        "credit_transactions",
        ("wallet_id", "idempotency_key"),
        "uq_credit_transactions_wallet_id_idempotency_key",
    ),
    ("scan_results", ("id",), "pk_scan_results"),
    ("scan_results", ("job_id",), "uq_scan_results_job_id"),
    ("audit_logs", ("id",), "pk_audit_logs"),
    ("domains", ("id",), "pk_domains"),
    ("domains", ("user_id", "url"), "uq_domains_user_id_url"),
    ("scans", ("id",), "pk_scans"),
    ("scan_modules", ("id",), "pk_scan_modules"),
    ("scan_modules", ("scan_id", "module"), "uq_scan_modules_scan_id_module"),
    ("reports", ("id",), "pk_reports"),
    ("error_logs", ("id",), "pk_error_logs"),
]

# Constraints no single write can break alone: another constraint always fires first.
IMPLIED = {
    # id is the primary key, so (id, user_id) is unique already; it exists as the
    # target of scans' composite reference.
    "uq_domains_id_user_id",
    # scans' (domain_id, user_id) reference reaches users through domains.
    "fk_scans_user_id_users",
}

# (child table, parent column overridden with a missing id, constraint)
FOREIGN_KEY_CASES = [
    ("wallets", "user_id", "fk_wallets_user_id_users"),
    ("scan_jobs", "user_id", "fk_scan_jobs_user_id_users"),
    ("credit_transactions", "wallet_id", "fk_credit_transactions_wallet_id_wallets"),
    ("credit_transactions", "scan_job_id", "fk_credit_transactions_scan_job_id_scan_jobs"),
    ("scan_results", "job_id", "fk_scan_results_job_id_scan_jobs"),
    ("audit_logs", "scan_job_id", "fk_audit_logs_scan_job_id_scan_jobs"),
    ("domains", "user_id", "fk_domains_user_id_users"),
    ("scans", "domain_id", "fk_scans_domain_id_user_id_domains"),
    ("scan_modules", "scan_id", "fk_scan_modules_scan_id_scans"),
    ("reports", "scan_id", "fk_reports_scan_id_scans"),
    ("reports", "user_id", "fk_reports_user_id_users"),
    ("error_logs", "user_id", "fk_error_logs_user_id_users"),
]

NOT_NULL_CASES = [
    (table.name, column.name)
    for table in metadata.sorted_tables
    for column in table.columns
    if not column.nullable
]
# A state column's NULL is refused by the state machine first (it is not the initial state).
INSERT_RULE_FIRST = {("scan_jobs", "state"), ("scans", "status")}


def _missing(column: str) -> Any:
    return "user_nobody" if column.endswith("user_id") else uuid.uuid4()


def test_every_constraint_has_a_case() -> None:
    covered = (
        {case[3] for case in INSERT_CASES}
        | {case[1] for case in LENGTH_CHECKS}
        | {case[2] for case in DUPLICATE_CASES}
        | {case[2] for case in FOREIGN_KEY_CASES}
        | RULE_GUARDED_CHECKS
        | IMPLIED
    )
    declared = {
        str(constraint.name)
        for table in metadata.tables.values()
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint | UniqueConstraint | ForeignKeyConstraint)
        or constraint is table.primary_key
        # Type checks (`ty_<table>_<column>`) have their cases in test_types.py.
        if "kind" not in constraint.info
    } | {str(ix.name) for ix in INDEXES if ix.unique}
    assert declared - covered == set()


async def _expect(
    db: datasdk.Database,
    exc: type[errors.DataSDKError],
    constraint: str,
    table: str,
    row: dict[str, Any],
) -> None:
    with pytest.raises(exc) as raised:
        await insert_row(db, table, row)
    assert getattr(raised.value, "constraint", None) == constraint


@pytest.mark.parametrize(("table", "overrides", "exc", "constraint"), INSERT_CASES)
async def test_check_constraints(
    database: datasdk.Database,
    table: str,
    overrides: dict[str, Any],
    exc: type[errors.DataSDKError],
    constraint: str,
) -> None:
    world = await build_world(database)
    row = valid_row(table, world.parents) | overrides
    await _expect(database, exc, constraint, table, row)


@pytest.mark.parametrize(("table", "constraint", "limit"), LENGTH_CHECKS)
async def test_length_checks(
    database: datasdk.Database, table: str, constraint: str, limit: int
) -> None:
    world = await build_world(database)
    column = constraint.removeprefix(f"ck_{table}_").removesuffix("_length")
    parents = world.parents
    if table == "wallets":
        parents |= {"user_id": (await insert_row(database, "users", valid_row("users", {})))["id"]}
    at_limit = _too_long(constraint, column, limit - 1)
    await insert_row(database, table, valid_row(table, parents) | at_limit)
    if table == "wallets":
        parents |= {"user_id": (await insert_row(database, "users", valid_row("users", {})))["id"]}
    row = valid_row(table, parents) | _too_long(constraint, column, limit)
    await _expect(database, Check, constraint, table, row)


@pytest.mark.parametrize(("table", "columns", "constraint"), DUPLICATE_CASES)
async def test_unique_constraints(
    database: datasdk.Database, table: str, columns: tuple[str, ...], constraint: str
) -> None:
    world, other = await build_world(database), await build_world(database)
    provider = {"provider": "google", "provider_id": "g-1"} if "provider" in columns else {}
    first = await _existing_or_new(
        database, table, world, valid_row(table, world.parents) | provider
    )
    # The second row hangs off other parents, so only the repeated columns collide.
    parents = other.parents
    if table == "wallets":
        parents |= {"user_id": (await insert_row(database, "users", valid_row("users", {})))["id"]}
    second = valid_row(table, parents) | provider | {c: first[c] for c in columns}
    with pytest.raises(Unique) as raised:
        await insert_row(database, table, second)
    assert (raised.value.table, raised.value.constraint) == (table, constraint)


async def _existing_or_new(
    db: datasdk.Database, table: str, world: World, row: dict[str, Any]
) -> dict[str, Any]:
    keys = {
        "wallets": world.wallet_id,
        "scan_jobs": world.job_id,
        "domains": world.domain_id,
        "scans": world.scan_id,
    }
    if table in keys:
        return (await fetch(db, table, id=keys[table]))[0]
    return await insert_row(db, table, row)


@pytest.mark.parametrize(("table", "column", "constraint"), FOREIGN_KEY_CASES)
async def test_foreign_keys_refuse_missing_parents(
    database: datasdk.Database, table: str, column: str, constraint: str
) -> None:
    world = await build_world(database)
    row = valid_row(table, world.parents) | {column: _missing(column)}
    with pytest.raises(FK) as raised:
        await insert_row(database, table, row)
    assert (raised.value.table, raised.value.constraint) == (table, constraint)


@pytest.mark.parametrize(
    ("table", "column", "constraint"),
    # Rows of the append-only tables cannot be updated at all (see test_rules).
    [case for case in FOREIGN_KEY_CASES if case[0] not in {"credit_transactions", "audit_logs"}],
)
async def test_foreign_keys_refuse_updates_to_missing_parents(
    database: datasdk.Database, table: str, column: str, constraint: str
) -> None:
    world = await build_world(database)
    parents = world.parents
    if table == "wallets":
        parents |= {"user_id": (await insert_row(database, "users", valid_row("users", {})))["id"]}
    row = await insert_row(database, table, valid_row(table, parents))
    with pytest.raises(FK) as raised:
        await set_columns(database, table, row["id"], **{column: _missing(column)})
    assert (raised.value.table, raised.value.constraint) == (table, constraint)


@pytest.mark.parametrize(("table", "column"), NOT_NULL_CASES)
async def test_not_null(database: datasdk.Database, table: str, column: str) -> None:
    world = await build_world(database)
    row = valid_row(table, world.parents) | {column: None}
    expected: type[errors.DataSDKError] = (
        errors.InvalidStateTransition
        if (table, column) in INSERT_RULE_FIRST
        else errors.NotNullViolation
    )
    with pytest.raises(expected) as raised:
        await insert_row(database, table, row)
    if expected is errors.NotNullViolation:
        assert raised.value.constraint == f"nn_{table}_{column}"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("table", "column"), sorted(INSERT_RULE_FIRST))
async def test_state_columns_are_not_null_on_update(
    database: datasdk.Database, table: str, column: str
) -> None:
    world = await build_world(database)
    key = world.job_id if table == "scan_jobs" else world.scan_id
    with pytest.raises(errors.NotNullViolation) as raised:
        await set_columns(database, table, key, **{column: None})
    assert raised.value.constraint == f"nn_{table}_{column}"


async def test_state_column_checks_come_after_the_rule(database: datasdk.Database) -> None:
    world = await build_world(database)
    with pytest.raises(errors.InvalidStateTransition):
        await set_columns(database, "scan_jobs", world.job_id, state="PAUSED")
    with pytest.raises(errors.InvalidStateTransition):
        await set_columns(database, "scans", world.scan_id, status="paused")


async def test_violations_leave_nothing_behind(database: datasdk.Database) -> None:
    world = await build_world(database)
    with pytest.raises(Check):
        async with database.transaction() as tx:
            await tx.execute(
                "UPDATE scan_jobs SET url = 'https://changed.example/', version = version + 1"
            )
            await tx.execute("UPDATE domains SET last_scan_score = 500")
    [job] = await fetch(database, "scan_jobs", id=world.job_id)
    assert job["url"] == "https://example.com/"


async def test_only_ascii_capitals_count_as_upper_case(database: datasdk.Database) -> None:
    # lower() folds only ASCII on SQLite; the rule is the same on every backend.
    await insert_row(
        database, "users", valid_row("users", {}) | {"email": "\u00c4rger@example.com"}
    )


async def test_a_referenced_key_cannot_change(database: datasdk.Database) -> None:
    user = await insert_row(database, "users", valid_row("users", {}))
    await insert_row(database, "wallets", valid_row("wallets", {"user_id": user["id"]}))
    with pytest.raises(FK) as raised:
        await set_columns(database, "users", user["id"], id="user_renamed")
    assert (raised.value.table, raised.value.constraint) == ("wallets", "fk_wallets_user_id_users")


@pytest.mark.parametrize(
    ("table", "overrides", "exc", "constraint"),
    [
        # A row with a missing parent *and* a bad value reports the value, as
        # PostgreSQL checks references last.
        (
            "domains",
            {"user_id": "nobody", "url": "http://x.example"},
            Check,
            "ck_domains_url_https",
        ),
        (
            "scan_jobs",
            {"user_id": "nobody", "url": None},
            errors.NotNullViolation,
            "nn_scan_jobs_url",
        ),
    ],
)
async def test_references_are_checked_after_the_row_itself(
    database: datasdk.Database,
    table: str,
    overrides: dict[str, Any],
    exc: type[errors.DataSDKError],
    constraint: str,
) -> None:
    await _expect(database, exc, constraint, table, valid_row(table, {}) | overrides)
