"""The canonical JSON text and the text rule (datasdk.schema.canonical)."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from datasdk.dialects.sqlite import type_check_sql
from datasdk.errors import ValidationError
from datasdk.schema.canonical import check_text, dumps, holds_nul_escape


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"a": 1e16}, '{"a":10000000000000000.0}'),
        ([-1e16], "[-10000000000000000.0]"),
        ([1.5e17], "[150000000000000000.0]"),
        ([1e15], "[1000000000000000.0]"),
        ([123456789012345680.0], "[123456789012345680.0]"),
        ([-0.0, 0.0], "[0.0,0.0]"),
        ([5e-324, 1e-7, 0.1], "[5e-324,1e-07,0.1]"),
        ([2**64, -(2**53) - 1], "[18446744073709551616,-9007199254740993]"),
        ({"e+": "1e+16"}, '{"e+":"1e+16"}'),  # strings are left alone
        ({1e16: 1}, '{"1e+16":1}'),  # json.dumps's key rule: a float key is its repr
        ({"s": "\\u0000"}, '{"s":"\\\\u0000"}'),  # a backslash, then u0000: text
        ({"s": "é\U0001f600"}, '{"s":"é\U0001f600"}'),
        ([True, None, "x"], '[true,null,"x"]'),
    ],
)
def test_canonical_text(value: Any, text: str) -> None:
    assert dumps(value) == text


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        [float("inf")],
        {"a": float("-inf")},
        {"a": "x\x00"},
        {"\x00": 1},
        ["\ud800"],
        {"\udfff": 1},
        ["\ud83d\ude00"],  # a surrogate pair in a Python str is two lone surrogates
        {1, 2},
        [Decimal("1.5")],
        [b"bytes"],
    ],
    ids=repr,
)
def test_what_no_backend_keeps_is_refused(value: Any) -> None:
    with pytest.raises(ValidationError):
        dumps(value)


def test_deep_nesting_is_a_validation_error() -> None:
    value: Any = []
    for _ in range(100_000):
        value = [value]
    with pytest.raises(ValidationError):
        dumps(value)


def test_cyclic_values_are_refused() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(ValidationError):
        dumps(cycle)


@pytest.mark.parametrize(
    ("encoded", "found"),
    [
        ('"\\u0000"', True),
        ('"\\\\u0000"', False),
        ('"\\\\\\u0000"', True),
        ('"\\\\\\\\u0000"', False),
        ('"a\\"\\u0000"', True),
        ('"u0000"', False),
    ],
)
def test_the_nul_escape_rule_is_the_sqlite_checks(encoded: str, found: bool) -> None:
    assert holds_nul_escape(encoded) is found
    check = type_check_sql("?1", "json")
    (passes,) = sqlite3.connect(":memory:").execute(f"SELECT {check}", (encoded,)).fetchone()
    assert passes == (not found)


def test_text_rule() -> None:
    assert check_text("plain") == "plain"
    assert check_text("é\U0001f600") == "é\U0001f600"
    for bad in ("a\x00", "\ud800", "x\udc00y"):
        with pytest.raises(ValidationError) as caught:
            check_text(bad, "message")
        assert caught.value.field == "message"


# Text every backend stores: no lone surrogate (category Cs), no NUL.
storable_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | storable_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(storable_text, children, max_size=4)
    ),
    max_leaves=20,
)


def _exact(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _unsigned_zero(value: Any) -> Any:
    if isinstance(value, float) and value == 0.0:
        return 0.0
    if isinstance(value, dict):
        return {key: _unsigned_zero(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unsigned_zero(item) for item in value]
    return value


@given(json_values)
def test_any_json_value_reads_back_as_itself_but_negative_zero(value: Any) -> None:
    text = dumps(value)
    floats: list[str] = []

    def parse_float(token: str) -> float:
        floats.append(token)
        return float(token)

    back = json.loads(text, parse_float=parse_float)
    assert _exact(back) == _exact(_unsigned_zero(value))
    # No float is written with the positive exponent jsonb's numeric would drop.
    assert not [token for token in floats if "e+" in token or "E" in token]
