"""The rules of SCHEMA.md as logical objects, declared once and rendered per dialect.

Each rule becomes triggers (and, on PostgreSQL, trigger functions) named after
`Rule.ident`, so the same rule has the same object names on every backend.
A violated rule raises the token `datasdk:<rule>:<table>`, which the dialects'
error translators turn into the matching `RuleViolation` subclass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

TOKEN_PREFIX = "datasdk"


@dataclass(frozen=True)
class Rule:
    """A rule enforced by triggers on `table`.

    `owner` is the table whose creation brings the rule and whose drop removes
    it; it differs from `table` when a rule on one table guards another.
    """

    table: str
    kind: str = field(init=False, default="")

    @property
    def owner(self) -> str:
        return self.table

    @property
    def name(self) -> str:
        """The rule's name in SCHEMA.md, carried by RuleViolation.rule."""
        return self.kind

    @property
    def ident(self) -> str:
        return f"{self.table}_{self.name}"

    def token(self) -> str:
        return f"{TOKEN_PREFIX}:{self.name}:{self.table}"

    @property
    def mentions(self) -> frozenset[str]:
        """Every table the rule's triggers sit on or read."""
        return frozenset({self.table})


@dataclass(frozen=True)
class TouchUpdatedAt(Rule):
    """touch_updated_at: every UPDATE leaves `column` at the statement's time.

    An explicit NULL is refused as the NOT NULL column would refuse it, on every
    backend (SQLite checks NOT NULL before its AFTER trigger could replace it).
    """

    column: str = "updated_at"
    kind: str = field(init=False, default="touch_updated_at")

    @property
    def ident(self) -> str:
        return f"{self.table}_touch"


@dataclass(frozen=True)
class VersionBump(Rule):
    """version_bump: an UPDATE must raise `column` by exactly 1, or it is refused.

    The database checks rather than sets the new version: SQLite can only set a
    column from a nested UPDATE in an AFTER trigger, whose result RETURNING does
    not see and which a millisecond clock cannot tell apart from the writer's own.
    `columns` are the columns whose change counts as an update (all but the
    touched timestamp, which the database itself rewrites).
    """

    column: str = "version"
    columns: tuple[str, ...] = ()
    kind: str = field(init=False, default="version_bump")


@dataclass(frozen=True)
class AppendOnly(Rule):
    """UPDATE, DELETE (and TRUNCATE) fail; an INSERT that collides with a key fails.

    `keys` are the table's unique keys as (constraint name, columns): an INSERT
    colliding with one fails as a UniqueViolation whatever its conflict clause
    (ON CONFLICT, INSERT OR REPLACE), so an existing row is never overwritten.
    `cascade_parent` names (parent table, parent key, child column): a row may be
    deleted once its parent is gone, which is how ON DELETE CASCADE removes it.
    """

    keys: tuple[tuple[str, tuple[str, ...]], ...] = ()
    cascade_parent: tuple[str, str, str] | None = None
    kind: str = field(init=False, default="append_only")

    @property
    def mentions(self) -> frozenset[str]:
        parent = {self.cascade_parent[0]} if self.cascade_parent else set()
        return frozenset({self.table, *parent})


@dataclass(frozen=True)
class NamedRule(Rule):
    """A rule kind with several instances, each with its own name in SCHEMA.md."""

    rule_name: str = ""

    @property
    def name(self) -> str:
        return self.rule_name


@dataclass(frozen=True)
class StateMachine(NamedRule):
    """Inserts start in `initial`; an UPDATE that changes `column` must be a listed move."""

    column: str = ""
    initial: str = ""
    transitions: tuple[tuple[str, str], ...] = ()
    kind: str = field(init=False, default="state_machine")


@dataclass(frozen=True)
class RowLimit(NamedRule):
    """At most `limit` rows of `table` per `parent` row (domain_limit)."""

    column: str = ""
    parent_table: str = ""
    parent_key: str = "id"
    limit: int = 0
    kind: str = field(init=False, default="row_limit")

    @property
    def mentions(self) -> frozenset[str]:
        return frozenset({self.table, self.parent_table})


@dataclass(frozen=True)
class Ledger(Rule):
    """A ledger row moves its account's balance; the balance moves no other way.

    `table` is the ledger; `account_table.balance_column` always equals the sum
    of the ledger's `amount_column` for that account. `applied_column` names the
    ledger row (by its `entry_key`) last applied to the balance: each row moves the
    balance and that column together, which lets SQLite check a move against one
    row instead of the whole ledger.
    """

    account_column: str = ""
    amount_column: str = "amount"
    account_table: str = ""
    account_key: str = "id"
    balance_column: str = ""
    applied_column: str = ""
    entry_key: str = "id"
    kind: str = field(init=False, default="ledger")

    def token(self) -> str:
        return f"{TOKEN_PREFIX}:ledger:{self.account_table}"

    @property
    def mentions(self) -> frozenset[str]:
        return frozenset({self.table, self.account_table})


@dataclass(frozen=True)
class ForeignKeyGuard(Rule):
    """Names a foreign key's violation portably.

    PostgreSQL reports the constraint name itself and needs no triggers; SQLite
    reports only "FOREIGN KEY constraint failed", so there triggers check the
    reference first and raise `datasdk:foreign_key:<table>:<constraint>`.
    `restrict` also guards deleting a referenced parent row, `restrict_update`
    changing its key.
    """

    constraint: str = ""
    columns: tuple[str, ...] = ()
    parent_table: str = ""
    parent_columns: tuple[str, ...] = ()
    restrict: bool = False
    restrict_update: bool = False
    kind: str = field(init=False, default="fk")

    @property
    def ident(self) -> str:
        return self.constraint

    def token(self) -> str:
        return f"{TOKEN_PREFIX}:foreign_key:{self.table}:{self.constraint}"

    @property
    def mentions(self) -> frozenset[str]:
        return frozenset({self.table, self.parent_table})


def rules_mentioning(rules: Sequence[Rule], table: str) -> list[Rule]:
    return [rule for rule in rules if table in rule.mentions]


def rules_for(rules: Sequence[Rule], tables: Sequence[str]) -> list[Rule]:
    """The rules that come and go with the given tables, in declaration order."""
    wanted = set(tables)
    return [rule for rule in rules if rule.owner in wanted]
