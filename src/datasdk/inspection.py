"""The live schema, reflected; and its drift from the logical schema (`datasdk db check`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Index, inspect
from sqlalchemy.engine import Dialect

from datasdk.dialects import BackendProfile
from datasdk.schema import INDEXES, RULES, applies, metadata
from datasdk.schema.ddl import CreateRule, statements

IGNORED_TABLES = frozenset({"alembic_version", "sqlite_sequence"})
_TRIGGER = re.compile(r"\s*CREATE TRIGGER (\w+) .*? ON (\w+)", re.DOTALL)
_FUNCTION = re.compile(r"\s*CREATE FUNCTION (\w+)\(")
_QUALIFIED = re.compile(r" ON \w+\.")
_ALWAYS = re.compile(r"ENABLE ALWAYS TRIGGER (\w+)")


@dataclass
class Shape:
    """A schema as names and definitions: enough to compare two databases exactly."""

    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    triggers: dict[str, dict[str, Any]] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)
    types: set[str] = field(default_factory=set)


def reflect(connection: Connection, profile: BackendProfile) -> Shape:
    """Everything the live database holds, as a comparable value."""
    inspector = inspect(connection)
    shape = Shape()
    for table in sorted(set(inspector.get_table_names()) - IGNORED_TABLES):
        indexes = [ix for ix in inspector.get_indexes(table) if "duplicates_constraint" not in ix]
        shape.tables[table] = {
            "columns": {
                column["name"]: (
                    str(column["type"]),
                    column["nullable"],
                    str(column.get("default")),
                )
                for column in inspector.get_columns(table)
            },
            "primary_key": inspector.get_pk_constraint(table).get("name"),
            "unique": {
                str(uq["name"]): tuple(uq["column_names"])
                for uq in inspector.get_unique_constraints(table)
            },
            "checks": {
                str(ck["name"]): _normalize(str(ck["sqltext"]))
                for ck in inspector.get_check_constraints(table)
            },
            "foreign_keys": {
                str(fk["name"]): (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    tuple(sorted((fk.get("options") or {}).items())),
                )
                for fk in inspector.get_foreign_keys(table)
            },
            "indexes": {
                str(ix["name"]): (
                    tuple(str(c) for c in ix["column_names"]),
                    bool(ix["unique"]),
                    tuple(
                        sorted((k, str(v)) for k, v in (ix.get("dialect_options") or {}).items())
                    ),
                )
                for ix in indexes
            },
        }
    catalog = profile.catalog(connection)
    shape.triggers = {
        name: {
            "table": info.table,
            "definition": _normalize(info.definition),
            "always": info.always,
        }
        for name, info in catalog.triggers.items()
    }
    shape.functions = {name: _normalize(src) for name, src in catalog.functions.items()}
    shape.types = set(catalog.types)
    return shape


def _normalize(sql: str) -> str:
    return " ".join(sql.split())


@dataclass
class _Expected:
    triggers: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> table, SQL
    functions: dict[str, str] = field(default_factory=dict)  # name -> body
    always: set[str] = field(default_factory=set)


def _expected_rule_objects(dialect: Dialect) -> _Expected:
    """The triggers, trigger functions and ALWAYS triggers the rules create here."""
    expected = _Expected()
    for rule in RULES:
        for sql in statements(CreateRule(rule), dialect):
            code = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
            if trigger := _TRIGGER.match(code):
                expected.triggers[trigger[1]] = (trigger[2], _normalize(code))
            elif function := _FUNCTION.match(code):
                expected.functions[function[1]] = _normalize(code.split("$$")[1])
            expected.always.update(_ALWAYS.findall(code))
    return expected


def _comparable_trigger(definition: str) -> str:
    # PostgreSQL prints the table schema-qualified; the rules name it bare.
    return _QUALIFIED.sub(" ON ", _normalize(definition))


def drift(connection: Connection, profile: BackendProfile) -> list[str]:
    """How the live database differs from the logical schema; empty when it matches."""
    live = reflect(connection, profile)
    dialect = connection.dialect
    problems: list[str] = []

    def compare(kind: str, where: str, expected: set[str], actual: set[str]) -> None:
        for name in sorted(expected - actual):
            problems.append(f"missing {kind} {name} on {where}")
        for name in sorted(actual - expected):
            problems.append(f"unexpected {kind} {name} on {where}")

    compare("table", "the database", set(metadata.tables), set(live.tables))
    for name, table in metadata.tables.items():
        found = live.tables.get(name)
        if found is None:
            continue
        compare("column", name, {c.name for c in table.columns}, set(found["columns"]))
        for column in table.columns:
            reflected = found["columns"].get(column.name)
            if reflected is not None and reflected[1] != column.nullable:
                wanted = "nullable" if column.nullable else "NOT NULL"
                problems.append(f"column {name}.{column.name} should be {wanted}")
        constraints = {
            str(c.name) for c in table.constraints if c.name and applies(c, dialect.name)
        }
        present = (
            set(found["unique"])
            | set(found["checks"])
            | set(found["foreign_keys"])
            | {str(found["primary_key"])}
        )
        compare("constraint", name, constraints, present)
        indexes = {
            str(ix.name) for ix in INDEXES if _table_of(ix) == name and applies(ix, dialect.name)
        }
        compare("index", name, indexes, set(found["indexes"]))

    expected = _expected_rule_objects(dialect)
    compare("trigger", "the database", set(expected.triggers), set(live.triggers))
    compare("function", "the database", set(expected.functions), set(live.functions))
    for name, (_, definition) in sorted(expected.triggers.items()):
        found = live.triggers.get(name)
        if found is not None and _comparable_trigger(found["definition"]) != definition:
            problems.append(f"trigger {name} differs from the rule's definition")
    for name, body in sorted(expected.functions.items()):
        if name in live.functions and live.functions[name] != body:
            problems.append(f"function {name} differs from the rule's definition")
    for name in sorted(expected.always & set(live.triggers)):
        if not live.triggers[name]["always"]:
            problems.append(f"trigger {name} is not ENABLE ALWAYS: replica sessions would skip it")
    return problems


def _table_of(index: Index) -> str | None:
    return index.table.name if index.table is not None else None
