"""Raw SQL parameters and raw JSON spellings: one outcome on every backend."""

from __future__ import annotations

import decimal
from datetime import date, datetime
from typing import Any

import pytest

import datasdk

REFUSED: list[Any] = [
    float("nan"),
    float("inf"),
    decimal.Decimal(201),
    date(2026, 1, 1),
    datetime(2026, 1, 1),  # naive
    [1],
    {"a": 1},
    {1, 2},
    object(),
    2**63,
    "\ud800",
]


@pytest.mark.parametrize("value", REFUSED, ids=repr)
async def test_a_parameter_one_backend_would_refuse_is_refused_everywhere(
    database: datasdk.Database, value: Any
) -> None:
    with pytest.raises(datasdk.ValidationError) as caught:
        await database.execute("SELECT :a AS a", {"a": value})
    assert type(caught.value) is datasdk.ValidationError
    assert caught.value.field == "a"


@pytest.mark.parametrize("params", [[1], (1,), "a", 5], ids=repr)
async def test_params_that_are_not_a_mapping_are_refused(
    database: datasdk.Database, params: Any
) -> None:
    with pytest.raises(datasdk.ValidationError):
        await database.execute("SELECT 1", params)


async def test_read_only_must_be_a_bool(database: datasdk.Database) -> None:
    with pytest.raises(datasdk.ValidationError):
        await database.execute("SELECT 1", read_only="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spelling", "value"),
    [
        ('{"a":1e16}', 10**16),
        ('{"a":1E2}', 100),
        ('{"a":1.5e1}', 15),
        ('{"a":1e400}', 10**400),
        ('{"a":-0.0}', 0.0),
        ('{"a":-0}', 0),
        ('{"a":1.50}', 1.5),
        ('{"a":2.5e-3}', 0.0025),
        ('{"a":10000000000000000.0}', 1e16),
    ],
)
async def test_raw_json_numbers_read_back_as_one_value(
    database: datasdk.Database, spelling: str, value: int | float
) -> None:
    await database.users.create(datasdk.NewUser(id="u_json", email="j@b.io"))
    await database.execute("UPDATE users SET metadata = :m WHERE id = 'u_json'", {"m": spelling})
    read = (await database.users.get("u_json")).metadata["a"]
    assert read == value
    assert type(read) is type(value)
    assert str(read) == str(value)  # 0.0, never -0.0
