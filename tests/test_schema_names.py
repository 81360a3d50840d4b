"""Names in the logical schema: short enough for PostgreSQL, unique, and by convention."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import (
    CheckConstraint,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import Constraint

import datasdk  # noqa: F401  (registers the per-dialect compilers)
from datasdk.schema import INDEXES, RULES, metadata
from datasdk.schema.ddl import CreateRule
from datasdk.validation import is_content_key as _is_content_name

# PostgreSQL silently truncates identifiers longer than NAMEDATALEN - 1 bytes.
MAX_IDENTIFIER = 63
DIALECTS = {
    "sqlite": sqlite.dialect(),
    "postgresql": postgresql.dialect(),  # type: ignore[no-untyped-call]
}


def _rule_object_names(dialect_name: str, pattern: str) -> list[str]:
    dialect = DIALECTS[dialect_name]
    names: list[str] = []
    for rule in RULES:
        names += re.findall(pattern, str(CreateRule(rule).compile(dialect=dialect)))
    return names


def _constraints() -> list[tuple[str, Constraint]]:
    return [(table.name, c) for table in metadata.tables.values() for c in table.constraints]


def test_table_names_fit_postgresql() -> None:
    assert metadata.tables
    assert [name for name in metadata.tables if len(name) > MAX_IDENTIFIER] == []


def test_constraint_and_index_names_fit_postgresql() -> None:
    names = [str(c.name) for _, c in _constraints()]
    names += [str(index.name) for index in INDEXES]
    assert [name for name in names if len(name) > MAX_IDENTIFIER] == []


def test_not_null_violation_names_fit_postgresql() -> None:
    names = [
        f"nn_{table.name}_{column.name}"
        for table in metadata.tables.values()
        for column in table.columns
        if not column.nullable
    ]
    assert [name for name in names if len(name) > MAX_IDENTIFIER] == []


@pytest.mark.parametrize(
    ("dialect_name", "pattern"),
    [
        ("sqlite", r"CREATE TRIGGER (\w+)"),
        ("postgresql", r"CREATE TRIGGER (\w+)"),
        ("postgresql", r"CREATE FUNCTION (\w+)"),
    ],
)
def test_rule_objects_are_unique_and_fit_postgresql(dialect_name: str, pattern: str) -> None:
    names = _rule_object_names(dialect_name, pattern)
    assert names, "the rules rendered no objects"
    assert [name for name, n in Counter(names).items() if n > 1] == []
    assert [name for name in names if len(name) > MAX_IDENTIFIER] == []


def test_sqlite_renders_a_trigger_for_every_rule() -> None:
    for rule in RULES:
        sql = str(CreateRule(rule).compile(dialect=DIALECTS["sqlite"]))
        assert "CREATE TRIGGER" in sql, rule


def test_names_unique_across_constraints_and_indexes() -> None:
    # PostgreSQL keeps constraint-backed indexes and indexes in one namespace per schema.
    names = [str(c.name) for _, c in _constraints()]
    names += [str(index.name) for index in INDEXES]
    assert [name for name, n in Counter(names).items() if n > 1] == []


_PREFIXES: dict[type[Constraint], str] = {
    PrimaryKeyConstraint: "pk_",
    UniqueConstraint: "uq_",
    CheckConstraint: "ck_",
    ForeignKeyConstraint: "fk_",
}


def test_every_constraint_is_named_by_the_convention() -> None:
    wrong = []
    for table, constraint in _constraints():
        prefix = _PREFIXES[type(constraint)]
        if "column" in constraint.info:  # a type check: ty_<table>_<column>
            prefix = "ty_"
        name = constraint.name
        if not name or not str(name).startswith(f"{prefix}{table}"):
            wrong.append((table, type(constraint).__name__, name))
    assert wrong == []


def test_every_index_starts_with_idx() -> None:
    indexes = {index.name for table in metadata.tables.values() for index in table.indexes}
    assert indexes == {index.name for index in INDEXES}
    assert [name for name in indexes if not str(name).startswith("idx_")] == []


def test_audit_logs_has_no_content_bearing_column() -> None:
    columns = [column.name for column in metadata.tables["audit_logs"].columns]
    assert [name for name in columns if _is_content_name(name)] == []


@pytest.mark.parametrize(
    "name",
    ["body", "html", "page_text", "dom_snapshot", "screenshot_url", "raw_html", "content"],
)
def test_content_names_are_flagged(name: str) -> None:
    assert _is_content_name(name)
    assert _is_content_name(name.upper())


@pytest.mark.parametrize(
    "name", ["content_hash", "content_type", "url_accessed", "http_headers", "http_status"]
)
def test_metadata_names_are_not_flagged(name: str) -> None:
    assert not _is_content_name(name)
