"""One type system: every value below is accepted, or refused with the same error, on
every backend, whoever writes it (raw SQL with bound parameters, as any client would)."""

from __future__ import annotations

import ipaddress
import json
import math
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

import datasdk
from datasdk import errors
from support import build_world, fetch, insert_row, valid_row

Invalid, Check, Refused = errors.InvalidValue, errors.CheckViolation, errors.ValidationError
OK = None
UUID_TEXT = "0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b"

# (table, column, value, None if accepted else the error class)
CASES: list[tuple[str, str, Any, type[errors.DataSDKError] | None]] = [
    # integers: int4 has PostgreSQL's range; bigint is SQLite's own 64 bits
    ("scan_jobs", "version", 1, OK),
    ("scan_jobs", "version", 2**31 - 1, OK),
    ("scan_jobs", "version", 2**31, Invalid),
    ("scan_jobs", "version", -(2**31) - 1, Invalid),
    ("scan_jobs", "version", "abc", Invalid),
    ("scan_jobs", "version", "", Invalid),
    ("scan_results", "risk_score", "abc", Invalid),
    ("scan_results", "http_status", "200 OK", Invalid),
    ("reports", "file_size", 0, OK),
    ("reports", "file_size", 2**63 - 1, OK),
    ("reports", "file_size", "abc", Invalid),
    ("credit_transactions", "amount", "ten", Invalid),
    ("wallets", "credit_balance", "x", Invalid),
    # booleans
    ("domains", "is_active", True, OK),
    ("domains", "is_active", False, OK),
    ("domains", "is_active", 2, Invalid),
    ("domains", "is_active", -1, Invalid),
    ("domains", "is_active", "yes", Invalid),
    ("domains", "is_active", "true", Invalid),
    # UUIDs: the canonical lowercase hyphenated text, or uuid.UUID
    ("error_logs", "id", uuid.UUID(UUID_TEXT), OK),
    ("error_logs", "id", UUID_TEXT, OK),
    ("error_logs", "id", "00000000-0000-0000-0000-000000000000", OK),
    ("error_logs", "id", "abc", Invalid),
    ("error_logs", "id", "", Invalid),
    ("error_logs", "id", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", Invalid),
    ("error_logs", "id", UUID_TEXT[:-1], Invalid),
    ("error_logs", "id", UUID_TEXT + "0", Invalid),
    ("credit_transactions", "scan_job_id", "job-1", Invalid),
    ("scans", "domain_id", "not-a-uuid", Invalid),
    ("error_logs", "id", "{0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b}", Invalid),
    # timestamps: aware datetimes, in any zone; never text
    ("error_logs", "created_at", datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), OK),
    (
        "error_logs",
        "created_at",
        datetime(2026, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=5))),
        OK,
    ),
    ("error_logs", "created_at", datetime(1, 1, 1, tzinfo=UTC), OK),
    ("error_logs", "created_at", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), OK),
    ("error_logs", "created_at", "yesterday", Invalid),
    ("error_logs", "created_at", "2026-01-02", Invalid),
    ("error_logs", "created_at", "", Invalid),
    ("error_logs", "created_at", 1767323045, Invalid),
    ("users", "email_verified_at", None, OK),
    ("users", "trial_ends_at", "next week", Invalid),
    ("error_logs", "created_at", datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=UTC), OK),
    ("error_logs", "created_at", datetime(9999, 12, 31, tzinfo=UTC), OK),
    # A naive datetime says no zone: refused before any SQL, whoever binds it.
    ("error_logs", "created_at", datetime(2026, 1, 2, 3, 4), Refused),
    # Outside 0001..9999 once in UTC: no backend can hold it.
    (
        "error_logs",
        "created_at",
        datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
        Refused,
    ),
    (
        "error_logs",
        "created_at",
        datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-2))),
        Refused,
    ),
    ("error_logs", "created_at", "2026-01-02T03:04:05.000000+00:00", Invalid),
    # IP addresses
    ("error_logs", "ip", ipaddress.ip_address("192.0.2.1"), OK),
    ("error_logs", "ip", ipaddress.ip_address("2001:db8::1"), OK),
    ("error_logs", "ip", "192.0.2.1", OK),
    ("error_logs", "ip", "0.0.0.0", OK),
    ("error_logs", "ip", "255.255.255.255", OK),
    ("error_logs", "ip", "::", OK),
    ("error_logs", "ip", "::1", OK),
    ("error_logs", "ip", "2001:db8:0:0:1:0:0:1", OK),
    ("error_logs", "ip", "1:2:3:4:5:6:7::", OK),
    ("error_logs", "ip", "::ffff:192.0.2.1", OK),
    ("error_logs", "ip", None, OK),
    ("error_logs", "ip", "256.1.1.1", Invalid),
    ("error_logs", "ip", "1.2.3", Invalid),
    ("error_logs", "ip", "1.2.3.4.5", Invalid),
    ("error_logs", "ip", "01.2.3.4", Invalid),
    ("error_logs", "ip", "1.2.3.4 ", Invalid),
    ("error_logs", "ip", "", Invalid),
    ("error_logs", "ip", "localhost", Invalid),
    ("error_logs", "ip", "2001:db8::1::2", Invalid),
    ("error_logs", "ip", "2001:db8:::1", Invalid),
    ("error_logs", "ip", "12345::1", Invalid),
    ("error_logs", "ip", "g::1", Invalid),
    ("error_logs", "ip", ":1::", Invalid),
    ("error_logs", "ip", "1:2:3:4:5:6:7:8:9", Invalid),
    ("error_logs", "ip", "::ffff:256.1.1.1", Invalid),
    # An address, not a network: inet would keep the prefix.
    ("error_logs", "ip", "10.0.0.1/24", Invalid),
    ("error_logs", "ip", "2001:db8::/32", Invalid),
    ("error_logs", "ip", "2001:db8::1/64", Invalid),
    # JSON text
    ("scan_results", "analysis_metadata", '{"a": 1}', OK),
    ("scan_results", "analysis_metadata", "[1, 2]", OK),
    ("scan_results", "analysis_metadata", "42", OK),
    ("scan_results", "analysis_metadata", '"text"', OK),
    ("scan_results", "analysis_metadata", "null", OK),
    ("scan_results", "analysis_metadata", "{", Invalid),
    ("scan_results", "analysis_metadata", "abc", Invalid),
    ("scan_results", "analysis_metadata", "", Invalid),
    ("scan_results", "analysis_metadata", "{'a': 1}", Invalid),
    ("scan_results", "analysis_metadata", "[1,]", Invalid),
    ("users", "metadata", "{not json}", Invalid),
    ("users", "notification_preferences", "nope", Invalid),
    # jsonb refuses the escape \u0000 in strings and keys; an escaped backslash before
    # "u0000" is no such escape.
    ("scan_results", "analysis_metadata", '"\\u0000"', Invalid),
    ("scan_results", "analysis_metadata", '{"a": ["x\\u0000y"]}', Invalid),
    ("scan_results", "analysis_metadata", '{"\\u0000": 1}', Invalid),
    ("scan_results", "analysis_metadata", '"\\\\\\u0000"', Invalid),
    ("scan_results", "analysis_metadata", '"\\\\u0000"', OK),
    ("scan_results", "analysis_metadata", '"a\x00b"', Invalid),
    # ... and a surrogate escape that is not half of a high-low pair
    ("scan_results", "analysis_metadata", '"\\ud800"', Invalid),
    ("scan_results", "analysis_metadata", '"\\uDC00"', Invalid),
    ("scan_results", "analysis_metadata", '{"\\udc00": 1}', Invalid),
    ("scan_results", "analysis_metadata", '["\\ud800", "\\udc00"]', Invalid),
    ("scan_results", "analysis_metadata", '"\\ud800\\\\udc00"', Invalid),
    ("scan_results", "analysis_metadata", '"\\ud83d\\ude00"', OK),
    ("scan_results", "analysis_metadata", '"\\uDBFF\\uDFFF"', OK),
    ("scan_results", "analysis_metadata", '"\\\\ud800"', OK),
    # text: NUL is refused by the database; a lone surrogate cannot even be sent
    ("error_logs", "message", "a\x00b", Invalid),
    ("error_logs", "message", "\x00", Invalid),
    ("users", "name", "x\x00", Invalid),
    ("scan_jobs", "url", "https://example.com/\x00", Invalid),
    ("error_logs", "message", "é\U0001f600", OK),
    ("error_logs", "message", "a\ud800b", Refused),
    ("error_logs", "message", "\udc00", Refused),
    ("scan_results", "analysis_metadata", '"\ud800"', Refused),
    # integers: beyond 64 bits no backend binds one
    ("reports", "file_size", 2**63, Refused),
    ("reports", "file_size", -(2**63) - 1, Refused),
    # JSON arrays and objects: a valid JSON value of the wrong shape is a CHECK's to refuse
    ("scan_results", "categories", '["phishing"]', OK),
    ("scan_results", "categories", '{"a": 1}', Check),
    ("users", "notification_preferences", '{"email": true}', OK),
    ("users", "notification_preferences", "[1]", Check),
    ("audit_logs", "risk_assessment_summary", '"flat"', Check),
]


