"""Autogenerate for rules: which steps a drift between live and logical rules makes."""

from __future__ import annotations

import pytest

from datasdk.autogen import RuleDrift, rule_ops
from datasdk.frozen import DIALECTS
from datasdk.schema import RULES
from datasdk.schema.rules import RowLimit


@pytest.mark.parametrize("family", sorted(DIALECTS))
def test_no_drift_makes_no_steps(family: str) -> None:
    # Rules with no objects on a dialect (PostgreSQL's own foreign keys) are not "missing".
    assert rule_ops(RuleDrift(), RULES, family) == []


def test_a_missing_rule_is_added_for_every_dialect() -> None:
    limit = next(rule for rule in RULES if isinstance(rule, RowLimit))
    drift = RuleDrift(
        missing=frozenset({"trg_domains_domain_limit_insert", "trg_domains_domain_limit_update"})
    )
    [step] = rule_ops(drift, [limit], "sqlite")
    assert step.description == "add rule domain_limit on domains"
    assert set(step.up) == set(DIALECTS)
    assert all(step.up[family] for family in DIALECTS)
    assert step.reverse().up == step.down
