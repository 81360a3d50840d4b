"""The portable column types, round-tripped through a real SQLite file."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

import datasdk
from datasdk.errors import DataSDKError, ValidationError
from datasdk.schema import metadata

users = metadata.tables["users"]
domains = metadata.tables["domains"]
error_logs = metadata.tables["error_logs"]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[datasdk.Database]:
    async with datasdk.connect(f"sqlite+aiosqlite:///{tmp_path / 'types.db'}") as database:
        await database.migrate()
        yield database


async def one(db: datasdk.Database, statement: Any) -> dict[str, Any]:
    (row,) = (await db.execute(statement)).rows
    return row


async def test_timestamp_round_trip_is_aware_utc_with_microseconds(db: datasdk.Database) -> None:
    sent = datetime(2026, 1, 2, 4, 4, 5, 6, tzinfo=timezone(timedelta(hours=1)))
    await db.execute(insert(users).values(id="u1", trial_ends_at=sent))
    got = (await one(db, select(users.c.trial_ends_at)))["trial_ends_at"]
    assert got == sent
    assert got.tzinfo is UTC
    assert got.microsecond == 6
    raw = await one(db, "SELECT trial_ends_at AS t, typeof(trial_ends_at) AS k FROM users")
    assert raw == {"t": "2026-01-02T03:04:05.000006Z", "k": "text"}


async def test_server_default_timestamps_have_the_same_fixed_width(db: datasdk.Database) -> None:
    await db.execute(insert(users).values(id="u1"))
    row = await one(db, select(users.c.created_at, users.c.trial_ends_at))
    assert row["created_at"].tzinfo is UTC
    assert row["trial_ends_at"] - row["created_at"] == timedelta(days=14)
    raw = await one(db, "SELECT created_at, trial_ends_at FROM users")
    assert [len(value) for value in raw.values()] == [27, 27]


async def test_stored_text_sorts_as_time(db: datasdk.Database) -> None:
    plus_two = timezone(timedelta(hours=2))
    moments = [
        datetime(2026, 1, 1, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 1, 2, 1, 0, 0, 0, tzinfo=plus_two),  # 2026-01-01T23:00Z
        datetime(2026, 1, 1, 23, 59, 59, 10, tzinfo=UTC),
        datetime(2026, 1, 1, 23, 59, 59, 9, tzinfo=UTC),
        datetime(2025, 12, 31, 0, 0, tzinfo=UTC),
    ]
    for n, moment in enumerate(moments):
        await db.execute(insert(users).values(id=f"u{n}", trial_ends_at=moment))
    rows = (await db.execute("SELECT id, trial_ends_at FROM users ORDER BY trial_ends_at")).rows
    by_time = sorted(range(len(moments)), key=lambda n: moments[n])
    assert [row["id"] for row in rows] == [f"u{n}" for n in by_time]
    assert {len(row["trial_ends_at"]) for row in rows} == {27}


async def test_naive_datetime_is_refused_and_nothing_written(db: datasdk.Database) -> None:
    with pytest.raises(DataSDKError, match="timezone-aware"):
        await db.execute(insert(users).values(id="u1", trial_ends_at=datetime(2026, 1, 1)))
    assert (await db.execute("SELECT id FROM users")).rows == []


async def test_naive_datetime_is_a_validation_error(db: datasdk.Database) -> None:
    with pytest.raises(ValidationError):
        await db.execute(insert(users).values(id="u1", trial_ends_at=datetime(2026, 1, 1)))


async def test_naive_datetime_in_raw_sql_is_a_datasdk_error(db: datasdk.Database) -> None:
    statement = "INSERT INTO users (id, trial_ends_at) VALUES (:id, :t)"
    with pytest.raises(DataSDKError):
        await db.execute(statement, {"id": "u1", "t": datetime(2026, 1, 1)})


async def test_uuid_round_trip_and_lowercase_storage(db: datasdk.Database) -> None:
    sent = "ABCDEF00-0000-4000-8000-00000000000A"
    values = {"type": "client_error", "severity": "info", "message": "m"}
    await db.execute(insert(error_logs).values(id=sent, **values))
    await db.execute(insert(error_logs).values(**values))  # id from the database's default
    rows = (await db.execute(select(error_logs.c.id))).rows
    assert all(isinstance(row["id"], uuid.UUID) for row in rows)
    assert uuid.UUID(sent) in {row["id"] for row in rows}
    generated = next(row["id"] for row in rows if row["id"] != uuid.UUID(sent))
    assert generated.version == 4
    raw = [row["id"] for row in (await db.execute("SELECT id FROM error_logs")).rows]
    assert sent.lower() in raw
    assert all(len(value) == 36 and value == value.lower() for value in raw)


@pytest.mark.parametrize(
    "value", [{"a": [1, 2.5, None, True], "b": {"c": "é"}}, [1, "two", {"three": 3}], [], {}]
)
async def test_json_round_trip(db: datasdk.Database, value: object) -> None:
    await db.execute(insert(users).values(id="u1", metadata=value))
    assert (await one(db, select(users.c.metadata)))["metadata"] == value


async def test_json_none_is_sql_null_and_defaults_apply(db: datasdk.Database) -> None:
    await db.execute(insert(users).values(id="u1", metadata=None))
    row = await one(db, select(users.c.metadata, users.c.notification_preferences))
    assert row == {"metadata": None, "notification_preferences": {}}
    raw = await one(db, "SELECT metadata IS NULL AS is_null FROM users")
    assert raw == {"is_null": 1}


@pytest.mark.parametrize(
    "address",
    ["192.0.2.1", "2001:db8::1", ipaddress.ip_address("198.51.100.7"), ipaddress.ip_address("::1")],
)
async def test_inet_round_trip(db: datasdk.Database, address: object) -> None:
    values = {"type": "client_error", "severity": "info", "message": "m"}
    await db.execute(insert(error_logs).values(ip=address, **values))
    got = (await one(db, select(error_logs.c.ip)))["ip"]
    assert got == ipaddress.ip_address(str(address))
    assert type(got) is type(ipaddress.ip_address(str(address)))


async def test_is_active_boolean_round_trip(db: datasdk.Database) -> None:
    await db.execute(insert(users).values(id="u1"))
    row = {"user_id": "u1", "display_name": "d"}
    await db.execute(insert(domains).values(url="https://off.test", is_active=False, **row))
    await db.execute(insert(domains).values(url="https://default.test", **row))
    got = (await db.execute(select(domains.c.url, domains.c.is_active))).rows
    assert {r["url"]: r["is_active"] for r in got} == {
        "https://off.test": False,
        "https://default.test": True,
    }
    raw = await db.execute("SELECT url, is_active FROM domains")
    assert {r["url"]: r["is_active"] for r in raw.rows} == {
        "https://off.test": 0,
        "https://default.test": 1,
    }
