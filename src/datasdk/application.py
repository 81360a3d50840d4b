"""The application's own tables beside the SDK's: the same portable rules, named errors.

An application declares its tables on its own MetaData and attaches the SDK's rule
objects to them::

    notes = Table("app_notes", app_metadata, ...)
    application.attach(app_metadata, AppendOnly(table="app_notes", keys=(...)))

`attach` makes `create_all` create the rules with the tables, adds the reference
guards that name a foreign key's violation on SQLite as PostgreSQL does, and lets
the error translators name the application's constraints and rules. Pass the same
MetaData to `datasdk.connect(..., metadata=app_metadata)` so that `db.check()` and
`db revision --autogenerate` cover the application's tables too.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from datasdk.dialects import common
from datasdk.errors import ConfigurationError
from datasdk.schema import foreign_key_guards, metadata
from datasdk.schema.ddl import attach_rules
from datasdk.schema.rules import (
    AppendOnly,
    RowLimit,
    Rule,
    StateMachine,
    TouchUpdatedAt,
    VersionBump,
)

RULES_KEY = "datasdk_rules"


def attach(schema: MetaData, *rules: Rule) -> list[Rule]:
    """Give the application's tables the SDK's rules; returns every rule attached.

    Call once per MetaData, after its tables are declared.
    """
    if schema is metadata:
        raise ConfigurationError("the SDK's own schema has its rules already")
    if RULES_KEY in schema.info:
        raise ConfigurationError("rules are already attached to this MetaData: attach once")
    clashes = sorted(set(schema.tables) & set(metadata.tables))
    if clashes:
        raise ConfigurationError(f"table name(s) {', '.join(clashes)} belong to the SDK")
    unknown = sorted({rule.table for rule in rules} - set(schema.tables))
    if unknown:
        raise ConfigurationError(f"rules name table(s) not in this MetaData: {', '.join(unknown)}")
    attached = [
        *(guard for table in schema.sorted_tables for guard in foreign_key_guards(table)),
        *rules,
    ]
    attach_rules(schema.sorted_tables, attached)
    schema.info[RULES_KEY] = attached
    common.register(schema, attached)
    return attached


def rules_of(schema: MetaData) -> list[Rule]:
    """The rules `attach` gave this MetaData."""
    found: list[Rule] = schema.info.get(RULES_KEY, [])
    return found


__all__ = [
    "AppendOnly",
    "RowLimit",
    "Rule",
    "StateMachine",
    "TouchUpdatedAt",
    "VersionBump",
    "attach",
    "rules_of",
]