def _case_id(case: tuple[str, str, Any, Any]) -> str:
    table, column, value, expected = case
    return f"{table}.{column}={value!r}-{'ok' if expected is None else expected.__name__}"


def _insert_sql(table: str, columns: list[str]) -> str:
    listed = ", ".join(columns)
    return f"INSERT INTO {table} ({listed}) VALUES ({', '.join(f':{c}' for c in columns)})"


@pytest.mark.parametrize(("table", "column", "value", "expected"), CASES, ids=map(_case_id, CASES))
async def test_a_raw_insert_is_accepted_or_refused_alike(
    database: datasdk.Database,
    table: str,
    column: str,
    value: Any,
    expected: type[errors.DataSDKError] | None,
) -> None:
    world = await build_world(database)
    row = valid_row(table, world.parents) | {column: value}
    if table == "scan_results":
        # One result per job: a job of its own.
        job = await insert_row(database, "scan_jobs", valid_row("scan_jobs", world.parents))
        row["job_id"] = job["id"]
    statement = _insert_sql(table, list(row))
    if expected is None:
        assert (await database.execute(statement, row)).rowcount == 1
        return
    with pytest.raises(expected) as caught:
        await database.execute(statement, row)
    if expected is Invalid:
        error = caught.value
        assert isinstance(error, errors.InvalidValue)
        assert (error.table, error.column, error.constraint) == (
            table,
            column,
            f"ty_{table}_{column}",
        )


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("error_logs", "ip", "999.1.1.1"),
        ("error_logs", "context", "{"),
        ("error_logs", "created_at", "today"),
        ("domains", "is_active", 7),
        ("domains", "last_scan_score", "high"),
        # Columns a rule's trigger reads: the type is still what refuses them.
        ("scan_jobs", "version", "two"),
        ("wallets", "credit_balance", "lots"),
    ],
)
async def test_a_raw_update_is_refused_alike(
    database: datasdk.Database, table: str, column: str, value: Any
) -> None:
    world = await build_world(database)
    keys = {"domains": world.domain_id, "scan_jobs": world.job_id, "wallets": world.wallet_id}
    key = keys.get(table)
    if key is None:
        key = (await insert_row(database, table, valid_row(table, world.parents)))["id"]
    before = await fetch(database, table, id=key)
    with pytest.raises(errors.InvalidValue) as caught:
        await database.execute(
            f"UPDATE {table} SET {column} = :value WHERE id = :id", {"value": value, "id": key}
        )
    assert (caught.value.table, caught.value.column) == (table, column)
    assert await fetch(database, table, id=key) == before


