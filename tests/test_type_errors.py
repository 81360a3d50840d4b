"""A value its column's type refuses: InvalidValue, with the table and column, from the
SQLite type checks and from PostgreSQL's data errors alike."""

from __future__ import annotations

import sqlite3
import uuid

import asyncpg
import pytest

from datasdk import errors
from datasdk.dialects import common, pg_targets, postgresql, sqlite


def _named(err: errors.DataSDKError | None) -> tuple[type, str | None, str | None, str | None]:
    assert isinstance(err, errors.InvalidValue), err
    return type(err), err.table, err.column, err.constraint


ERROR_LOG = (
    "INSERT INTO error_logs (id, type, severity, message{extra}) "
    "VALUES (?, 'client_error', 'info', 'm'{value})"
)


@pytest.mark.parametrize(
    ("column", "value"),
    [("ip", "abc"), ("context", "{"), ("created_at", "2026-01-01 00:00:00"), ("id", "ABC")],
)
def test_sqlite_type_checks_name_their_column(
    db: sqlite3.Connection, column: str, value: str
) -> None:
    key = value if column == "id" else str(uuid.uuid4())
    params = (key,) if column == "id" else (key, value)
    if column == "id":
        sql = ERROR_LOG.format(extra="", value="")
    else:
        sql = ERROR_LOG.format(extra=f", {column}", value=", ?")
    with pytest.raises(sqlite3.IntegrityError) as caught:
        db.execute(sql, params)
    expected = (errors.InvalidValue, "error_logs", column, f"ty_error_logs_{column}")
    assert _named(sqlite.translate(caught.value)) == expected


def test_a_type_check_from_a_message_only_peer_is_the_same_error() -> None:
    exc = sqlite3.IntegrityError("SQLite error: CHECK constraint failed: ty_scans_total_score")
    exc.sqlite_errorcode = sqlite.SQLITE_CONSTRAINT  # type: ignore[attr-defined]
    assert _named(sqlite.translate(exc)) == (
        errors.InvalidValue,
        "scans",
        "total_score",
        "ty_scans_total_score",
    )


def test_other_checks_stay_check_violations() -> None:
    assert type(common.check(None, "ck_scans_total_score")) is errors.CheckViolation


def _pg(state: str, message: str = "boom", **fields: str) -> asyncpg.PostgresError:
    letter = {"table": "t", "column": "c", "context": "W", "position": "P"}
    wire = {"C": state, "M": message} | {letter[k]: v for k, v in fields.items()}
    return asyncpg.PostgresError.new(wire)


INSERT = "INSERT INTO error_logs (id, type, severity, message, ip) VALUES ($1, $2, 'info', $3, $4)"


@pytest.mark.parametrize("state", ["22P02", "22007", "22008", "22003", "22P05", "22000"])
def test_pg_class_22_names_the_parameter_from_the_context(state: str) -> None:
    exc = _pg(state, context="unnamed portal parameter $4")
    assert _named(postgresql.translate(exc, INSERT)) == (
        errors.InvalidValue,
        "error_logs",
        "ip",
        "ty_error_logs_ip",
    )


def test_pg_client_side_refusal_names_the_parameter() -> None:
    # asyncpg checks a parameter against the column's type before sending it.
    exc = asyncpg.DataError("invalid input for query argument $1: 'abc' (invalid UUID 'abc')")
    assert _named(postgresql.translate(exc, INSERT))[1:3] == ("error_logs", "id")


@pytest.mark.parametrize("state", ["22P02", "42804"])
def test_pg_a_refused_literal_is_found_by_its_position(state: str) -> None:
    sql = "UPDATE domains SET last_scan_score = 5, is_active = 3 WHERE id = $1"
    exc = _pg(state, position=str(sql.index("3 WHERE") + 1))
    assert _named(postgresql.translate(exc, sql))[1:3] == ("domains", "is_active")


def test_pg_fields_are_used_when_present() -> None:
    exc = _pg("22001", table="users", column="email")
    assert _named(postgresql.translate(exc, None))[1:3] == ("users", "email")


@pytest.mark.parametrize(
    "sql", [None, "SELECT * FROM error_logs WHERE id = $1", "INSERT INTO t SELECT $1"]
)
def test_pg_a_value_outside_a_plain_write_has_no_column(sql: str | None) -> None:
    exc = _pg("22P02", context="unnamed portal parameter $1")
    _, _, column, constraint = _named(postgresql.translate(exc, sql))
    assert (column, constraint) == (None, None)


@pytest.mark.parametrize(
    ("statement", "where", "expected"),
    [
        ("INSERT INTO t (a, b) VALUES ($1, 'x,y'), ($2, $3)", {"parameter": 3}, ("t", "b")),
        ('INSERT INTO "t" ("a") VALUES ($1::UUID) RETURNING t.a', {"parameter": 1}, ("t", "a")),
        ("UPDATE t SET a = lower($1), b = $2 WHERE c = $3", {"parameter": 2}, ("t", "b")),
        ("UPDATE t SET a = lower($1), b = $2 WHERE c = $3", {"parameter": 1}, ("t", None)),
        ("UPDATE t SET a = lower($1), b = $2 WHERE c = $3", {"parameter": 3}, ("t", None)),
        ("INSERT INTO t (a, b) VALUES (1, 'bad')", {"position": 33}, ("t", "b")),
        ("DELETE FROM t WHERE a = $1", {"parameter": 1}, (None, None)),
    ],
)
def test_statement_targets(
    statement: str, where: dict[str, int], expected: tuple[str | None, str | None]
) -> None:
    assert pg_targets.target(statement, **where) == expected


def test_an_integer_the_driver_cannot_bind_is_a_validation_error() -> None:
    error = common.translate(OverflowError("Python int too large"), sqlite.translate)
    assert type(error) is errors.ValidationError
