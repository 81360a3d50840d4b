"""The SQLite type checks' expressions, against what Python (and so asyncpg) accepts."""

from __future__ import annotations

import ipaddress
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from datasdk.dialects.sqlite import type_check_sql
from datasdk.schema.types import format_timestamp

ADDRESSES = [
    "1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5",
    "", "abc", "1..2.3", ".1.2.3", "1.2.3.", "1.2.3.-4", "1.2.3.4 ", "1e2.1.1.1",
    "::", "::1", "1::", "0::0", "2001:db8::1", "2001:db8:0:0:0:0:0:1", "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7", "1:2:3::4:5:6:7",
    "1:2:3:4::5:6:7:8", "1:2:3:4:5:6:7::8", "::ffff:1.2.3.4", "::1.2.3.4",
    "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::a1.2.3.4", "::ffff:1.2.3",
    "::ffff:256.1.1.1", "::ffff:01.2.3.4", "1.2.3.4::", "2001:db8:::1", "2001:db8::1::2",
    "12345::1", "00000::1", "g::1", ":1::", "1::2:", "1:2", ":", ":::",
]  # fmt: skip


@pytest.fixture(scope="module")
def conn() -> sqlite3.Connection:
    return sqlite3.connect(":memory:")


def _accepts(conn: sqlite3.Connection, kind: str, value: object) -> bool:
    sql = f"SELECT {type_check_sql('x', kind)} FROM (SELECT ? AS x)"
    return bool(conn.execute(sql, (value,)).fetchone()[0])


def _python_accepts(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("address", ADDRESSES)
def test_the_address_check_agrees_with_python(conn: sqlite3.Connection, address: str) -> None:
    assert _accepts(conn, "inet", address) == _python_accepts(address)


@pytest.mark.parametrize("address", ["2001:DB8::1", "fe80::1%eth0", "10.0.0.1/24"])
def test_spellings_postgresql_normalizes_are_refused(
    conn: sqlite3.Connection, address: str
) -> None:
    assert not _accepts(conn, "inet", address)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 6, 30, 12, 0, tzinfo=UTC) + timedelta(microseconds=1),
    ],
)
def test_every_stored_timestamp_passes(conn: sqlite3.Connection, moment: datetime) -> None:
    assert _accepts(conn, "timestamp", format_timestamp(moment))


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-29T00:00:00.000000Z",
        "2026-02-30T00:00:00.000000Z",
        "2026-13-01T00:00:00.000000Z",
        "2026-01-01T24:00:00.000000Z",
        "2026-01-01T23:60:00.000000Z",
        "2026-01-01T23:59:60.000000Z",
        "0000-01-01T00:00:00.000000Z",
        "2026-01-01 00:00:00.000000Z",
        "2026-01-01T00:00:00.000Z",
        "2026-01-01T00:00:00.000000+00:00",
        "2026-01-01",
    ],
)
def test_other_timestamp_text_is_refused(conn: sqlite3.Connection, text: str) -> None:
    assert not _accepts(conn, "timestamp", text)


def test_uuids_only_in_the_canonical_form(conn: sqlite3.Connection) -> None:
    value = uuid.uuid4()
    assert _accepts(conn, "uuid", str(value))
    for other in (str(value).upper(), value.hex, f"{{{value}}}", str(value)[:-1]):
        assert not _accepts(conn, "uuid", other)


@pytest.mark.parametrize(
    ("kind", "value", "accepted"),
    [
        ("int4", 2**31 - 1, True),
        ("int4", -(2**31), True),
        ("int4", 2**31, False),
        ("int8", 2**63 - 1, True),
        ("int8", 1.5, False),
        ("int8", "1", False),
        ("boolean", 1, True),
        ("boolean", 2, False),
        ("json", "[1]", True),
        ("json", "[01]", False),
        ("json", None, True),
    ],
)
def test_scalar_checks(conn: sqlite3.Connection, kind: str, value: object, accepted: bool) -> None:
    assert _accepts(conn, kind, value) == accepted