async def test_the_sdk_writes_every_type_in_the_accepted_form(database: datasdk.Database) -> None:
    """Rows written through the typed columns pass the checks and read back unchanged."""
    world = await build_world(database)
    sent = datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    row = valid_row("error_logs", world.parents) | {
        "ip": ipaddress.ip_address("2001:db8::2"),
        "context": {"k": [1, 2]},
        "created_at": sent,
    }
    await insert_row(database, "error_logs", row)
    (stored,) = await fetch(database, "error_logs", id=row["id"])
    assert (stored["ip"], stored["context"], stored["created_at"]) == (
        row["ip"],
        {"k": [1, 2]},
        sent,
    )


@pytest.mark.parametrize(
    ("table", "column", "literal"),
    [
        ("error_logs", "ip", "'abc'"),
        ("error_logs", "created_at", "'not a time'"),
        ("error_logs", "context", "'{'"),
        ("domains", "is_active", "3"),
        ("scan_jobs", "version", "'x'"),
        # One range and one form, whatever PostgreSQL's input functions accept.
        ("error_logs", "created_at", "'10000-01-01T00:00:00.000000Z'"),
        ("error_logs", "ip", "'10.0.0.1/24'"),
        ("error_logs", "ip", "'2001:db8::/48'"),
        ("error_logs", "context", '\'{"a": "\\u0000"}\''),
    ],
)
async def test_a_literal_in_the_sql_text_is_refused_alike(
    database: datasdk.Database, table: str, column: str, literal: str
) -> None:
    world = await build_world(database)
    if table == "error_logs":
        row = valid_row(table, world.parents)
        statement = (
            f"INSERT INTO {table} (id, type, severity, message, {column}) "
            f"VALUES (:id, :type, :severity, :message, {literal})"
        )
        params = {k: row[k] for k in ("id", "type", "severity", "message")}
    else:
        key = world.domain_id if table == "domains" else world.job_id
        statement = f"UPDATE {table} SET {column} = {literal} WHERE id = :id"
        params = {"id": key}
    with pytest.raises(errors.InvalidValue) as caught:
        await database.execute(statement, params)
    assert (caught.value.table, caught.value.column) == (table, column)


