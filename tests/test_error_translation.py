"""The dialects' error translators: by result code / SQLSTATE, never by message text alone."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi

from datasdk import errors
from datasdk.dialects import postgresql, sqlite

AUDIT_INSERT = (
    "INSERT OR REPLACE INTO audit_logs (id, scan_job_id, url_accessed, content_hash) "
    "VALUES ('00000000-0000-4000-8000-0000000000a1', ?, 'https://e.test', '" + "0" * 64 + "')"
)
# Rule tokens as the triggers raise them; PostgreSQL's SQLSTATE for each.
TOKENS: list[tuple[str, type[errors.DataSDKError], str | None]] = [
    ("datasdk:append_only:audit_logs", errors.AppendOnlyViolation, "DS001"),
    ("datasdk:domain_limit:domains", errors.DomainLimitExceeded, "DS002"),
    ("datasdk:job_state_machine:scan_jobs", errors.InvalidStateTransition, "DS003"),
    ("datasdk:scan_status_machine:scans", errors.InvalidStateTransition, "DS003"),
    ("datasdk:ledger:wallets", errors.RuleViolation, "DS004"),
    ("datasdk:foreign_key:wallets:fk_wallets_user_id_users", errors.ForeignKeyViolation, None),
    ("datasdk:unique:audit_logs:pk_audit_logs", errors.UniqueViolation, None),
]


def _named(err: errors.DataSDKError) -> tuple[type, str | None, str | None]:
    """(class, table, constraint or rule name) of a translated error."""
    if isinstance(err, errors.ConstraintViolation):
        return type(err), err.table, err.constraint
    assert isinstance(err, errors.RuleViolation), err
    return type(err), err.table, err.rule


def _expected(token: str, cls: type) -> tuple[type, str, str]:
    _, rule, table, *constraint = token.split(":")
    return cls, table, (constraint[0] if constraint else rule)


def _sqlite_error(conn: sqlite3.Connection, sql: str, *params: object) -> errors.DataSDKError:
    with pytest.raises(sqlite3.Error) as caught:
        conn.execute(sql, params)
    return sqlite.translate(caught.value)


# fmt: off
SCHEMA_VIOLATIONS: list[tuple[str | None, str, tuple[type, str, str]]] = [
    # (statement that succeeds first or None, violating statement, expected translation)
    ("INSERT INTO users (id, email) VALUES ('u1', 'a@x.test')",
     "INSERT INTO users (id, email) VALUES ('u2', 'a@x.test')",
     (errors.UniqueViolation, "users", "uq_users_email")),
    ("INSERT INTO users (id) VALUES ('u1')", "INSERT INTO users (id) VALUES ('u1')",
     (errors.UniqueViolation, "users", "pk_users")),
    ("INSERT INTO users (id, provider, provider_id) VALUES ('u1', 'clerk', 'p')",
     "INSERT INTO users (id, provider, provider_id) VALUES ('u2', 'clerk', 'p')",
     (errors.UniqueViolation, "users", "idx_users_provider")),
    (None, "INSERT INTO users (id, email) VALUES ('u1', 'A@x.test')",
     (errors.CheckViolation, "users", "ck_users_email_lower")),
    (None, "INSERT INTO scan_jobs (url) VALUES (NULL)",
     (errors.NotNullViolation, "scan_jobs", "nn_scan_jobs_url")),
    (None, "INSERT INTO wallets (user_id) VALUES ('nobody')",
     (errors.ForeignKeyViolation, "wallets", "fk_wallets_user_id_users")),
    (None, "INSERT INTO scan_jobs (url, state) VALUES ('https://e.test', 'COMPLETED')",
     (errors.InvalidStateTransition, "scan_jobs", "job_state_machine")),
    ("INSERT INTO scan_jobs (url) VALUES ('https://e.test')",
     "UPDATE scan_jobs SET state = 'COMPLETED'",
     (errors.InvalidStateTransition, "scan_jobs", "job_state_machine")),
]
# fmt: on


@pytest.mark.parametrize(("setup", "violation", "expected"), SCHEMA_VIOLATIONS)
def test_schema_violation(
    db: sqlite3.Connection, setup: str | None, violation: str, expected: tuple[type, str, str]
) -> None:
    if setup:
        db.execute(setup)
    assert _named(_sqlite_error(db, violation)) == expected


def test_audit_logs_update_and_key_collision(db: sqlite3.Connection) -> None:
    sql = "INSERT INTO scan_jobs (url) VALUES ('https://e.test') RETURNING id"
    job = db.execute(sql).fetchone()[0]
    db.execute(AUDIT_INSERT, (job,))
    err = _sqlite_error(db, "UPDATE audit_logs SET url_accessed = 'https://other.test'")
    assert _named(err) == (errors.AppendOnlyViolation, "audit_logs", "append_only")
    err = _sqlite_error(db, AUDIT_INSERT, job)
    assert _named(err) == (errors.UniqueViolation, "audit_logs", "pk_audit_logs")


def test_domain_limit(db: sqlite3.Connection) -> None:
    db.execute("INSERT INTO users (id) VALUES ('u1')")
    insert = "INSERT INTO domains (user_id, url, display_name) VALUES ('u1', ?, 'd')"
    for n in range(10):
        db.execute(insert, (f"https://d{n}.test",))
    err = _sqlite_error(db, insert, "https://d10.test")
    assert _named(err) == (errors.DomainLimitExceeded, "domains", "domain_limit")


@pytest.fixture
def plain() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("CREATE TABLE parent (id TEXT PRIMARY KEY)")
    conn.execute("CREATE TABLE child (parent_id TEXT REFERENCES parent (id))")
    conn.execute("CREATE TABLE t (x TEXT)")
    yield conn
    conn.close()


def test_native_foreign_key_code(plain: sqlite3.Connection) -> None:
    err = _sqlite_error(plain, "INSERT INTO child VALUES ('missing')")
    assert type(err) is errors.ForeignKeyViolation


def _raise_in_trigger(conn: sqlite3.Connection, message: str) -> errors.DataSDKError:
    conn.execute(
        f"CREATE TRIGGER trg BEFORE INSERT ON t BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )
    return _sqlite_error(conn, "INSERT INTO t VALUES ('x')")


@pytest.mark.parametrize(("token", "cls"), [(token, cls) for token, cls, _ in TOKENS])
def test_trigger_tokens(plain: sqlite3.Connection, token: str, cls: type) -> None:
    assert _named(_raise_in_trigger(plain, token)) == _expected(token, cls)


def test_trigger_message_that_looks_like_a_check_is_a_rule_violation(
    plain: sqlite3.Connection,
) -> None:
    err = _raise_in_trigger(plain, "CHECK constraint failed: ck_users_email_lower")
    assert type(err) is errors.RuleViolation


@pytest.mark.parametrize(
    "lookalike",
    ["CHECK constraint failed: ck_users_email_lower", "UNIQUE constraint failed: users.email"],
)
def test_other_codes_with_constraint_like_text_are_backend_errors(
    plain: sqlite3.Connection, lookalike: str
) -> None:
    with pytest.raises(sqlite3.OperationalError) as caught:
        plain.execute(f'SELECT * FROM "{lookalike}"')  # "no such table: <lookalike>"
    assert caught.value.sqlite_errorcode == 1
    assert lookalike in str(caught.value)
    assert type(sqlite.translate(caught.value)) is errors.BackendError


def test_busy_is_transaction_conflict(tmp_path: Path) -> None:
    def connect() -> sqlite3.Connection:
        return sqlite3.connect(tmp_path / "busy.db", timeout=0, isolation_level=None)

    with closing(connect()) as holder, closing(connect()) as waiter:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as caught:
            waiter.execute("BEGIN IMMEDIATE")
    assert caught.value.sqlite_errorcode == 5  # SQLITE_BUSY
    assert type(sqlite.translate(caught.value)) is errors.TransactionConflict


# -- PostgreSQL ------------------------------------------------------------------------


def _pg(state: str, message: str = "boom", **fields: str) -> asyncpg.PostgresError:
    """An asyncpg error as asyncpg builds it from the server's fields."""
    letter = {"table": "t", "constraint": "n", "column": "c"}
    wire = {"C": state, "M": message} | {letter[k]: v for k, v in fields.items()}
    return asyncpg.PostgresError.new(wire)


