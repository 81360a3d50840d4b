"""`db revision --autogenerate` for rules: added, changed and removed rules become frozen
DDL per dialect in the new revision (Alembic itself compares tables, columns, indexes).

Which rule objects differ is found before Alembic runs, the way `db check` finds it
(the logical schema created in a scratch space and reflected), and handed over in
`Config.attributes["rule_drift"]`. A rule's upgrade is rendered from the rule for every
dialect. What the database held before (a changed or removed rule) is known only as
this database holds it: the downgrade of those steps states this dialect's DDL alone,
and on another dialect `run_statements` refuses rather than guess.
"""

from __future__ import annotations

import pprint
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations.ops import MigrateOperation
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData

from datasdk.application import rules_of
from datasdk.dialects import BackendProfile
from datasdk.frozen import DIALECTS
from datasdk.inspection import expected, reflect
from datasdk.schema import RULES
from datasdk.schema.ddl import CreateRule, DropRule, statements
from datasdk.schema.rules import Rule

DRIFT_KEY = "rule_drift"
_OBJECT = re.compile(r"CREATE (?:OR REPLACE )?(?:TRIGGER|FUNCTION) (\w+)")

PerDialect = dict[str, list[str]]


@dataclass(frozen=True)
class RuleDrift:
    """Trigger and function names that differ between the logical and the live schema."""

    missing: frozenset[str] = frozenset()
    unexpected: frozenset[str] = frozenset()
    differs: frozenset[str] = frozenset()
    # For undoing: (name, drop statement, recreating statements) of every live rule object,
    # as the database holds it (a changed rule's unchanged trigger goes with its function).
    live: tuple[tuple[str, str, tuple[str, ...]], ...] = field(default=())


def rule_drift(
    connection: Connection, profile: BackendProfile, app_metadata: MetaData | None
) -> RuleDrift:
    have = reflect(connection, profile)
    found = {**have.triggers, **have.functions}
    live = profile.live_objects(connection, set(found))
    if connection.in_transaction():
        connection.rollback()  # the scratch space opens a transaction of its own
    want = expected(connection, profile, app_metadata)
    wanted = {**want.triggers, **want.functions}
    differs = frozenset(n for n in wanted.keys() & found.keys() if wanted[n] != found[n])
    unexpected = frozenset(found.keys() - wanted.keys())
    return RuleDrift(
        missing=frozenset(wanted.keys() - found.keys()),
        unexpected=unexpected,
        differs=differs,
        live=tuple((name, drop, tuple(create)) for name, drop, create in live),
    )


class FrozenStatementsOp(MigrateOperation):
    """Run literal statements per dialect (`datasdk.frozen.run_statements`)."""

    def __init__(self, description: str, up: PerDialect, down: PerDialect) -> None:
        self.description = description
        self.up = up
        self.down = down

    def reverse(self) -> FrozenStatementsOp:
        return FrozenStatementsOp(f"undo: {self.description}", self.down, self.up)


@renderers.dispatch_for(FrozenStatementsOp)
def _render(autogen_context: AutogenContext, op: FrozenStatementsOp) -> str:
    autogen_context.imports.add("from datasdk.frozen import run_statements")
    return f"# {op.description}\nrun_statements({pprint.pformat(op.up, width=92)})"


def _rendered(rules: Sequence[Rule], create: bool) -> PerDialect:
    element = CreateRule if create else DropRule
    return {
        family: [sql for rule in rules for sql in statements(element(rule), dialect)]
        for family, dialect in DIALECTS.items()
    }


def _names(rule: Rule, family: str) -> frozenset[str]:
    sql = " ".join(statements(CreateRule(rule), DIALECTS[family]))
    return frozenset(_OBJECT.findall(sql))


def _restore(drift: RuleDrift, names: frozenset[str]) -> list[str]:
    """This database's statements that drop `names` and bring back what it held."""
    objects = [item for item in drift.live if item[0] in names]
    drops = [drop for _, drop, _ in reversed(objects)]
    return drops + [sql for _, _, create in objects for sql in create]


def rule_ops(drift: RuleDrift, rules: Sequence[Rule], family: str) -> list[FrozenStatementsOp]:
    """The steps that take the live rules to the logical ones."""
    ops: list[FrozenStatementsOp] = []
    claimed: set[str] = set()
    for rule in rules:
        names = _names(rule, family)
        if not names:  # nothing of this rule exists on this dialect (PostgreSQL's own FKs)
            continue
        claimed |= names
        what = f"rule {rule.name} on {rule.table}"
        if names <= drift.missing:
            ops.append(
                FrozenStatementsOp(f"add {what}", _rendered([rule], True), _rendered([rule], False))
            )
        elif names & (drift.missing | drift.differs):
            up = {f: _rendered([rule], False)[f] + _rendered([rule], True)[f] for f in DIALECTS}
            down = {family: _rendered([rule], False)[family] + _restore(drift, names)}
            ops.append(FrozenStatementsOp(f"change {what}", up, down))
    removed = frozenset(drift.unexpected - claimed)
    if removed:
        objects = [item for item in drift.live if item[0] in removed]
        up = {family: [drop for _, drop, _ in reversed(objects)]}
        down = {family: [sql for _, _, create in objects for sql in create]}
        ops.append(FrozenStatementsOp(f"remove {', '.join(sorted(removed))}", up, down))
    return ops


def _target_rules(target: Any) -> list[Rule]:
    schemas = target if isinstance(target, Sequence) else [target]
    return [
        *RULES,
        *(rule for schema in schemas if schema is not None for rule in rules_of(schema)),
    ]


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> bool:
    """Alembic's `render_item`: the SDK's portable types need their module imported."""
    if kind == "type" and type(obj).__module__ == "datasdk.schema.types":
        autogen_context.imports.add("import datasdk.schema.types")
    return False  # Alembic's own rendering otherwise


def add_rule_steps(context: MigrationContext, revision: Any, directives: list[Any]) -> None:
    """Alembic's `process_revision_directives`: after its own steps (tables first), the
    rules' steps; undone first on the way down."""
    config = context.config
    drift = config.attributes.get(DRIFT_KEY) if config is not None else None
    connection = context.bind
    if not isinstance(drift, RuleDrift) or connection is None:
        return
    script = directives[0]
    target = context.opts.get("target_metadata")
    ops = rule_ops(drift, _target_rules(target), connection.dialect.name)
    script.upgrade_ops.ops.extend(ops)
    script.downgrade_ops.ops[:0] = [op.reverse() for op in reversed(ops)]
