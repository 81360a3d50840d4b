"""Migrations: fresh, incremental, reversible, equal to create_all, guarded and checked."""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import select

import datasdk
from datasdk import errors, migrate
from datasdk.inspection import Shape, reflect
from datasdk.schema import RULES, TABLE_ORDER, metadata
from datasdk.schema.ddl import create_rules, drop_rules
from datasdk.schema.rules import RowLimit
from support import build_world, fill_every_table, insert_row, valid_row

OpenDatabase = Callable[..., Awaitable[datasdk.Database]]
REVISIONS = migrate.revisions()
HEAD = REVISIONS[-1]
# The tables each revision leaves behind it.
TABLES_AT = {
    "0001_core_tables": {"users", "wallets", "scan_jobs", "credit_transactions", "scan_results"},
    "0002_audit_logs": {"audit_logs"},
    "0003_monitoring_tables": {"domains", "scans", "scan_modules", "reports", "error_logs"},
    "0004_indexes": set(),
    "0005_type_checks": set(),
    "0006_flat_ledger": set(),
    "0007_canonical_values": set(),
}


async def _shape(db: datasdk.Database) -> Shape:
    async with db.connection() as connection:
        return await connection.run_sync(reflect, db.profile)


async def _is_empty(db: datasdk.Database) -> None:
    shape = await _shape(db)
    assert (shape.tables, shape.triggers, shape.functions, shape.types) == ({}, {}, {}, set())


def test_revisions_follow_the_seeds_order() -> None:
    assert list(TABLES_AT) == REVISIONS
    assert set().union(*TABLES_AT.values()) == set(TABLE_ORDER)


async def test_fresh_upgrade(open_database: OpenDatabase) -> None:
    db = await open_database()
    assert await db.current_revision() is None
    await db.migrate()
    assert await db.current_revision() == HEAD
    assert await db.check() == []


@pytest.mark.parametrize("start", REVISIONS[:-1])
async def test_upgrade_from_every_revision_keeps_rows(
    open_database: OpenDatabase, start: str
) -> None:
    db = await open_database()
    await db.migrate(start)
    present = set().union(*(TABLES_AT[r] for r in REVISIONS[: REVISIONS.index(start) + 1]))
    user = await insert_row(db, "users", valid_row("users", {}))
    parents = {"user_id": user["id"]}
    parents["wallet_id"] = (await insert_row(db, "wallets", valid_row("wallets", parents)))["id"]
    parents["job_id"] = (await insert_row(db, "scan_jobs", valid_row("scan_jobs", parents)))["id"]
    await insert_row(db, "credit_transactions", valid_row("credit_transactions", parents))
    if "audit_logs" in present:
        await insert_row(db, "audit_logs", valid_row("audit_logs", parents))
    shape = await _shape(db)
    # Only the columns the start revision has: later revisions may add some.
    columns = {table: sorted(shape.tables[table]["columns"]) for table in present}
    before = {table: await _rows(db, table, columns[table]) for table in sorted(present)}
    await db.migrate()
    assert {table: await _rows(db, table, columns[table]) for table in sorted(present)} == before
    assert await db.check() == []


async def _rows(
    db: datasdk.Database, table: str, columns: list[str] | None = None
) -> list[dict[str, object]]:
    t = metadata.tables[table]
    chosen = [t.c[name] for name in columns] if columns is not None else list(t.c)
    statement = select(*chosen).order_by(*t.primary_key.columns)
    return (await db.execute(statement)).rows


async def test_downgrade_to_base_leaves_nothing(open_database: OpenDatabase) -> None:
    db = await open_database()
    await db.migrate()
    await db.downgrade("base")
    assert await db.current_revision() is None
    await _is_empty(db)


