"""Running one call, telling its outcome, and collecting every disagreement with the oracle."""

from __future__ import annotations

import asyncio
import itertools
import json
import reprlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import datasdk
from differential.oracle import Expected, canon

# A call that never returns is an outcome to report, not a reason to hang the run.
_HANG = 120.0
_n = itertools.count(1)


def fresh(prefix: str = "dx") -> str:
    """A new name per example: examples share a database, so each makes its own rows."""
    return f"{prefix}{next(_n)}"


@dataclass(frozen=True)
class Outcome:
    kind: str  # "ok", "error" (a datasdk error) or "raw" (any other exception)
    detail: str  # the canonical value, or the error's class name
    error: type[BaseException] | None = None
    value: Any = None
    message: str = ""

    def __str__(self) -> str:
        if self.kind == "error":
            return f"{self.detail} ({self.message})"
        return f"{self.kind} {self.detail}"

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


Names = Mapping[Any, str] | Callable[[Any], Mapping[Any, str]] | None


async def observe(call: Callable[[], Awaitable[Any]], names: Names = None) -> Outcome:
    """Run `call` (building its input models included) and say what came of it;
    `names` (or names(value)) names the ids in the value."""
    try:
        value = await asyncio.wait_for(call(), _HANG)
    except datasdk.DataSDKError as exc:
        return Outcome("error", type(exc).__name__, type(exc), message=str(exc)[:160])
    except Exception as exc:  # any other exception is the finding itself
        text = f"{type(exc).__module__}.{type(exc).__name__}: {str(exc)[:120]}"
        return Outcome("raw", text, type(exc))
    named = names(value) if callable(names) else names
    try:
        return Outcome("ok", canon(value, named), value=value)
    except RecursionError:  # JSON too deep to compare is the finding itself
        return Outcome("ok", "<nested too deep to show>", value=value)


def agrees(expected: Expected, actual: Outcome) -> bool:
    if expected.error is None:
        return actual.ok and actual.detail == expected.value
    if actual.kind != "error" or actual.error is None:
        return False
    if expected.family:
        wanted = getattr(datasdk, expected.error)
        return issubclass(actual.error, wanted)
    return actual.detail == expected.error


@dataclass
class Disagreement:
    case: str
    step: str
    spec: str
    expected: str
    actual: str
    raw: bool
    group: str  # what the summary groups by: the error class, or how values differ


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist = 4, 8, 6
_REPR.maxstring, _REPR.maxlong, _REPR.maxother = 90, 60, 90


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class Recorder:
    """Every comparison of one test; `check` never raises, so one run finds them all."""

    case: str
    examples: int = 0
    checks: int = 0
    values: int = 0  # checks whose expected outcome is a value, not an error
    found: list[Disagreement] = field(default_factory=list)

    def check(self, step: str, spec: object, expected: Expected, actual: Outcome) -> bool:
        self.checks += 1
        self.values += expected.error is None
        if agrees(expected, actual):
            return True
        shown, group = str(actual), actual.detail
        if actual.kind == "raw":
            group = f"raw {actual.detail.split(':', 1)[0]}"
        elif actual.ok:
            group = "ok"
            if expected.value is not None:
                shown, group = first_difference(expected.value, actual.detail)
        self.found.append(
            Disagreement(
                self.case,
                step,
                _short(_REPR.repr(spec)),
                _short(str(expected)),
                _short(shown),
                actual.kind == "raw",
                group,
            )
        )
        return False


def first_difference(expected: str, actual: str) -> tuple[str, str]:
    """Where two canonical values first differ, and how (for grouping): the top-level
    field and the kinds of the two values there."""
    try:
        path, want, got = _walk(json.loads(expected), json.loads(actual), [])
    except RecursionError:
        return "ok, values differ (nested too deep to show)", "ok but different"
    field = next((p for p in path if isinstance(p, str)), "value")
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    shown = f"ok, at {where or 'the value'}: {_leaf(want)} != {_leaf(got)}"
    return shown, f"ok but {_kind(want)} != {_kind(got)} in {field}"


def _walk(want: Any, got: Any, path: list[Any]) -> tuple[list[Any], Any, Any]:
    if (
        isinstance(want, dict)
        and isinstance(got, dict)
        and "float" not in (want.keys() | got.keys())
    ):
        for key in sorted(want.keys() | got.keys()):
            if want.get(key, "<absent>") != got.get(key, "<absent>"):
                return _walk(want.get(key, "<absent>"), got.get(key, "<absent>"), [*path, key])
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for i, (a, b) in enumerate(zip(want, got, strict=True)):
            if a != b:
                return _walk(a, b, [*path, i])
    return path, want, got


def _leaf(value: Any) -> str:
    return _short(json.dumps(value, ensure_ascii=False), 80)


def _kind(value: Any) -> str:
    if isinstance(value, dict) and len(value) == 1:
        return next(iter(value))  # "float", "decimal", "ip", "not_utc"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, str) and value.startswith("<"):
        return value
    return type(value).__name__.replace("dict", "object").replace("str", "text")


def summary(found: list[Disagreement], *, per_group: int = 1) -> str:
    """A table: one row per (step, expected, actual class), with a count and an input."""
    groups: dict[tuple[str, str, str], list[Disagreement]] = {}
    for d in found:
        expected_kind = d.expected.split(" ", 1)[0]
        groups.setdefault((d.step, expected_kind, d.group), []).append(d)
    lines = [f"{len(found)} disagreement(s) in {len(groups)} group(s):"]
    for (step, expected, actual), items in sorted(groups.items()):
        lines.append(f"  {step}: expected {expected}, got {actual}  (x{len(items)})")
        for d in items[:per_group]:
            lines.append(f"      input:    {d.spec}")
            lines.append(f"      expected: {d.expected}")
            lines.append(f"      actual:   {d.actual}")
    return "\n".join(lines)


Case = Callable[[datasdk.Database, dict[str, Any], Recorder, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Registered:
    name: str
    strategy: Any
    run: Case


CASES: dict[str, Registered] = {}


def case(name: str, strategy: Any) -> Callable[[Case], Case]:
    """Register a case: `strategy` draws a spec (a dict); the function runs it, asks the
    oracle, and checks each outcome with the recorder. `state` lives for one test."""

    def register(run: Case) -> Case:
        CASES[name] = Registered(name, strategy, run)
        return run

    return register


# Every test's recorder, for the session's summary (conftest.py).
RESULTS: list[Recorder] = []
