"""Frozen DDL: what a revision does, written down once per dialect at the time it was made.

A revision never reads the live logical schema: the first change to `datasdk.schema`
would otherwise change what old revisions do. Each revision runs SQL text that was
rendered when the revision was written: files `<revision>/<dialect>.{up,down}.sql`
beside the SDK's revisions, or literal statements inside an application's revision
(`run_statements`). `render_*` produce that text from the logical schema; they are
tools for writing a new revision, never called by one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from alembic import op
from sqlalchemy import Connection, Index, MetaData
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateIndex, CreateTable, DropIndex, DropTable

from datasdk.errors import MigrationError
from datasdk.schema import applies
from datasdk.schema.ddl import CreateRule, DropRule, statements
from datasdk.schema.rules import Rule

# SQL families: libSQL speaks SQLite's SQL, so it runs the sqlite files.
DIALECTS: dict[str, Dialect] = {
    "sqlite": sqlite.dialect(),
    "postgresql": postgresql.dialect(),  # type: ignore[no-untyped-call]
}
# Ends each statement in a frozen file; trigger and function bodies contain ';' of
# their own, so statements cannot be split on ';'.
BREAK = "\n-- datasdk:statement-end\n"


def split(text: str) -> list[str]:
    return [part.strip() for part in text.split(BREAK) if part.strip()]


def join(sql: Iterable[str]) -> str:
    return "".join(statement.strip() + BREAK for statement in sql)


def _family(connection: Connection) -> str:
    name = connection.dialect.name
    if name not in DIALECTS:
        raise MigrationError(f"no frozen DDL for the {name} dialect")
    return name


def run_statements(per_dialect: Mapping[str, Sequence[str]]) -> None:
    """Run the statements frozen for the migrating connection's dialect."""
    connection = op.get_bind()
    for sql in per_dialect[_family(connection)]:
        connection.exec_driver_sql(sql)


def run_files(directory: Path, direction: str) -> None:
    """Run `<directory>/<dialect>.<direction>.sql` on the migrating connection."""
    connection = op.get_bind()
    path = directory / f"{_family(connection)}.{direction}.sql"
    for sql in split(path.read_text(encoding="utf-8")):
        connection.exec_driver_sql(sql)


# -- rendering (for writing new revisions) -------------------------------------------


def render_tables(
    metadata: MetaData, names: Sequence[str], rules: Sequence[Rule], dialect: Dialect
) -> tuple[list[str], list[str]]:
    """(up, down) statements creating the tables with their rules, and dropping them."""
    up = [str(CreateTable(metadata.tables[name]).compile(dialect=dialect)) for name in names]
    down: list[str] = []
    for rule in rules:
        up += statements(CreateRule(rule), dialect)
    for rule in reversed(rules):
        down += statements(DropRule(rule), dialect)
    down += [str(DropTable(metadata.tables[name]).compile(dialect=dialect)) for name in names[::-1]]
    return up, down


def render_indexes(indexes: Sequence[Index], dialect: Dialect) -> tuple[list[str], list[str]]:
    """(up, down) statements creating the indexes that exist on this dialect."""
    present = [index for index in indexes if applies(index, dialect.name)]
    up = [str(CreateIndex(index).compile(dialect=dialect)) for index in present]
    down = [
        str(DropIndex(index, if_exists=True).compile(dialect=dialect)) for index in present[::-1]
    ]
    return up, down


def render_rules(rules: Sequence[Rule], dialect: Dialect) -> tuple[list[str], list[str]]:
    """(up, down) statements creating and dropping the rules."""
    up = [sql for rule in rules for sql in statements(CreateRule(rule), dialect)]
    down = [sql for rule in reversed(rules) for sql in statements(DropRule(rule), dialect)]
    return up, down


def write_files(directory: Path, rendered: Mapping[str, tuple[list[str], list[str]]]) -> None:
    """Write `<dialect>.up.sql` and `<dialect>.down.sql` for each dialect."""
    directory.mkdir(parents=True, exist_ok=True)
    for family, (up, down) in rendered.items():
        (directory / f"{family}.up.sql").write_text(join(up), encoding="utf-8")
        (directory / f"{family}.down.sql").write_text(join(down), encoding="utf-8")