async def test_every_step_down_and_up_again(open_database: OpenDatabase) -> None:
    db = await open_database()
    await db.migrate()
    for revision in reversed(REVISIONS[:-1]):
        await db.downgrade(revision)
        assert await db.current_revision() == revision
    await db.downgrade("base")
    await _is_empty(db)
    for revision in REVISIONS:
        await db.migrate(revision)
    assert await db.check() == []
    await db.downgrade("base")
    await db.migrate()
    assert await db.check() == []


async def test_a_migrated_database_equals_a_created_one(open_database: OpenDatabase) -> None:
    # One database in turn, so the test runs where the backend has only one.
    db = await open_database()
    async with db.connection() as connection, connection.begin():
        await connection.run_sync(metadata.create_all)
    created = await _shape(db)
    assert await db.check() == []
    async with db.connection() as connection, connection.begin():
        await connection.run_sync(metadata.drop_all)
    await _is_empty(db)
    await db.migrate()
    assert await _shape(db) == created


async def test_autogenerate_finds_nothing_to_do_at_head(database: datasdk.Database) -> None:
    assert await migrate.autogenerate_diff(database) == []


async def test_check_reports_a_dropped_trigger_and_a_dropped_index(
    database: datasdk.Database,
) -> None:
    append_only = next(r for r in RULES if r.table == "audit_logs" and r.kind == "append_only")
    async with database.connection() as connection, connection.begin():
        await connection.run_sync(lambda sync: drop_rules(sync, [append_only]))
    await database.execute("DROP INDEX idx_scans_user")
    problems = await database.check()
    assert "missing index idx_scans_user on scans" in problems
    assert any(p.startswith("missing trigger trg_audit_logs_append_only") for p in problems)


def _revision(directory: Path, body: str) -> Path:
    """A revision after head, in a versions directory of the test's own."""
    directory.mkdir(exist_ok=True)
    steps = textwrap.indent(textwrap.dedent(body).strip(), "    ")
    header = (
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        "from datasdk.migrate import batch_alter_table\n\n"
        f'revision = "9001_extra"\ndown_revision = "{HEAD}"\n'
        "branch_labels = None\ndepends_on = None\n\n\n"
    )
    functions = f"def upgrade() -> None:\n{steps}\n\n\ndef downgrade() -> None:\n    pass\n"
    (directory / "9001_extra.py").write_text(header + functions)
    return directory


@pytest.mark.parametrize("column", ["page_body", "raw_html", "dom_snapshot", "screenshot"])
async def test_audit_logs_never_get_a_content_column(
    database: datasdk.Database, tmp_path: Path, column: str
) -> None:
    versions = _revision(
        tmp_path / "versions", f'op.add_column("audit_logs", sa.Column("{column}", sa.Text()))'
    )
    with pytest.raises(errors.MigrationError, match=column):
        await migrate.upgrade(database, "heads", cfg=migrate.alembic_config([versions]))
    assert await database.current_revision() == HEAD
    assert await database.check() == []


async def test_batch_operations_keep_the_rules(database: datasdk.Database, tmp_path: Path) -> None:
    world = await fill_every_table(database)
    versions = _revision(
        tmp_path / "versions",
        # Changing a column's type makes SQLite rebuild the table; each change is
        # undone by a second rebuild, so the schema ends where it started.
        """
        for table, column in [
            ("audit_logs", "content_type"),
            ("credit_transactions", "kind"),
            ("scan_modules", "platform"),
        ]:
            with batch_alter_table(table) as batch:
                batch.alter_column(column, existing_type=sa.Text(), type_=sa.String(300))
            with batch_alter_table(table) as batch:
                batch.alter_column(column, existing_type=sa.String(300), type_=sa.Text())
        """,
    )
    before = await _rows(database, "audit_logs")
    await migrate.upgrade(database, "heads", cfg=migrate.alembic_config([versions]))
    assert await database.check() == []
    assert await _rows(database, "audit_logs") == before
    with pytest.raises(errors.AppendOnlyViolation):
        await database.execute("DELETE FROM audit_logs")
    with pytest.raises(errors.CheckViolation):
        await insert_row(
            database, "audit_logs", valid_row("audit_logs", world.parents) | {"http_status": 42}
        )
    with pytest.raises(errors.CheckViolation):
        await insert_row(
            database,
            "credit_transactions",
            valid_row("credit_transactions", world.parents) | {"amount": -1000},
        )


