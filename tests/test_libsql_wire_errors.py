"""libSQL failures in every shape the wire delivers them, classified like SQLite's own.

Each schema violation is first raised by real SQLite (the reference translation), then
re-delivered as a Hrana error payload the way each kind of peer sends it:
- ``extended``: libsql-client file mode and the Hrana test server (extended code name);
- ``sqld``: sqld and Turso (primary code name, ``SQLite error: <message>``);
- ``message``: a peer that sends no code at all.
Every shape must give the same class, table and constraint or rule as the reference.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from libsql_client.hrana.convert import _error_from_proto
from test_error_translation import SCHEMA_VIOLATIONS, TOKENS

from datasdk import errors
from datasdk.dialects import libsql_wire, sqlite

TOKEN = "eyJhbGciOiJFZERTQSJ9.secret-token-value"
Payload = Callable[[sqlite3.Error], dict[str, Any]]


def _primary_name(code: int) -> str:
    return next(n for n, c in libsql_wire.SQLITE_ERROR_CODES.items() if c == code & 0xFF)


SHAPES: dict[str, Payload] = {
    "extended": lambda e: {
        "message": f"SQLite function returned error code {e.sqlite_errorcode}: {e}",
        "code": e.sqlite_errorname,
    },
    "sqld": lambda e: {"message": f"SQLite error: {e}", "code": _primary_name(e.sqlite_errorcode)},
    "message": lambda e: {"message": str(e)},
}


def _from_wire(payload: dict[str, Any]) -> errors.DataSDKError | None:
    """What the SDK makes of a Hrana error payload, through libsql-client's own decoding."""
    received = _error_from_proto(payload)  # type: ignore[arg-type]
    return sqlite.translate(libsql_wire.dbapi_error(received, TOKEN))


def _named(err: errors.DataSDKError | None) -> tuple[type, str | None, str | None]:
    if isinstance(err, errors.ConstraintViolation):
        return type(err), err.table, err.constraint
    assert isinstance(err, errors.RuleViolation), err
    return type(err), err.table, err.rule


def _native(conn: sqlite3.Connection, sql: str) -> sqlite3.Error:
    with pytest.raises(sqlite3.Error) as caught:
        conn.execute(sql)
    return caught.value


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("setup", "violation", "expected"), SCHEMA_VIOLATIONS)
def test_schema_violations_in_every_wire_shape(
    db: sqlite3.Connection,
    shape: str,
    setup: str | None,
    violation: str,
    expected: tuple[type, str, str],
) -> None:
    if setup:
        db.execute(setup)
    native = _native(db, violation)
    assert _named(sqlite.translate(native)) == expected  # the reference
    assert _named(_from_wire(SHAPES[shape](native))) == expected


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("token", "cls"), [(token, cls) for token, cls, _ in TOKENS])
def test_rule_tokens_in_every_wire_shape(
    db: sqlite3.Connection, shape: str, token: str, cls: type
) -> None:
    db.execute("CREATE TABLE t (x TEXT)")
    db.execute(f"CREATE TRIGGER trg BEFORE INSERT ON t BEGIN SELECT RAISE(ABORT, '{token}'); END")
    native = _native(db, "INSERT INTO t VALUES ('x')")
    assert _named(_from_wire(SHAPES[shape](native))) == _named(sqlite.translate(native))


