"""DDL constructs for the rules, compiled per dialect in `datasdk.dialects`.

A rule renders as several statements (trigger functions, triggers, ...), while a
driver runs one statement per call; the compiled text is split on
`STATEMENT_BREAK`, which only datasdk's own renderers emit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Table, event
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import ExecutableDDLElement

from datasdk.schema.rules import Rule

STATEMENT_BREAK = "\n;--datasdk-statement-break--\n"


class CreateRule(ExecutableDDLElement):
    inherit_cache = False

    def __init__(self, rule: Rule) -> None:
        self.rule = rule


class DropRule(ExecutableDDLElement):
    inherit_cache = False

    def __init__(self, rule: Rule) -> None:
        self.rule = rule


def statements(element: CreateRule | DropRule, dialect: Dialect) -> list[str]:
    """The element's SQL for a dialect, one statement per item."""
    compiled = str(element.compile(dialect=dialect))
    return [part.strip() for part in compiled.split(STATEMENT_BREAK) if part.strip()]


def create_rules(connection: Connection, rules: Iterable[Rule]) -> None:
    for rule in rules:
        for sql in statements(CreateRule(rule), connection.dialect):
            connection.exec_driver_sql(sql)


def drop_rules(connection: Connection, rules: Iterable[Rule]) -> None:
    for rule in reversed(list(rules)):
        for sql in statements(DropRule(rule), connection.dialect):
            connection.exec_driver_sql(sql)


def attach_rules(tables: Iterable[Table], rules: list[Rule]) -> None:
    """Make `create_all` / `drop_all` create and drop each table's rules with it."""
    for table in tables:
        owned = [rule for rule in rules if rule.owner == table.name]
        if not owned:
            continue

        def after_create(
            target: Table, connection: Connection, _r: list[Rule] = owned, **_: Any
        ) -> None:
            create_rules(connection, _r)

        def before_drop(
            target: Table, connection: Connection, _r: list[Rule] = owned, **_: Any
        ) -> None:
            drop_rules(connection, _r)

        event.listen(table, "after_create", after_create)
        event.listen(table, "before_drop", before_drop)