# fmt: off
PG_CONSTRAINTS = [
    (asyncpg.UniqueViolationError, (errors.UniqueViolation, "users", "uq_users_email")),
    (asyncpg.UniqueViolationError, (errors.UniqueViolation, "audit_logs", "pk_audit_logs")),
    (asyncpg.CheckViolationError, (errors.CheckViolation, "users", "ck_users_email_lower")),
    (asyncpg.ForeignKeyViolationError,
     (errors.ForeignKeyViolation, "wallets", "fk_wallets_user_id_users")),
]
# fmt: on


@pytest.mark.parametrize(("asyncpg_class", "expected"), PG_CONSTRAINTS)
def test_pg_constraint_names_come_from_the_fields(
    asyncpg_class: type, expected: tuple[type, str, str]
) -> None:
    exc = _pg(asyncpg_class.sqlstate, table=expected[1], constraint=expected[2])  # type: ignore[attr-defined]
    err = postgresql.translate(exc)
    assert type(exc) is asyncpg_class
    assert _named(err) == expected


def test_pg_check_without_table_finds_it_from_the_schema() -> None:
    err = postgresql.translate(_pg("23514", constraint="ck_users_email_lower"))
    assert _named(err) == (errors.CheckViolation, "users", "ck_users_email_lower")


def test_pg_not_null() -> None:
    err = postgresql.translate(_pg("23502", table="scan_jobs", column="url"))
    assert isinstance(err, errors.NotNullViolation)
    assert (err.table, err.column, err.constraint) == ("scan_jobs", "url", "nn_scan_jobs_url")


@pytest.mark.parametrize("state", ["40001", "40P01"])
def test_pg_serialization_and_deadlock_are_conflicts(state: str) -> None:
    assert type(postgresql.translate(_pg(state))) is errors.TransactionConflict


@pytest.mark.parametrize(
    ("token", "cls", "state"), [entry for entry in TOKENS if entry[2] is not None]
)
def test_pg_rule_states_read_the_token(token: str, cls: type, state: str) -> None:
    table = token.split(":")[2]
    assert _named(postgresql.translate(_pg(state, token, table=table))) == _expected(token, cls)


@pytest.mark.parametrize("state", ["XX000", "0A000", "42P01"])
def test_pg_other_states_are_backend_errors(state: str) -> None:
    err = postgresql.translate(_pg(state, "duplicate key value violates unique constraint"))
    assert type(err) is errors.BackendError


def test_pg_error_as_wrapped_by_sqlalchemy() -> None:
    """SQLAlchemy's handle_error hands over its DBAPI adapter, caused by the asyncpg error."""
    original = _pg("23505", table="users", constraint="uq_users_email")
    adapter = AsyncAdapt_asyncpg_dbapi.UniqueViolationError
    wrapped = adapter(str(original), original)  # type: ignore[no-untyped-call]
    wrapped.__cause__ = original  # as `raise ... from original` sets it
    assert wrapped.sqlstate == "23505"
    err = postgresql.translate(wrapped)
    assert _named(err) == (errors.UniqueViolation, "users", "uq_users_email")
