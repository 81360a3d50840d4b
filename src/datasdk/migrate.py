"""Alembic, driven through the SDK's own engine, plus the helpers revisions use."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, redirect_stdout
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command, context, op
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, inspect
from sqlalchemy.schema import CreateTable, DropTable

from datasdk.errors import MigrationError
from datasdk.schema import INDEXES, RULES, applies, metadata, rules_for
from datasdk.schema.ddl import create_rules, drop_rules
from datasdk.schema.rules import rules_mentioning
from datasdk.validation import is_content_key

if TYPE_CHECKING:
    from datasdk.database import Database


def migrations_path() -> Path:
    """The Alembic environment: inside the wheel, or the source tree's `migrations/`."""
    packaged = Path(str(resources.files("datasdk"))) / "migrations"
    if (packaged / "env.py").is_file():
        return packaged
    source = Path(__file__).resolve().parents[2] / "migrations"
    if (source / "env.py").is_file():
        return source
    raise MigrationError("the datasdk migrations are missing from this installation")


def alembic_config(extra_version_locations: Sequence[Path] = ()) -> Config:
    cfg = Config()
    location = migrations_path()
    cfg.set_main_option("script_location", str(location))
    versions = [location / "versions", *extra_version_locations]
    cfg.set_main_option("version_locations", " ".join(str(path) for path in versions))
    cfg.set_main_option("path_separator", "space")
    return cfg


async def run(
    database: Database, action: str, *args: Any, cfg: Config | None = None, **kwargs: Any
) -> str:
    """Run an Alembic command on the database's own engine; returns what it printed."""
    cfg = cfg or alembic_config()
    output = io.StringIO()
    cfg.stdout = output

    def _run(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        cfg.attributes["profile"] = database.profile
        with database.profile.migration_session(connection), redirect_stdout(output):
            try:
                getattr(command, action)(cfg, *args, **kwargs)
                if connection.in_transaction():
                    connection.commit()
            except BaseException:
                if connection.in_transaction():
                    connection.rollback()
                raise

    try:
        async with database.connection() as connection:
            try:
                await connection.run_sync(_run)
            finally:
                # Migration sessions change per-connection settings: never reuse one.
                await connection.invalidate()
    except CommandError as exc:
        raise MigrationError(str(exc)) from None
    return output.getvalue()


async def upgrade(database: Database, revision: str = "head", cfg: Config | None = None) -> None:
    await run(database, "upgrade", revision, cfg=cfg)


async def downgrade(database: Database, revision: str, cfg: Config | None = None) -> None:
    await run(database, "downgrade", revision, cfg=cfg)


async def current(database: Database) -> str | None:
    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with database.connection() as connection:
        return await connection.run_sync(_current)


async def autogenerate_diff(database: Database) -> list[Any]:
    """What `db revision --autogenerate` would write: empty when the database is at head."""

    def _diff(connection: Connection) -> list[Any]:
        options = {
            "compare_type": True,
            "include_object": lambda item, name, type_, reflected, compare_to: (
                reflected or applies(item, connection.dialect.name)
            ),
        }
        context = MigrationContext.configure(connection, opts=options)
        return list(compare_metadata(context, metadata))

    async with database.connection() as connection:
        return await connection.run_sync(_diff)


def revisions() -> list[str]:
    """Every revision id, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


# -- guard ----------------------------------------------------------------------------


def content_columns(connection: Connection) -> list[str]:
    """audit_logs columns whose names say they could hold page content."""
    inspector = inspect(connection)
    if not inspector.has_table("audit_logs"):
        return []
    names = [column["name"] for column in inspector.get_columns("audit_logs")]
    return [name for name in names if is_content_key(name)]


def refuse_content_columns(connection: Connection, revision: str) -> None:
    found = content_columns(connection)
    if found:
        raise MigrationError(
            f"revision {revision} gives audit_logs the content-bearing column(s) "
            f"{', '.join(found)}: the audit trail stores hashes and metadata, never page "
            "content; store a content_hash instead"
        )


# -- helpers for revisions ------------------------------------------------------------


def create_tables(names: Sequence[str]) -> None:
    """Create tables of the logical schema with their rules (not their indexes)."""
    connection = op.get_bind()
    for name in names:
        connection.execute(CreateTable(metadata.tables[name]))
    create_rules(connection, rules_for(RULES, names))


def drop_tables(names: Sequence[str]) -> None:
    connection = op.get_bind()
    drop_rules(connection, rules_for(RULES, names))
    for name in reversed(names):
        connection.execute(DropTable(metadata.tables[name]))


def create_indexes() -> None:
    connection = op.get_bind()
    for index in INDEXES:
        index.create(connection)


def drop_indexes() -> None:
    connection = op.get_bind()
    for index in reversed(INDEXES):
        index.drop(connection, checkfirst=True)


# How many offending rows a refused migration names per column.
REPORTED_ROWS = 10


def refuse_violations(revision: str, checks: Mapping[str, Sequence[tuple[str, str, str]]]) -> None:
    """Refuse, changing nothing, if existing rows break any of the CHECKs about to be
    added: {table: ((name, column, expression), ...)}. The error names each table and
    column and the ids of the first offending rows (never their values)."""
    connection = op.get_bind()
    problems = []
    for table, items in checks.items():
        for _, column, sql in items:
            ids = connection.exec_driver_sql(
                f"SELECT id FROM {table} WHERE NOT ({sql}) ORDER BY id LIMIT {REPORTED_ROWS + 1}"
            ).fetchall()
            if ids:
                shown = ", ".join(str(row[0]) for row in ids[:REPORTED_ROWS])
                more = " and more" if len(ids) > REPORTED_ROWS else ""
                problems.append(f"{table}.{column}: rows with id {shown}{more}")
    if problems:
        raise MigrationError(
            f"revision {revision} refused: existing rows hold values their column's type "
            "does not accept; correct or delete them and upgrade again:\n  " + "\n  ".join(problems)
        )


def replace_checks(
    changes: Mapping[str, tuple[Sequence[str], Sequence[tuple[str, str]]]],
    triggers: Mapping[str, str] | None = None,
) -> None:
    """Drop and add named CHECKs of existing tables, on this backend's terms
    ({table: (names to drop, (name, expression) to add)}); SQLite rebuilds the tables,
    keeping their indexes and every trigger but those `triggers` gives new SQL for."""
    profile = context.config.attributes["profile"]
    profile.replace_checks(op.get_bind(), changes, triggers or {})


@contextmanager
def batch_alter_table(table: str, **kwargs: Any) -> Iterator[Any]:
    """`op.batch_alter_table` that keeps the rules of the table.

    On SQLite a batch operation rebuilds the table, which drops its triggers, and a
    trigger elsewhere that names it would break the rename: every rule mentioning
    the table is dropped first and created again afterwards, on every backend.
    """
    connection = op.get_bind()
    affected = rules_mentioning(RULES, table)
    drop_rules(connection, affected)
    # Rebuild from the logical table, so named CHECKs and indexes come back as declared.
    kwargs.setdefault("copy_from", metadata.tables[table])
    with op.batch_alter_table(table, **kwargs) as batch:
        yield batch
    # A rebuild creates every index of the logical table, ddl_if or not.
    for index in metadata.tables[table].indexes:
        if not applies(index, connection.dialect.name):
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")
    create_rules(connection, affected)
