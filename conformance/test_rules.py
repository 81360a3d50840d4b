"""Every rule of SCHEMA.md, broken through raw SQL, fails the same way on every backend."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, insert, select

import datasdk
from datasdk import errors
from datasdk.schema import DOMAIN_LIMIT, metadata
from datasdk.schema.enums import JOB_TRANSITIONS, SCAN_TRANSITIONS, JobState, ScanStatus
from support import build_world, fetch, insert_row, set_columns, valid_row

APPEND_ONLY = ("audit_logs", "credit_transactions")
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


async def _append_only_row(db: datasdk.Database, table: str) -> dict[str, Any]:
    world = await build_world(db)
    return await insert_row(db, table, valid_row(table, world.parents))


async def _unchanged(db: datasdk.Database, table: str, row: dict[str, Any]) -> None:
    [stored] = await fetch(db, table, id=row["id"])
    assert {k: stored[k] for k in row} == row
    wallets = await fetch(db, "wallets")
    ledger = await fetch(db, "credit_transactions")
    for wallet in wallets:
        assert wallet["credit_balance"] == sum(
            entry["amount"] for entry in ledger if entry["wallet_id"] == wallet["id"]
        )


# -- append_only ----------------------------------------------------------------------


# For each append-only table, a column every update below rewrites to itself.
_SAME_VALUE = {
    "audit_logs": ("timestamp", "content_hash"),
    "credit_transactions": ("created_at", "amount"),
}


@pytest.mark.parametrize(
    ("table", "statement"),
    [
        (table, statement)
        for table, columns in _SAME_VALUE.items()
        for statement in [
            *(f"UPDATE {table} SET {c} = {c} WHERE id = :key" for c in columns),
            f"DELETE FROM {table} WHERE id = :key",
        ]
    ],
)
async def test_append_only_refuses_update_and_delete(
    database: datasdk.Database, table: str, statement: str
) -> None:
    row = await _append_only_row(database, table)
    with pytest.raises(errors.AppendOnlyViolation) as raised:
        await database.execute(statement, {"key": row["id"]})
    assert (raised.value.table, raised.value.rule) == (table, "append_only")
    await _unchanged(database, table, row)


@pytest.mark.parametrize("table", APPEND_ONLY)
async def test_append_only_refuses_wholesale_removal(
    database: datasdk.Database, table: str
) -> None:
    row = await _append_only_row(database, table)
    for statement in database.profile.destructive_statements(table):
        with pytest.raises(errors.AppendOnlyViolation):
            await database.execute(statement)
        await _unchanged(database, table, row)


@pytest.mark.parametrize("table", APPEND_ONLY)
async def test_append_only_refuses_overwriting_inserts(
    database: datasdk.Database, table: str
) -> None:
    row = await _append_only_row(database, table)
    for statement in database.profile.overwrite_statements(table, "id"):
        with pytest.raises((errors.AppendOnlyViolation, errors.UniqueViolation)):
            await database.execute(statement, {"key": row["id"]})
        await _unchanged(database, table, row)


@pytest.mark.parametrize("table", APPEND_ONLY)
@pytest.mark.parametrize("action", ["DO NOTHING", "DO UPDATE SET id = excluded.id"])
async def test_append_only_refuses_upserts(
    database: datasdk.Database, table: str, action: str
) -> None:
    row = await _append_only_row(database, table)
    columns = ", ".join(row)
    sql = f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table} WHERE id = :key "
    with pytest.raises(errors.UniqueViolation) as raised:
        await database.execute(sql + f"ON CONFLICT (id) {action}", {"key": row["id"]})
    assert (raised.value.table, raised.value.constraint) == (table, f"pk_{table}")
    await _unchanged(database, table, row)


@pytest.mark.parametrize("table", APPEND_ONLY)
async def test_append_only_holds_whatever_the_session_settings(
    database: datasdk.Database, table: str
) -> None:
    row = await _append_only_row(database, table)
    for setting in database.profile.rule_bypass_settings():
        for statement in (f"UPDATE {table} SET id = id WHERE id = :key", f"DELETE FROM {table}"):
            with pytest.raises(errors.AppendOnlyViolation):
                async with database.transaction() as tx:
                    await tx.execute(setting)
                    await tx.execute(statement, {"key": row["id"]})
            await _unchanged(database, table, row)


async def test_deleting_an_account_cascades_through_the_ledger(database: datasdk.Database) -> None:
    world = await build_world(database)
    await insert_row(
        database, "credit_transactions", valid_row("credit_transactions", world.parents)
    )
    await insert_row(database, "audit_logs", valid_row("audit_logs", world.parents))
    await database.execute("DELETE FROM users WHERE id = :id", {"id": world.user_id})
    assert await fetch(database, "wallets") == []
    assert await fetch(database, "credit_transactions") == []
    # Jobs outlive their user, and so does their audit trail.
    [job] = await fetch(database, "scan_jobs", id=world.job_id)
    assert job["user_id"] is None
    assert len(await fetch(database, "audit_logs")) == 1


async def test_audited_jobs_cannot_be_deleted(database: datasdk.Database) -> None:
    world = await build_world(database)
    await insert_row(database, "audit_logs", valid_row("audit_logs", world.parents))
    with pytest.raises(errors.ForeignKeyViolation) as raised:
        await database.execute("DELETE FROM scan_jobs WHERE id = :id", {"id": world.job_id})
    assert raised.value.constraint == "fk_audit_logs_scan_job_id_scan_jobs"


# -- touch_updated_at and version_bump ------------------------------------------------

MAINTAINED = [table.name for table in metadata.sorted_tables if "updated_at" in table.c]


@pytest.mark.parametrize("table", MAINTAINED)
async def test_updated_at_moves_on_any_update(database: datasdk.Database, table: str) -> None:
    world = await build_world(database)
    parents = world.parents
    if table == "wallets":
        parents |= {"user_id": (await insert_row(database, "users", valid_row("users", {})))["id"]}
    row = await insert_row(database, table, valid_row(table, parents) | {"updated_at": LONG_AGO})
    [stored] = await fetch(database, table, id=row["id"])
    assert stored["updated_at"] == LONG_AGO
    # Even a write that sets updated_at itself ends with the database's time.
    await set_columns(database, table, row["id"], updated_at=LONG_AGO)
    [touched] = await fetch(database, table, id=row["id"])
    assert touched["updated_at"] > datetime(2020, 1, 1, tzinfo=UTC)
    assert touched["updated_at"].tzinfo is not None


async def test_touched_timestamps_refuse_null(database: datasdk.Database) -> None:
    world = await build_world(database)
    with pytest.raises(errors.NotNullViolation) as raised:
        await database.execute(
            "UPDATE domains SET updated_at = NULL WHERE id = :id", {"id": world.domain_id}
        )
    assert raised.value.constraint == "nn_domains_updated_at"


BUMP = "UPDATE scan_jobs SET url = :url, version = version + 1 WHERE id = :id RETURNING version"


@pytest.mark.parametrize("with_settings", [False, True])
async def test_version_rises_by_exactly_one(
    database: datasdk.Database, with_settings: bool
) -> None:
    world = await build_world(database)
    settings = database.profile.rule_bypass_settings() if with_settings else [None]
    expected = 1
    for setting in settings:
        async with database.transaction() as tx:
            if setting:
                await tx.execute(setting)
            returned = await tx.execute(
                BUMP, {"id": world.job_id, "url": f"https://v{expected}.example/"}
            )
        expected += 1
        assert [row["version"] for row in returned.rows] == [expected]
        [job] = await fetch(database, "scan_jobs", id=world.job_id)
        assert job["version"] == expected


@pytest.mark.parametrize(
    "assignment",
    [
        "url = 'https://other.example/'",
        "version = version",
        "version = version + 2",
        "version = 0",
        "version = NULL",
    ],
)
async def test_an_update_that_does_not_bump_the_version_is_refused(
    database: datasdk.Database, assignment: str
) -> None:
    world = await build_world(database)
    for setting in [None, *database.profile.rule_bypass_settings()]:
        with pytest.raises(errors.RuleViolation) as raised:
            async with database.transaction() as tx:
                if setting:
                    await tx.execute(setting)
                await tx.execute(
                    f"UPDATE scan_jobs SET {assignment} WHERE id = :id", {"id": world.job_id}
                )
        assert (raised.value.table, raised.value.rule) == ("scan_jobs", "version_bump")
    [job] = await fetch(database, "scan_jobs", id=world.job_id)
    assert (job["version"], job["url"]) == (1, "https://example.com/")


async def test_stale_writers_change_nothing(database: datasdk.Database) -> None:
    world = await build_world(database)
    sql = (
        "UPDATE scan_jobs SET state = 'FETCHING', version = version + 1 "
        "WHERE id = :id AND version = :expected"
    )
    fresh = await database.execute(sql, {"id": world.job_id, "expected": 1})
    stale = await database.execute(sql, {"id": world.job_id, "expected": 1})
    assert (fresh.rowcount, stale.rowcount) == (1, 0)
    [job] = await fetch(database, "scan_jobs", id=world.job_id)
    assert (job["state"], job["version"]) == ("FETCHING", 2)


# -- state machines -------------------------------------------------------------------

JOB_PATHS = {
    JobState.QUEUED: [],
    JobState.FETCHING: [JobState.FETCHING],
    JobState.ANALYZING: [JobState.FETCHING, JobState.ANALYZING],
    JobState.COMPLETED: [JobState.FETCHING, JobState.ANALYZING, JobState.COMPLETED],
    JobState.FAILED: [JobState.FAILED],
    JobState.TIMED_OUT: [JobState.TIMED_OUT],
}
SCAN_PATHS = {
    ScanStatus.PENDING: [],
    ScanStatus.RUNNING: [ScanStatus.RUNNING],
    ScanStatus.COMPLETED: [ScanStatus.RUNNING, ScanStatus.COMPLETED],
    ScanStatus.FAILED: [ScanStatus.FAILED],
}


async def _walk_every_pair(
    db: datasdk.Database,
    table: str,
    column: str,
    paths: dict[Any, list[Any]],
    legal: frozenset[tuple[Any, Any]],
    rule: str,
    new_row: Any,
) -> None:
    outcomes: dict[tuple[str, str], str] = {}
    expected: dict[tuple[str, str], str] = {}
    for start, path in paths.items():
        for target in paths:
            key = await new_row()
            for step in path:
                await set_columns(db, table, key, **{column: step})
            expected[(start, target)] = (
                "ok" if start == target or (start, target) in legal else rule
            )
            try:
                await set_columns(db, table, key, **{column: target})
                outcomes[(start, target)] = "ok"
            except errors.InvalidStateTransition as exc:
                outcomes[(start, target)] = f"{exc.rule}" if exc.table == table else "wrong table"
    assert outcomes == expected


async def test_job_state_machine_accepts_exactly_the_legal_moves(
    database: datasdk.Database,
) -> None:
    world = await build_world(database)

    async def new_job() -> uuid.UUID:
        return (await insert_row(database, "scan_jobs", valid_row("scan_jobs", world.parents)))[
            "id"
        ]

    await _walk_every_pair(
        database, "scan_jobs", "state", JOB_PATHS, JOB_TRANSITIONS, "job_state_machine", new_job
    )


async def test_scan_status_machine_accepts_exactly_the_legal_moves(
    database: datasdk.Database,
) -> None:
    world = await build_world(database)

    async def new_scan() -> uuid.UUID:
        return (await insert_row(database, "scans", valid_row("scans", world.parents)))["id"]

    await _walk_every_pair(
        database, "scans", "status", SCAN_PATHS, SCAN_TRANSITIONS, "scan_status_machine", new_scan
    )


@pytest.mark.parametrize(
    ("table", "column", "state", "rule"),
    [
        ("scan_jobs", "state", state.value, "job_state_machine")
        for state in JobState
        if state is not JobState.QUEUED
    ]
    + [
        ("scans", "status", status.value, "scan_status_machine")
        for status in ScanStatus
        if status is not ScanStatus.PENDING
    ],
)
async def test_rows_start_in_the_initial_state(
    database: datasdk.Database, table: str, column: str, state: str, rule: str
) -> None:
    world = await build_world(database)
    with pytest.raises(errors.InvalidStateTransition) as raised:
        await insert_row(database, table, valid_row(table, world.parents) | {column: state})
    assert (raised.value.table, raised.value.rule) == (table, rule)


# -- ledger ---------------------------------------------------------------------------


async def _balance(db: datasdk.Database, wallet_id: uuid.UUID) -> int:
    [wallet] = await fetch(db, "wallets", id=wallet_id)
    return int(wallet["credit_balance"])


async def _entry(db: datasdk.Database, wallet_id: uuid.UUID, amount: int, key: str) -> None:
    row = valid_row("credit_transactions", {"wallet_id": wallet_id})
    await insert_row(db, "credit_transactions", row | {"amount": amount, "idempotency_key": key})


async def test_ledger_rows_move_the_balance(database: datasdk.Database) -> None:
    world = await build_world(database)
    await _entry(database, world.wallet_id, 10, "grant-1")
    await _entry(database, world.wallet_id, -4, "charge-1")
    assert await _balance(database, world.wallet_id) == 6


async def test_an_overdraft_writes_nothing(database: datasdk.Database) -> None:
    world = await build_world(database)
    await _entry(database, world.wallet_id, 5, "grant-1")
    with pytest.raises(errors.CheckViolation) as raised:
        await _entry(database, world.wallet_id, -6, "charge-1")
    assert (raised.value.table, raised.value.constraint) == (
        "wallets",
        "ck_wallets_credit_balance_nonneg",
    )
    assert await _balance(database, world.wallet_id) == 5
    assert [e["idempotency_key"] for e in await fetch(database, "credit_transactions")] == [
        "grant-1"
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE wallets SET credit_balance = 1000 WHERE id = :wallet",
        "UPDATE wallets SET credit_balance = credit_balance + 1 WHERE id = :wallet",
    ],
)
async def test_the_balance_moves_only_through_the_ledger(
    database: datasdk.Database, statement: str
) -> None:
    world = await build_world(database)
    await _entry(database, world.wallet_id, 3, "grant-1")
    with pytest.raises(errors.RuleViolation) as raised:
        await database.execute(statement, {"wallet": world.wallet_id})
    assert (raised.value.table, raised.value.rule) == ("wallets", "ledger")
    assert await _balance(database, world.wallet_id) == 3


async def test_a_wallet_opens_empty(database: datasdk.Database) -> None:
    user = await insert_row(database, "users", valid_row("users", {}))
    with pytest.raises(errors.RuleViolation) as raised:
        await insert_row(
            database,
            "wallets",
            valid_row("wallets", {"user_id": user["id"]}) | {"credit_balance": 50},
        )
    assert raised.value.rule == "ledger"


async def _entry_id(db: datasdk.Database, wallet_id: uuid.UUID, key: str) -> uuid.UUID:
    t = metadata.tables["credit_transactions"]
    [row] = (await db.execute(select(t.c.id).where(t.c.idempotency_key == key))).rows
    return uuid.UUID(str(row["id"]))


async def test_each_ledger_row_becomes_the_last_applied(database: datasdk.Database) -> None:
    world = await build_world(database)
    [wallet] = await fetch(database, "wallets", id=world.wallet_id)
    assert wallet["last_transaction_id"] is None
    await _entry(database, world.wallet_id, 10, "grant-1")
    sql = (
        "INSERT INTO credit_transactions (id, wallet_id, amount, kind, idempotency_key) "
        "VALUES (:a, :w, 5, 'grant', 'g-2'), (:b, :w, -3, 'scan_charge', 'c-1')"
    )
    ids = {"a": uuid.uuid4(), "b": uuid.uuid4(), "w": world.wallet_id}
    await database.execute(sql, ids)
    [wallet] = await fetch(database, "wallets", id=world.wallet_id)
    assert (wallet["credit_balance"], wallet["last_transaction_id"]) == (12, ids["b"])


# Raw moves that pose as the ledger's: replaying an applied row, naming another
# wallet's row or none, a forged id, or moving one column without the other.
_FORGED_MOVES = {
    "replay_newest": "credit_balance = credit_balance + 5, last_transaction_id = :newest",
    "replay_older": "credit_balance = credit_balance + 10, last_transaction_id = :older",
    "other_wallet": "credit_balance = credit_balance + 7, last_transaction_id = :foreign",
    "forged_id": "credit_balance = credit_balance + 5, last_transaction_id = :forged",
    "back_to_older": "credit_balance = credit_balance - 5, last_transaction_id = :older",
    "marker_only": "last_transaction_id = :older",
    "marker_cleared": "last_transaction_id = NULL",
    "marker_forged": "last_transaction_id = :forged",
    "balance_only": "credit_balance = credit_balance + 5",
}


@pytest.mark.parametrize("move", sorted(_FORGED_MOVES))
async def test_the_last_applied_row_moves_only_through_the_ledger(
    database: datasdk.Database, move: str
) -> None:
    world = await build_world(database)
    await _entry(database, world.wallet_id, 10, "grant-1")
    await _entry(database, world.wallet_id, 5, "grant-2")
    other_user = await insert_row(database, "users", valid_row("users", {}))
    other = valid_row("wallets", {"user_id": other_user["id"]})
    await insert_row(database, "wallets", other)
    await _entry(database, other["id"], 7, "grant-3")
    params = {
        "wallet": world.wallet_id,
        "older": await _entry_id(database, world.wallet_id, "grant-1"),
        "newest": await _entry_id(database, world.wallet_id, "grant-2"),
        "foreign": await _entry_id(database, other["id"], "grant-3"),
        "forged": uuid.uuid4(),
    }
    statement = f"UPDATE wallets SET {_FORGED_MOVES[move]} WHERE id = :wallet"
    used = {name: value for name, value in params.items() if f":{name}" in statement}
    for setting in [None, *database.profile.rule_bypass_settings()]:
        with pytest.raises(errors.RuleViolation) as raised:
            async with database.transaction() as tx:
                if setting:
                    await tx.execute(setting)
                await tx.execute(statement, used)
        assert (raised.value.table, raised.value.rule) == ("wallets", "ledger")
    [wallet] = await fetch(database, "wallets", id=world.wallet_id)
    assert (wallet["credit_balance"], wallet["last_transaction_id"]) == (15, params["newest"])
    # The ledger itself still moves both.
    await _entry(database, world.wallet_id, -15, "charge-1")
    assert await _balance(database, world.wallet_id) == 0


async def test_a_wallet_opens_with_no_row_applied(database: datasdk.Database) -> None:
    world = await build_world(database)
    await _entry(database, world.wallet_id, 10, "grant-1")
    applied = await _entry_id(database, world.wallet_id, "grant-1")
    user = await insert_row(database, "users", valid_row("users", {}))
    for marker in (uuid.uuid4(), applied):
        for setting in [None, *database.profile.rule_bypass_settings()]:
            with pytest.raises(errors.RuleViolation) as raised:
                async with database.transaction() as tx:
                    if setting:
                        await tx.execute(setting)
                    await tx.execute(
                        insert(metadata.tables["wallets"]).values(
                            **valid_row("wallets", {"user_id": user["id"]}),
                            last_transaction_id=marker,
                        )
                    )
            assert (raised.value.table, raised.value.rule) == ("wallets", "ledger")
    assert await fetch(database, "wallets", user_id=user["id"]) == []


# -- domain_limit ---------------------------------------------------------------------


async def _domain_count(db: datasdk.Database, user_id: str) -> int:
    t = metadata.tables["domains"]
    rows = (await db.execute(select(func.count().label("n")).where(t.c.user_id == user_id))).rows
    return int(rows[0]["n"])


async def test_domain_limit(database: datasdk.Database) -> None:
    world = await build_world(database)
    for _ in range(DOMAIN_LIMIT - 1):
        await insert_row(database, "domains", valid_row("domains", world.parents))
    with pytest.raises(errors.DomainLimitExceeded) as raised:
        await insert_row(database, "domains", valid_row("domains", world.parents))
    assert (raised.value.table, raised.value.rule) == ("domains", "domain_limit")
    assert await _domain_count(database, world.user_id) == DOMAIN_LIMIT


async def test_domain_limit_holds_when_a_domain_changes_owner(database: datasdk.Database) -> None:
    full, other = await build_world(database), await build_world(database)
    for _ in range(DOMAIN_LIMIT - 1):
        await insert_row(database, "domains", valid_row("domains", full.parents))
    spare = await insert_row(database, "domains", valid_row("domains", {"user_id": other.user_id}))
    with pytest.raises(errors.DomainLimitExceeded):
        await set_columns(database, "domains", spare["id"], user_id=full.user_id)
    assert await _domain_count(database, full.user_id) == DOMAIN_LIMIT


async def test_domain_limit_holds_under_concurrent_inserts(database: datasdk.Database) -> None:
    user = await insert_row(database, "users", valid_row("users", {}))
    writers = 30
    barrier = asyncio.Barrier(writers)
    domains = metadata.tables["domains"]

    async def add(n: int) -> str:
        row = valid_row("domains", {"user_id": user["id"]})
        await barrier.wait()
        try:
            async with database.transaction() as tx:
                await tx.execute(insert(domains).values(**row))
        except errors.DomainLimitExceeded:
            return "refused"
        return "added"

    outcomes = await asyncio.gather(*(add(n) for n in range(writers)))
    assert sorted(outcomes).count("added") == DOMAIN_LIMIT
    assert outcomes.count("refused") == writers - DOMAIN_LIMIT
    assert await _domain_count(database, user["id"]) == DOMAIN_LIMIT


# -- units of work --------------------------------------------------------------------


async def test_a_rule_violation_rolls_back_the_whole_unit(database: datasdk.Database) -> None:
    world = await build_world(database)
    with pytest.raises(errors.InvalidStateTransition):
        async with database.transaction() as tx:
            await tx.execute(
                insert(metadata.tables["domains"]).values(**valid_row("domains", world.parents))
            )
            await tx.execute("UPDATE scan_jobs SET state = 'COMPLETED', version = version + 1")
    assert len(await fetch(database, "domains")) == 1
    [job] = await fetch(database, "scan_jobs")
    assert (job["state"], job["version"]) == ("QUEUED", 1)


async def test_driver_errors_never_reach_the_caller(database: datasdk.Database) -> None:
    with pytest.raises(errors.BackendError):
        await database.execute("SELEC nonsense")
    with pytest.raises(errors.BackendError):
        await database.execute("SELECT * FROM no_such_table")


async def test_after_an_error_nothing_more_runs_in_the_unit(database: datasdk.Database) -> None:
    users = metadata.tables["users"]
    with pytest.raises(errors.TransactionAborted):
        async with database.transaction() as tx:
            await tx.execute(insert(users).values(**valid_row("users", {}) | {"id": "user_a"}))
            with pytest.raises(errors.CheckViolation):
                await tx.execute(
                    insert(users).values(**valid_row("users", {}) | {"email": "B@B.io"})
                )
            await tx.execute(insert(users).values(**valid_row("users", {}) | {"id": "user_c"}))
    assert await fetch(database, "users") == []


async def test_a_swallowed_error_still_rolls_the_unit_back(database: datasdk.Database) -> None:
    users = metadata.tables["users"]
    with pytest.raises(errors.TransactionAborted) as raised:
        async with database.transaction() as tx:
            await tx.execute(insert(users).values(**valid_row("users", {}) | {"id": "user_a"}))
            with contextlib.suppress(errors.CheckViolation):
                await tx.execute(
                    insert(users).values(**valid_row("users", {}) | {"email": "B@B.io"})
                )
    assert isinstance(raised.value.__cause__, errors.CheckViolation)
    assert await fetch(database, "users") == []


async def test_one_statement_may_write_several_ledger_rows(database: datasdk.Database) -> None:
    world = await build_world(database)
    sql = (
        "INSERT INTO credit_transactions (id, wallet_id, amount, kind, idempotency_key) "
        "VALUES (:a, :w, 10, 'grant', 'g-1'), (:b, :w, 5, 'grant', 'g-2'), "
        "(:c, :w, -3, 'scan_charge', 'c-1')"
    )
    ids = {"a": uuid.uuid4(), "b": uuid.uuid4(), "c": uuid.uuid4(), "w": world.wallet_id}
    await database.execute(sql, ids)
    assert await _balance(database, world.wallet_id) == 12
    overdraw = sql.replace("-3", "-30").replace("'g-", "'h-").replace("'c-1'", "'c-2'")
    with pytest.raises(errors.CheckViolation):
        await database.execute(
            overdraw, {k: uuid.uuid4() if k != "w" else v for k, v in ids.items()}
        )
    assert await _balance(database, world.wallet_id) == 12


async def test_a_wallet_reopens_only_with_its_ledger_balance(database: datasdk.Database) -> None:
    world = await build_world(database)
    await _entry(database, world.wallet_id, 100, "grant-1")
    for setting in database.profile.rule_bypass_settings():
        # Whatever a session switches off, the ledger outlives no wallet and no ledger
        # row can be removed by hand.
        async with database.transaction() as tx:
            await tx.execute(setting)
            await tx.execute("DELETE FROM wallets WHERE id = :w", {"w": world.wallet_id})
        assert await fetch(database, "credit_transactions") == []
        user = (await fetch(database, "users", id=world.user_id))[0]
        row = valid_row("wallets", {"user_id": user["id"]}) | {"id": world.wallet_id}
        await insert_row(database, "wallets", row)
        await _entry(database, world.wallet_id, 100, f"regrant-{setting}")
    with pytest.raises(errors.RuleViolation) as raised:
        await database.execute("DELETE FROM wallets WHERE id = :w", {"w": world.wallet_id})
        await insert_row(database, "wallets", row | {"credit_balance": 7})
    assert raised.value.rule == "ledger"


async def test_a_read_only_unit_refuses_writes(database: datasdk.Database) -> None:
    with pytest.raises(errors.ReadOnlyTransactionError):
        await database.execute("INSERT INTO users (id) VALUES ('user_ro')", read_only=True)
    assert await fetch(database, "users") == []
    rows = (await database.execute("SELECT count(*) AS n FROM users", read_only=True)).rows
    assert rows == [{"n": 0}]
    # The connection is back to normal for the next unit of work.
    await database.execute("INSERT INTO users (id) VALUES ('user_rw')")
    assert len(await fetch(database, "users")) == 1