# What the SDK writes, it reads back the same on every backend: the value and its types
# (1e16 stays a float, not the integer jsonb's numeric would make of it).
JSON_VALUES: list[Any] = [
    {"big": 1e16, "bigger": 1.5e300, "max": 1.7976931348623157e308},
    {"tiny": 5e-324, "small": 1e-7, "neg": -2.5e-10, "frac": 0.1, "third": 1 / 3},
    {"ints": [2**53, 2**53 + 1, 2**63, -(2**64), 10**30]},
    {"integral": [1.0, -1.0, 1e15, 123456789012345680.0, -1e16]},
    {"zero": [0.0, 0, False, None, ""]},
    {"text": ["é", "\U0001f600", "\\u0000", "\u2028", "\x7f", 'q"uote']},
    {"nested": [[[[{"a": [1.0e17]}]]]]},
]


def _exact(value: Any) -> str:
    """Tells 1e16 from 10000000000000000 and 0.0 from -0.0. Not key order: jsonb keeps
    object keys in an order of its own."""
    return json.dumps(value, sort_keys=True)


async def _log(database: datasdk.Database, **fields: Any) -> datasdk.ErrorLog:
    fields = {"type": "client_error", "severity": "error", "message": "m"} | fields
    entry = datasdk.NewErrorLog(**fields)
    return await database.error_logs.log(entry)


@pytest.mark.parametrize("value", JSON_VALUES, ids=range(len(JSON_VALUES)))
async def test_json_reads_back_as_written(database: datasdk.Database, value: Any) -> None:
    logged = await _log(database, context=value)
    (found,) = (await database.error_logs.query()).items
    assert _exact(logged.context) == _exact(found.context) == _exact(value)


