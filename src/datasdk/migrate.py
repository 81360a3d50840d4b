"""Alembic, driven through the SDK's own engine, plus the helpers revisions use."""

from __future__ import annotations

import io
import re
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
from sqlalchemy import Connection, MetaData, inspect

from datasdk import project
from datasdk.errors import MigrationError
from datasdk.schema import applies, metadata
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


def sdk_versions() -> Path:
    return migrations_path() / "versions"


def alembic_config(
    extra_version_locations: Sequence[Path] = (), app_metadata: MetaData | None = None
) -> Config:
    cfg = Config()
    location = migrations_path()
    cfg.set_main_option("script_location", str(location))
    versions = [sdk_versions()]
    versions += [p for p in extra_version_locations if p.resolve() != versions[0].resolve()]
    cfg.set_main_option("version_locations", " ".join(str(path) for path in versions))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["app_metadata"] = app_metadata
    return cfg


def database_config(database: Database) -> Config:
    """Alembic's view of this database: the SDK's revisions and the application's."""
    app = database.app
    return alembic_config([app.versions] if app.versions else (), app.metadata)


async def run(
    database: Database, action: str, *args: Any, cfg: Config | None = None, **kwargs: Any
) -> str:
    """Run an Alembic command on the database's own engine; returns what it printed."""
    cfg = cfg or database_config(database)
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


async def upgrade(database: Database, revision: str = "heads", cfg: Config | None = None) -> None:
    await run(database, "upgrade", revision, cfg=cfg)


async def downgrade(database: Database, revision: str, cfg: Config | None = None) -> None:
    await run(database, "downgrade", revision, cfg=cfg)


async def heads(database: Database) -> tuple[str, ...]:
    """Every revision the database is at: the SDK's and, if applied, the application's."""

    def _heads(connection: Connection) -> tuple[str, ...]:
        return tuple(MigrationContext.configure(connection).get_current_heads())

    async with database.connection() as connection:
        return await connection.run_sync(_heads)


async def current(database: Database) -> str | None:
    """The SDK's revision the database is at (None before the first)."""
    own = set(revisions())
    found = [rev for rev in await heads(database) if rev in own]
    if found:
        return found[0]
    # An application revision depends on an SDK revision: that one is applied.
    script = ScriptDirectory.from_config(database_config(database))
    applied = {
        ancestor.revision
        for rev in await heads(database)
        for ancestor in script.iterate_revisions(rev, "base")
    }
    return next((rev for rev in reversed(revisions()) if rev in applied), None)


async def revision(
    database: Database, message: str, *, autogenerate: bool = False, path: Path | None = None
) -> str:
    """Write a new revision file; returns what Alembic printed.

    Into the application's directory, on its own branch that depends on the SDK's head;
    into the SDK's own `migrations/versions` only in a source checkout.
    """
    directory = path or database.app.versions
    if directory is None:
        raise MigrationError(
            "say where the application's revisions live: --path DIR, "
            f"${project.MIGRATIONS_ENV}, or `migrations = ...` under [tool.datasdk] "
            "in pyproject.toml"
        )
    directory = directory.resolve()
    options: dict[str, Any] = {}
    if directory == sdk_versions().resolve():
        if _installed(directory):
            raise MigrationError(
                "refusing to write into the installed datasdk package; "
                "write the application's revisions into a directory of its own (--path DIR)"
            )
        cfg = alembic_config((), database.app.metadata)
        options["head"] = "head"
    else:
        directory.mkdir(parents=True, exist_ok=True)
        cfg = alembic_config([directory], database.app.metadata)
        branch = database.app.branch
        if _has_revisions(directory):
            options["head"] = f"{branch}@head"
        else:  # the application's first revision starts its branch
            options.update(head="base", branch_label=branch, depends_on=revisions()[-1])
    if autogenerate:
        from datasdk.autogen import DRIFT_KEY, rule_drift

        async with database.connection() as connection:
            drift = await connection.run_sync(rule_drift, database.profile, database.app.metadata)
        cfg.attributes[DRIFT_KEY] = drift
    return await run(
        database,
        "revision",
        cfg=cfg,
        message=message,
        autogenerate=autogenerate,
        version_path=str(directory),
        **options,
    )


def _installed(directory: Path) -> bool:
    return "site-packages" in directory.parts or "dist-packages" in directory.parts


def _has_revisions(directory: Path) -> bool:
    return any(path.name != "__init__.py" for path in directory.glob("*.py"))


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
        # Alembic compares against a list of MetaData as against one (its own type says one).
        target: Any = target_metadata(database.app.metadata)
        return list(compare_metadata(context, target))

    async with database.connection() as connection:
        return await connection.run_sync(_diff)


def target_metadata(app_metadata: MetaData | None) -> list[MetaData]:
    """What the database should hold: the SDK's schema and the application's."""
    return [metadata, app_metadata] if app_metadata is not None else [metadata]


def revisions() -> list[str]:
    """Every revision id of the SDK, oldest first."""
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
    """`op.batch_alter_table` that keeps every trigger that mentions the table.

    On SQLite a batch operation rebuilds the table, which drops its triggers, and a
    trigger elsewhere that names it would break the rename. The triggers are taken
    from the database itself (what it holds now, never the live logical schema, so a
    frozen revision stays frozen), dropped first and created again afterwards. The
    table is rebuilt from its reflected definition, named CHECKs included.
    """
    connection = op.get_bind()
    held = _triggers_mentioning(connection, table)
    for _, drop, _ in reversed(held):
        connection.exec_driver_sql(drop)
    with op.batch_alter_table(table, **kwargs) as batch:
        yield batch
    for _, _, create in held:
        for sql in create:
            connection.exec_driver_sql(sql)


def _triggers_mentioning(connection: Connection, table: str) -> list[tuple[str, str, list[str]]]:
    config = op.get_context().config
    profile = config.attributes.get("profile") if config is not None else None
    if profile is None:
        raise MigrationError("run migrations through datasdk (Database.migrate or `datasdk db`)")
    mention = re.compile(rf"\b{re.escape(table)}\b")
    everything = profile.live_objects(connection, set(profile.catalog(connection).triggers))
    return [item for item in everything if any(mention.search(sql) for sql in item[2])]