async def test_check_reports_a_rule_redefined_under_its_own_name(
    database: datasdk.Database,
) -> None:
    limit = next(r for r in RULES if isinstance(r, RowLimit))
    loosened = dataclasses.replace(limit, limit=limit.limit + 5)
    async with database.connection() as connection, connection.begin():
        await connection.run_sync(lambda sync: drop_rules(sync, [limit]))
        await connection.run_sync(lambda sync: create_rules(sync, [loosened]))
    problems = await database.check()
    assert problems
    assert all("domain_limit" in p and " differs" in p for p in problems)


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        (
            [
                "DROP INDEX idx_users_provider",
                "CREATE INDEX idx_users_provider ON users (provider, provider_id)",
            ],
            "index idx_users_provider on users differs",
        ),
        (
            [
                "DROP INDEX idx_scans_completed",
                "CREATE INDEX idx_scans_completed ON scans (completed_at)",
            ],
            "index idx_scans_completed on scans differs",
        ),
    ],
)
async def test_check_reports_an_index_redefined_under_its_own_name(
    database: datasdk.Database, statements: list[str], expected: str
) -> None:
    for statement in statements:
        await database.execute(statement)
    problems = await database.check()
    [problem] = problems
    assert problem.startswith(expected)


async def _raw_rows(db: datasdk.Database, table: str) -> list[dict[str, object]]:
    """Rows as stored, untyped: a wrong-typed value would not read back as its type."""
    return (await db.execute(f"SELECT * FROM {table} ORDER BY id")).rows


async def _before_type_checks(open_database: OpenDatabase) -> datasdk.Database:
    """A database as 0004 left it (the revisions are frozen: 0004 always leaves the same)."""
    db = await open_database()
    await db.migrate("0004_indexes")
    return db


async def test_type_checks_upgrade_keeps_rows_and_every_rule(open_database: OpenDatabase) -> None:
    db = await _before_type_checks(open_database)
    world = await fill_every_table(db)
    shape = await _shape(db)
    # The columns 0004 has: a later revision adds one.
    columns = {table: sorted(shape.tables[table]["columns"]) for table in TABLE_ORDER}
    before = {table: await _rows(db, table, columns[table]) for table in TABLE_ORDER}
    await db.migrate()
    assert {table: await _rows(db, table, columns[table]) for table in TABLE_ORDER} == before
    assert await db.check() == []
    # The rules' triggers still fire, and the new type checks refuse.
    with pytest.raises(errors.AppendOnlyViolation):
        await db.execute("DELETE FROM audit_logs")
    with pytest.raises(errors.AppendOnlyViolation):
        await db.execute("UPDATE credit_transactions SET amount = 5")
    with pytest.raises(errors.InvalidStateTransition):
        await db.execute(
            "UPDATE scan_jobs SET state = 'COMPLETED', version = version + 1 WHERE id = :id",
            {"id": world.job_id},
        )
    with pytest.raises(errors.RuleViolation, match="version_bump"):
        await db.execute("UPDATE scan_jobs SET url = 'https://other.example/'")
    with pytest.raises(errors.ForeignKeyViolation):
        await insert_row(db, "wallets", valid_row("wallets", {"user_id": "nobody"}))
    balance = (await _rows(db, "wallets"))[0]["credit_balance"]
    await insert_row(db, "credit_transactions", valid_row("credit_transactions", world.parents))
    assert (await _rows(db, "wallets"))[0]["credit_balance"] == balance + 10
    with pytest.raises(errors.InvalidValue):
        await db.execute("UPDATE domains SET is_active = 3")


