"""The differential property suite: every public repository method, on generated input.

Hypothesis draws valid, boundary and hostile input for each method (differential/values.py);
each example runs on the backend under test and its outcome, the datasdk error class or
the value read back, is compared with the oracle's (differential/oracle.py), which never
asks a database: every backend is held to the same answers. Any exception that is not a
datasdk error is a disagreement too ("raw").

Examples are drawn first, then run: the run needs no shrinking (every disagreement is
reported, in a table, at the end of its test and of the session), and draws the same
examples in every session (derandomized, no example database). `--differential-examples`
(or DATASDK_DIFFERENTIAL_EXAMPLES) sets the total, shared evenly by the methods.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants

import datasdk
from differential import (  # noqa: F401 (each registers its cases)
    cases_accounts,
    cases_jobs,
    cases_monitoring,
    cases_queue,
    cases_reports,
    cases_scans,
)
from differential import oracle as o
from differential.runner import CASES, RESULTS, Recorder, summary
from differential.values import nested


@contextmanager
def _without_local_constants() -> Iterator[None]:
    """Hypothesis mixes literals from the local modules imported so far into what it
    draws. Which modules those are depends on what else ran in the process (the whole
    conformance suite, or this file alone), and so would the examples: draw without
    them. (An internal of Hypothesis; where it is missing there is nothing to undo.)"""
    original = getattr(providers, "_get_local_constants", None)
    if original is None:
        yield
        return
    providers.CONSTANTS_CACHE.cache.clear()
    providers._get_local_constants = Constants  # type: ignore[attr-defined]
    try:
        yield
    finally:
        providers._get_local_constants = original  # type: ignore[attr-defined]
        providers.CONSTANTS_CACHE.cache.clear()


def draw(strategy: Any, n: int) -> list[Any]:
    """n examples of `strategy`, the same ones in every session."""
    drawn: list[Any] = []

    # Only drawing happens here (no database, nothing that fails), so Hypothesis has
    # nothing to shrink; the health checks are about slow or filtered drawing, and a
    # deep-JSON strategy is large by design.
    @settings(
        max_examples=n,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(spec: Any) -> None:
        drawn.append(spec)

    with _without_local_constants():
        collect()
    return drawn


@pytest.mark.differential
@pytest.mark.parametrize("method", sorted(CASES))
async def test_method_agrees_with_the_oracle(
    method: str, database: datasdk.Database, differential_examples: int
) -> None:
    registered = CASES[method]
    recorder = Recorder(method)
    RESULTS.append(recorder)
    state: dict[str, Any] = {}
    per_method = max(1, -(-differential_examples // len(CASES)))
    for spec in draw(registered.strategy, per_method):
        recorder.examples += 1
        await registered.run(database, spec, recorder, state)
    assert not recorder.found, summary(recorder.found, per_group=2)


@pytest.mark.parametrize(
    ("compute", "expected"),
    [
        (lambda: o.text("a\x00b"), "ValidationError+"),
        (lambda: o.text("x\udfffy"), "ValidationError+"),
        (lambda: o.integer(True, 0, 10), "ValidationError+"),
        (lambda: o.integer(1.0, 0, 10), "ValidationError+"),
        (lambda: o.integer(2**31, *o.INT4), "ValidationError+"),
        (lambda: o.version(0), "ValidationError+"),
        (lambda: o.version(2**31 - 1), "ok 2147483647"),
        (lambda: o.row_id(0), "ValidationError+"),
        (lambda: o.row_id("{12345678-1234-1234-1234-123456789abc}"), "ValidationError+"),
        (lambda: o.row_id("urn:uuid:12345678-1234-1234-1234-123456789abc"), "ValidationError+"),
        (lambda: o.row_id("12345678123412341234123456789abc"), "ValidationError+"),
        (lambda: o.row_id("12345678-1234-1234-1234-123456789ABC"), 'ok "<uuid>"'),
        (lambda: o.user_id(""), "ValidationError+"),
        (lambda: o.user_id("a" * 256), "ValidationError+"),
        (lambda: o.user_id("a\tb"), "ValidationError+"),
        (lambda: o.user_id("\U0001f600" * 255), 'ok "' + "\\ud83d\\ude00" * 255 + '"'),
        (lambda: o.days(36_500), "ok 36500"),
        (lambda: o.days(36_501), "ValidationError+"),
        (lambda: o.age(timedelta(days=36_500, microseconds=1)), "ValidationError+"),
        (lambda: o.aware(datetime(2024, 1, 1)), "ValidationError+"),
        (
            lambda: o.aware(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))),
            "ValidationError+",
        ),
        (lambda: o.json_field(nested(500, "list")), "ValidationError+"),
        (lambda: o.json_field(nested(o.MAX_JSON_DEPTH, "dict")), "ok null"),
        (lambda: o.json_field({"a": nested(o.MAX_JSON_DEPTH, "list")}), "ValidationError+"),
        (lambda: {"n": 1e16}, 'ok {"n": {"float": "1e+16"}}'),
        (lambda: {"n": 10**16}, 'ok {"n": 10000000000000000}'),
        (lambda: -0.0, 'ok {"float": "0.0"}'),
        (
            lambda: o.aware(datetime(2024, 1, 1, 5, tzinfo=timezone(timedelta(hours=5)))),
            'ok "2024-01-01T00:00:00+00:00"',
        ),
    ],
)
def test_the_oracle_states_the_rules(compute: Any, expected: str) -> None:
    """The oracle's own answers for a few inputs, so a change to a rule is a visible one."""
    assert str(o.expect(compute)) == expected