# Payloads as sqld sends them (libsql-server src/hrana/stmt.rs, src/auth/errors.rs).
# fmt: off
SQLD_PAYLOADS: list[tuple[dict[str, str], type[errors.DataSDKError]]] = [
    ({"message": "SQLite error: CHECK constraint failed: ck_users_email_lower",
      "code": "SQLITE_CONSTRAINT"}, errors.CheckViolation),
    ({"message": "SQLite error: datasdk:append_only:audit_logs", "code": "SQLITE_CONSTRAINT"},
     errors.AppendOnlyViolation),
    ({"message": "SQLite error: FOREIGN KEY constraint failed", "code": "SQLITE_CONSTRAINT"},
     errors.ForeignKeyViolation),
    ({"message": "SQLite error: database is locked", "code": "SQLITE_BUSY"},
     errors.TransactionConflict),
    ({"message": "SQLite error: attempt to write a readonly database", "code": "SQLITE_READONLY"},
     errors.ReadOnlyTransactionError),
    ({"message": "Transaction timed out", "code": "TRANSACTION_TIMEOUT"},
     errors.TransactionConflict),
    ({"message": "Server cannot handle additional transactions", "code": "TRANSACTION_BUSY"},
     errors.TransactionConflict),
    # A name that merely looks like a constraint message is not one.
    ({"message": "SQL input error: no such table: CHECK constraint failed: x (at offset 14)",
      "code": "SQL_INPUT_ERROR"}, errors.BackendError),
    ({"message": "SQLite error: no such table: UNIQUE constraint failed: users.email",
      "code": "SQLITE_ERROR"}, errors.BackendError),
    ({"message": "Response is too large", "code": "RESPONSE_TOO_LARGE"}, errors.BackendError),
]
# fmt: on


@pytest.mark.parametrize(("payload", "cls"), SQLD_PAYLOADS)
def test_sqld_payloads(payload: dict[str, str], cls: type) -> None:
    assert type(_from_wire(payload)) is cls


def test_a_custom_trigger_message_on_a_bare_constraint_code_is_a_rule_violation() -> None:
    err = _from_wire({"message": "SQLite error: not allowed", "code": "SQLITE_CONSTRAINT"})
    assert type(err) is errors.RuleViolation


@pytest.mark.parametrize(
    "code", ["AUTH_JWT_INVALID", "AUTH_JWT_EXPIRED", "AUTH_JWT_MISSING", "AUTH_FAILED"]
)
def test_refused_credentials_are_an_authentication_error_without_the_token(code: str) -> None:
    err = _from_wire({"message": f"The JWT is invalid: {TOKEN}", "code": code})
    assert type(err) is errors.AuthenticationError
    assert isinstance(err, errors.ConfigurationError)
    assert TOKEN not in str(err)


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_websocket_upgrade_is_an_authentication_error(status: int) -> None:
    refused = aiohttp.WSServerHandshakeError(None, (), status=status, message="Unauthorized")  # type: ignore[arg-type]
    mapped = libsql_wire.dbapi_error(refused, TOKEN)
    assert isinstance(mapped, sqlite3.OperationalError)
    assert type(sqlite.translate(mapped)) is errors.AuthenticationError


def test_the_token_never_rides_along_in_the_chain() -> None:
    leaked = _error_from_proto({"message": f"bad token {TOKEN}", "code": "SQLITE_ERROR"})
    mapped = libsql_wire.dbapi_error(leaked, TOKEN)
    assert TOKEN not in str(mapped)
    assert mapped.__cause__ is None  # the original names the token: not chained


def test_wire_errors_carry_their_codes_from_construction() -> None:
    mapped = libsql_wire.dbapi_error(
        _error_from_proto({"message": "SQLite error: x", "code": "SQLITE_CONSTRAINT"}), None
    )
    assert isinstance(mapped, sqlite3.IntegrityError)
    assert (mapped.sqlite_errorcode, mapped.sqlite_errorname) == (19, "SQLITE_CONSTRAINT")


def test_exceptions_that_are_not_the_drivers_are_not_translated() -> None:
    assert sqlite.translate(ValueError("caller's own")) is None
    assert sqlite.translate(KeyError("x")) is None


def test_a_locked_database_without_a_code_is_a_conflict() -> None:
    assert type(_from_wire({"message": "database is locked"})) is errors.TransactionConflict


def test_a_read_only_file_is_not_a_read_only_unit() -> None:
    err = _from_wire(
        {"message": "attempt to write a readonly database", "code": "SQLITE_READONLY_DBMOVED"}
    )
    assert type(err) is errors.BackendError