async def test_type_checks_upgrade_refuses_rows_their_types_refuse(
    open_database: OpenDatabase,
) -> None:
    """Where the database at 0004 took a wrong-typed value, the upgrade names the rows
    and changes nothing; where it refused the value, there is nothing to refuse."""
    db = await _before_type_checks(open_database)
    world = await build_world(db)
    bad = {
        "error_logs": valid_row("error_logs", {}) | {"ip": "not-an-address"},
        "reports": valid_row("reports", world.parents) | {"file_size": "big"},
    }
    stored = []
    for table, row in bad.items():
        values = ", ".join(f":{column}" for column in row)
        try:
            await db.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({values})", row)
            stored.append(table)
        except errors.InvalidValue:
            pass
    if not stored:
        await db.migrate()
        assert await db.check() == []
        return
    before = {table: await _raw_rows(db, table) for table in TABLE_ORDER}
    with pytest.raises(errors.MigrationError) as caught:
        await db.migrate()
    report = str(caught.value)
    for table, column in (("error_logs", "ip"), ("reports", "file_size")):
        if table in stored:
            assert f"{table}.{column}: rows with id {bad[table]['id']}" in report
    assert await db.current_revision() == "0004_indexes"
    assert {table: await _raw_rows(db, table) for table in TABLE_ORDER} == before
    for table in stored:
        await db.execute(f"DELETE FROM {table} WHERE id = :id", {"id": bad[table]["id"]})
    await db.migrate()
    assert await db.check() == []


async def test_canonical_values_upgrade_refuses_rows_no_backend_stores_alike(
    open_database: OpenDatabase,
) -> None:
    """0007 adds the checks that make every backend refuse the same values. Rows an
    older schema took (NUL in text or as a JSON escape on SQLite, a network prefix in
    inet on PostgreSQL) are named and nothing changes; once gone, the upgrade runs and
    every other row is kept. The downgrade takes the checks away and keeps the rows."""
    db = await open_database()
    await db.migrate("0006_flat_ledger")
    world = await fill_every_table(db)
    bad = {
        ("error_logs", "message"): {"message": "a\x00b"},
        ("error_logs", "context"): {"context": '{"a": "\\u0000"}'},
        ("error_logs", "ip"): {"ip": "10.0.0.1/24"},
    }
    stored: dict[tuple[str, str], str] = {}
    for (table, column), values in bad.items():
        row = valid_row(table, world.parents) | values
        names = ", ".join(row)
        try:
            await db.execute(
                f"INSERT INTO {table} ({names}) VALUES ({', '.join(f':{c}' for c in row)})", row
            )
            stored[(table, column)] = str(row["id"])
        except errors.InvalidValue:
            pass  # refused already, by this backend's column type
    assert stored  # each backend took at least one of them
    ids = sorted(str(row["id"]) for row in await _raw_rows(db, "error_logs"))
    with pytest.raises(errors.MigrationError) as caught:
        await db.migrate()
    for (table, column), key in stored.items():
        assert f"{table}.{column}: rows with id {key}" in str(caught.value)
    assert await db.current_revision() == "0006_flat_ledger"
    assert sorted(str(row["id"]) for row in await _raw_rows(db, "error_logs")) == ids
    for key in stored.values():
        await db.execute("DELETE FROM error_logs WHERE id = :id", {"id": key})
    before = {table: await _rows(db, table) for table in TABLE_ORDER}
    await db.migrate()
    assert await db.current_revision() == "0007_canonical_values"
    assert {table: await _rows(db, table) for table in TABLE_ORDER} == before
    assert await db.check() == []
    with pytest.raises(errors.InvalidValue):
        await db.execute("UPDATE error_logs SET ip = '10.0.0.1/24'")
    await db.downgrade("0006_flat_ledger")
    assert {table: await _rows(db, table) for table in TABLE_ORDER} == before
    await db.migrate()
    assert await db.check() == []