async def test_negative_zero_reads_back_as_zero(database: datasdk.Database) -> None:
    """numeric has no negative zero: the SDK writes 0.0 on every backend."""
    await _log(database, context={"z": -0.0})
    (found,) = (await database.error_logs.query()).items
    assert found.context is not None
    assert math.copysign(1, found.context["z"]) == 1.0


@pytest.mark.parametrize(
    "fields",
    [
        {"context": {"a": float("nan")}},
        {"context": {"a": [float("inf")]}},
        {"context": {"a": "x\x00"}},
        {"context": {"\x00": 1}},
        {"context": {"a": "\ud800"}},
        {"context": {"a": "\ud83d\ude00"}},  # a surrogate pair is two lone surrogates
        {"message": "a\x00b"},
        {"message": "a\udfffb"},
        {"user_agent": "\x00"},
        {"ip": "fe80::1%eth0"},
        {"ip": ipaddress.ip_address("fe80::1%1")},
    ],
    ids=lambda fields: repr(fields),
)
async def test_what_no_backend_stores_alike_is_refused_before_sql(
    database: datasdk.Database, fields: dict[str, Any]
) -> None:
    with pytest.raises(errors.ValidationError):
        await _log(database, **fields)
    assert (await database.error_logs.query()).items == []


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999998, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
    ],
    ids=str,
)
async def test_timestamps_read_back_across_the_whole_range(
    database: datasdk.Database, moment: datetime
) -> None:
    """0001-01-01 to 9999-12-31 UTC on every backend, both ends included (asyncpg writes
    those two as -infinity and infinity; they read back as written)."""
    world = await build_world(database)
    row = valid_row("error_logs", world.parents) | {"created_at": moment}
    await insert_row(database, "error_logs", row)
    (stored,) = await fetch(database, "error_logs", id=row["id"])
    assert stored["created_at"] == moment
    assert stored["created_at"].tzinfo is UTC
    found = await database.execute(
        "SELECT count(*) AS n FROM error_logs WHERE created_at = :t", {"t": moment}
    )
    assert found.rows == [{"n": 1}]


async def test_an_sdk_write_is_the_canonical_text(database: datasdk.Database) -> None:
    """The JSON the SDK writes passes the JSON type check wherever it is stored, and the
    same value written as raw SQL text reads back as the SDK's own."""
    world = await build_world(database)
    value = {"big": 1e16, "ints": [2**63], "s": "\\u0000"}
    row = valid_row("error_logs", world.parents) | {"context": json.dumps(value)}
    await database.execute(
        "INSERT INTO error_logs (id, type, severity, message, context) "
        "VALUES (:id, :type, :severity, :message, :context)",
        {k: row[k] for k in ("id", "type", "severity", "message", "context")},
    )
    (stored,) = await fetch(database, "error_logs", id=row["id"])
    assert stored["context"]["ints"] == [2**63]
    assert stored["context"]["s"] == "\\u0000"


@pytest.mark.parametrize("text", ["a\x00b", "a\ud800b", "\udfff"], ids=repr)
async def test_sdk_lookups_by_text_refuse_what_no_backend_stores(
    database: datasdk.Database, text: str
) -> None:
    """PostgreSQL's text input refuses NUL even in a comparison, where SQLite would just
    match nothing: the SDK refuses it (and lone surrogates) before any SQL, everywhere."""
    for lookup in (
        database.users.get(text),
        database.users.get_by_email(text),
        database.wallets.get(text),
        database.users.delete(text),
    ):
        with pytest.raises(errors.ValidationError):
            await lookup


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
        datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-2))),
        datetime(2026, 1, 1),
    ],
    ids=str,
)
async def test_timestamps_beyond_the_range_are_refused_before_sql(
    database: datasdk.Database, moment: datetime
) -> None:
    world = await build_world(database)
    row = valid_row("error_logs", world.parents) | {"created_at": moment}
    with pytest.raises(errors.ValidationError):
        await insert_row(database, "error_logs", row)
    assert await fetch(database, "error_logs", id=row["id"]) == []
