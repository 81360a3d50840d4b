"""The live schema, reflected; and its drift from the logical schema (`datasdk db check`).

The logical schema is not compared with the live one name by name: it is created
afresh in a scratch space of the same backend (an in-memory SQLite database, or a
PostgreSQL schema inside a transaction that is rolled back) and both are reflected
the same way, so a CHECK rewritten, an index made non-unique or a trigger body
replaced under its old name all show up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, MetaData, inspect

from datasdk.dialects import BackendProfile
from datasdk.schema import metadata

IGNORED_TABLES = frozenset({"alembic_version", "sqlite_sequence"})
_QUALIFIED = re.compile(r" ON \w+\.")


@dataclass
class Shape:
    """A schema as names and definitions: enough to compare two databases exactly."""

    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    triggers: dict[str, dict[str, Any]] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)
    types: set[str] = field(default_factory=set)


def _normalize(sql: str) -> str:
    return " ".join(sql.split())


def _options(item: dict[str, Any], *keys: str) -> tuple[tuple[str, str], ...]:
    found = {k: item.get(k) for k in keys if item.get(k)}
    found.update(item.get("dialect_options") or {})
    return tuple(sorted((k, _normalize(str(v))) for k, v in found.items()))


def _table(inspector: Any, table: str, schema: str | None) -> dict[str, Any]:
    indexes = inspector.get_indexes(table, schema=schema)
    return {
        "columns": {
            c["name"]: (str(c["type"]), c["nullable"], _normalize(str(c.get("default"))))
            for c in inspector.get_columns(table, schema=schema)
        },
        "primary_key": inspector.get_pk_constraint(table, schema=schema).get("name"),
        "unique": {
            str(uq["name"]): tuple(uq["column_names"])
            for uq in inspector.get_unique_constraints(table, schema=schema)
        },
        "checks": {
            str(ck["name"]): _normalize(str(ck["sqltext"]))
            for ck in inspector.get_check_constraints(table, schema=schema)
        },
        "foreign_keys": {
            str(fk["name"]): (
                tuple(fk["constrained_columns"]),
                fk["referred_table"],
                tuple(fk["referred_columns"]),
                tuple(sorted((fk.get("options") or {}).items())),
            )
            for fk in inspector.get_foreign_keys(table, schema=schema)
        },
        "indexes": {
            str(ix["name"]): (
                tuple(str(c) for c in ix["column_names"]),
                bool(ix["unique"]),
                _options(ix, "column_sorting", "expressions"),
            )
            for ix in indexes
            if "duplicates_constraint" not in ix
        },
    }


def reflect(connection: Connection, profile: BackendProfile, schema: str | None = None) -> Shape:
    """Everything the database holds (in `schema`, else the default one), comparably."""
    inspector = inspect(connection)
    names = set(inspector.get_table_names(schema=schema)) - IGNORED_TABLES
    catalog = profile.catalog(connection)
    return Shape(
        tables={name: _table(inspector, name, schema) for name in sorted(names)},
        triggers={
            name: {
                "table": info.table,
                "definition": _QUALIFIED.sub(" ON ", _normalize(info.definition)),
                "always": info.always,
            }
            for name, info in catalog.triggers.items()
        },
        functions={name: _normalize(src) for name, src in catalog.functions.items()},
        types=set(catalog.types),
    )


def expected(
    connection: Connection, profile: BackendProfile, app_metadata: MetaData | None = None
) -> Shape:
    """The logical schema (and the application's) as this backend holds it, created in
    a scratch space."""
    with profile.scratch_space(connection) as (scratch, schema):
        metadata.create_all(scratch, checkfirst=False)
        if app_metadata is not None:
            app_metadata.create_all(scratch, checkfirst=False)
        return reflect(scratch, profile, schema)


def drift(
    connection: Connection, profile: BackendProfile, app_metadata: MetaData | None = None
) -> list[str]:
    """How the live database differs from the logical schema; empty when it matches."""
    live = reflect(connection, profile)
    if connection.in_transaction():
        connection.rollback()
    return compare(expected(connection, profile, app_metadata), live)


def compare(want: Shape, have: Shape) -> list[str]:
    """Readable differences, one line each."""
    problems: list[str] = []
    _compare_dicts(problems, "table", "the database", want.tables, have.tables, nested=True)
    for name in sorted(want.tables.keys() & have.tables.keys()):
        for part in ("columns", "unique", "checks", "foreign_keys", "indexes"):
            kind = {"columns": "column", "foreign_keys": "foreign key", "checks": "check"}.get(
                part, "unique constraint" if part == "unique" else "index"
            )
            _compare_dicts(problems, kind, name, want.tables[name][part], have.tables[name][part])
        wanted_pk, found_pk = want.tables[name]["primary_key"], have.tables[name]["primary_key"]
        if wanted_pk != found_pk:
            problems.append(f"primary key of {name} is {found_pk}, not {wanted_pk}")
    _compare_dicts(problems, "trigger", "the database", want.triggers, have.triggers)
    _compare_dicts(problems, "function", "the database", want.functions, have.functions)
    for name in sorted(want.types ^ have.types):
        problems.append(f"{'missing' if name in want.types else 'unexpected'} type {name}")
    return problems


def _compare_dicts(
    problems: list[str],
    kind: str,
    where: str,
    want: dict[str, Any],
    have: dict[str, Any],
    nested: bool = False,
) -> None:
    for name in sorted(want.keys() - have.keys()):
        problems.append(f"missing {kind} {name} on {where}")
    for name in sorted(have.keys() - want.keys()):
        problems.append(f"unexpected {kind} {name} on {where}")
    if nested:
        return
    for name in sorted(want.keys() & have.keys()):
        if want[name] == have[name]:
            continue
        detail = f": expected {want[name]}, found {have[name]}"
        # A whole trigger or function body says nothing a reader can use; name it.
        short = detail if len(detail) <= 200 else " from the logical schema"
        problems.append(f"{kind} {name} on {where} differs{short}")
