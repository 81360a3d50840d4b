"""The dialects' error translators: by result code / SQLSTATE, never by message text alone."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from sqlalchemy.pool import StaticPool

from datasdk import errors
from datasdk.dialects import postgresql, sqlite
from datasdk.schema import metadata

SHA = "0" * 64


def _sqlite_error(conn: sqlite3.Connection, sql: str, params: tuple[object, ...] = ()) -> errors.DataSDKError:
    with pytest.raises(sqlite3.Error) as caught:
        conn.execute(sql, params)
    return sqlite.translate(caught.value)


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    """The logical schema, with its rules' triggers, in an in-memory sqlite3 database."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    engine = create_engine("sqlite://", creator=lambda: conn, poolclass=StaticPool)
    metadata.create_all(engine)
    conn.execute("PRAGMA foreign_keys = ON")
    yield conn
    engine.dispose()
    conn.close()


def _job(conn: sqlite3.Connection) -> str:
    (job_id,) = conn.execute(
        "INSERT INTO scan_jobs (url) VALUES ('https://e.test') RETURNING id"
    ).fetchone()
    return str(job_id)


def test_unique_column_named_as_in_logical_schema(db: sqlite3.Connection) -> None:
    db.execute("INSERT INTO users (id, email) VALUES ('u1', 'a@x.test')")
    err = _sqlite_error(db, "INSERT INTO users (id, email) VALUES ('u2', 'a@x.test')")
    assert type(err) is errors.UniqueViolation
    assert (err.table, err.constraint) == ("users", "uq_users_email")


def test_primary_key_collision_is_unique_violation(db: sqlite3.Connection) -> None:
    db.execute("INSERT INTO users (id) VALUES ('u1')")
    err = _sqlite_error(db, "INSERT INTO users (id) VALUES ('u1')")
    assert type(err) is errors.UniqueViolation
    assert (err.table, err.constraint) == ("users", "pk_users")


def test_unique_index_named_as_in_logical_schema(db: sqlite3.Connection) -> None:
    db.execute("INSERT INTO users (id, provider, provider_id) VALUES ('u1', 'clerk', 'p')")
    err = _sqlite_error(db, "INSERT INTO users (id, provider, provider_id) VALUES ('u2', 'clerk', 'p')")
    assert type(err) is errors.UniqueViolation
    assert (err.table, err.constraint) == ("users", "idx_users_provider")


def test_named_check(db: sqlite3.Connection) -> None:
    err = _sqlite_error(db, "INSERT INTO users (id, email) VALUES ('u1', 'A@x.test')")
    assert type(err) is errors.CheckViolation
    assert (err.table, err.constraint) == ("users", "ck_users_email_lower")


def test_not_null(db: sqlite3.Connection) -> None:
    err = _sqlite_error(db, "INSERT INTO scan_jobs (url) VALUES (NULL)")
    assert isinstance(err, errors.NotNullViolation)
    assert (err.table, err.column, err.constraint) == ("scan_jobs", "url", "nn_scan_jobs_url")


def test_foreign_key_guard_names_the_constraint(db: sqlite3.Connection) -> None:
    err = _sqlite_error(db, "INSERT INTO wallets (user_id) VALUES ('nobody')")
    assert type(err) is errors.ForeignKeyViolation
    assert (err.table, err.constraint) == ("wallets", "fk_wallets_user_id_users")


def test_append_only_update(db: sqlite3.Connection) -> None:
    job = _job(db)
    db.execute(
        "INSERT INTO audit_logs (scan_job_id, url_accessed, content_hash) VALUES (?, 'https://e.test', ?)",
        (job, SHA),
    )
    err = _sqlite_error(db, "UPDATE audit_logs SET url_accessed = 'https://other.test'")
    assert type(err) is errors.AppendOnlyViolation
    assert (err.table, err.rule) == ("audit_logs", "append_only")


def test_append_only_key_collision_is_unique_violation(db: sqlite3.Connection) -> None:
    job = _job(db)
    insert = "INSERT OR REPLACE INTO audit_logs (id, scan_job_id, url_accessed, content_hash) VALUES ('a', ?, 'https://e.test', ?)"
    db.execute(insert, (job, SHA))
    err = _sqlite_error(db, insert, (job, SHA))
    assert type(err) is errors.UniqueViolation
    assert (err.table, err.constraint) == ("audit_logs", "pk_audit_logs")


def test_domain_limit(db: sqlite3.Connection) -> None:
    db.execute("INSERT INTO users (id) VALUES ('u1')")
    insert = "INSERT INTO domains (user_id, url, display_name) VALUES ('u1', ?, 'd')"
    for n in range(10):
        db.execute(insert, (f"https://d{n}.test",))
    err = _sqlite_error(db, insert, ("https://d10.test",))
    assert type(err) is errors.DomainLimitExceeded
    assert (err.table, err.rule) == ("domains", "domain_limit")


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO scan_jobs (url, state) VALUES ('https://e.test', 'COMPLETED')",
        "UPDATE scan_jobs SET state = 'COMPLETED'",
    ],
)
def test_job_state_machine(db: sqlite3.Connection, sql: str) -> None:
    _job(db)
    err = _sqlite_error(db, sql)
    assert type(err) is errors.InvalidStateTransition
    assert (err.table, err.rule) == ("scan_jobs", "job_state_machine")


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


@pytest.mark.parametrize(
    ("token", "cls", "table", "name"),
    [
        ("datasdk:append_only:audit_logs", errors.AppendOnlyViolation, "audit_logs", "append_only"),
        ("datasdk:foreign_key:wallets:fk_wallets_user_id_users", errors.ForeignKeyViolation, "wallets", "fk_wallets_user_id_users"),
        ("datasdk:unique:audit_logs:pk_audit_logs", errors.UniqueViolation, "audit_logs", "pk_audit_logs"),
        ("datasdk:domain_limit:domains", errors.DomainLimitExceeded, "domains", "domain_limit"),
        ("datasdk:job_state_machine:scan_jobs", errors.InvalidStateTransition, "scan_jobs", "job_state_machine"),
        ("datasdk:scan_status_machine:scans", errors.InvalidStateTransition, "scans", "scan_status_machine"),
    ],
)
def test_trigger_tokens(plain: sqlite3.Connection, token: str, cls: type, table: str, name: str) -> None:
    plain.execute(f"CREATE TRIGGER trg BEFORE INSERT ON t BEGIN SELECT RAISE(ABORT, '{token}'); END")
    err = _sqlite_error(plain, "INSERT INTO t VALUES ('x')")
    assert type(err) is cls
    assert err.table == table  # type: ignore[attr-defined]
    found = err.constraint if isinstance(err, errors.ConstraintViolation) else err.rule  # type: ignore[attr-defined]
    assert found == name


def test_trigger_message_that_looks_like_a_check_is_a_rule_violation(plain: sqlite3.Connection) -> None:
    plain.execute(
        "CREATE TRIGGER trg BEFORE INSERT ON t BEGIN "
        "SELECT RAISE(ABORT, 'CHECK constraint failed: ck_users_email_lower'); END"
    )
    err = _sqlite_error(plain, "INSERT INTO t VALUES ('x')")
    assert type(err) is errors.RuleViolation


@pytest.mark.parametrize(
    "lookalike", ["CHECK constraint failed: ck_users_email_lower", "UNIQUE constraint failed: users.email"]
)
def test_other_codes_with_constraint_like_text_are_backend_errors(plain: sqlite3.Connection, lookalike: str) -> None:
    with pytest.raises(sqlite3.OperationalError) as caught:
        plain.execute(f'SELECT * FROM "{lookalike}"')  # "no such table: <lookalike>"
    assert caught.value.sqlite_errorcode == 1
    assert lookalike in str(caught.value)
    assert type(sqlite.translate(caught.value)) is errors.BackendError


def test_busy_is_transaction_conflict(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, timeout=0, isolation_level=None)
    waiter = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as caught:
            waiter.execute("BEGIN IMMEDIATE")
        assert caught.value.sqlite_errorcode == 5
        assert type(sqlite.translate(caught.value)) is errors.TransactionConflict
    finally:
        holder.close()
        waiter.close()


# -- PostgreSQL ------------------------------------------------------------------------


def _pg(state: str, message: str = "boom", **fields: str) -> asyncpg.PostgresError:
    keys = {"table": "t", "constraint": "n", "column": "c"}
    return asyncpg.PostgresError.new({"C": state, "M": message, **{keys[k]: v for k, v in fields.items()}})


@pytest.mark.parametrize(
    ("state", "asyncpg_class", "cls"),
    [
        ("23505", asyncpg.UniqueViolationError, errors.UniqueViolation),
        ("23514", asyncpg.CheckViolationError, errors.CheckViolation),
        ("23503", asyncpg.ForeignKeyViolationError, errors.ForeignKeyViolation),
    ],
)
def test_pg_constraints_take_names_from_fields(state: str, asyncpg_class: type, cls: type) -> None:
    exc = _pg(state, table="users", constraint="uq_users_email")
    assert type(exc) is asyncpg_class
    err = postgresql.translate(exc)
    assert type(err) is cls
    assert (err.table, err.constraint) == ("users", "uq_users_email")  # type: ignore[attr-defined]


def test_pg_check_without_table_finds_it_from_the_schema() -> None:
    err = postgresql.translate(_pg("23514", constraint="ck_users_email_lower"))
    assert isinstance(err, errors.CheckViolation)
    assert (err.table, err.constraint) == ("users", "ck_users_email_lower")


def test_pg_not_null() -> None:
    err = postgresql.translate(_pg("23502", table="scan_jobs", column="url"))
    assert isinstance(err, errors.NotNullViolation)
    assert (err.table, err.column, err.constraint) == ("scan_jobs", "url", "nn_scan_jobs_url")


@pytest.mark.parametrize("state", ["40001", "40P01"])
def test_pg_serialization_and_deadlock_are_conflicts(state: str) -> None:
    assert type(postgresql.translate(_pg(state))) is errors.TransactionConflict


@pytest.mark.parametrize(
    ("state", "token", "cls", "rule"),
    [
        ("DS001", "datasdk:append_only:audit_logs", errors.AppendOnlyViolation, "append_only"),
        ("DS002", "datasdk:job_state_machine:scan_jobs", errors.InvalidStateTransition, "job_state_machine"),
        ("DS003", "datasdk:domain_limit:domains", errors.DomainLimitExceeded, "domain_limit"),
        ("DS004", "datasdk:ledger:wallets", errors.RuleViolation, "ledger"),
    ],
)
def test_pg_rule_states_read_the_token(state: str, token: str, cls: type, rule: str) -> None:
    err = postgresql.translate(_pg(state, token))
    assert type(err) is cls
    assert err.rule == rule  # type: ignore[attr-defined]
    assert err.table == token.rsplit(":", 1)[1]  # type: ignore[attr-defined]


def test_pg_unique_token_under_rule_state() -> None:
    err = postgresql.translate(_pg("DS001", "datasdk:unique:audit_logs:pk_audit_logs"))
    assert type(err) is errors.UniqueViolation
    assert (err.table, err.constraint) == ("audit_logs", "pk_audit_logs")


@pytest.mark.parametrize("state", ["XX000", "22P02", "42P01"])
def test_pg_other_states_are_backend_errors(state: str) -> None:
    err = postgresql.translate(_pg(state, "duplicate key value violates unique constraint"))
    assert type(err) is errors.BackendError


def test_pg_error_as_wrapped_by_sqlalchemy() -> None:
    """SQLAlchemy's handle_error hands over its DBAPI adapter, caused by the asyncpg error."""
    original = _pg("23505", table="users", constraint="uq_users_email")
    try:
        raise AsyncAdapt_asyncpg_dbapi.UniqueViolationError(original.args[0], original) from original
    except AsyncAdapt_asyncpg_dbapi.Error as wrapped:
        err = postgresql.translate(wrapped)
    assert type(err) is errors.UniqueViolation
    assert (err.table, err.constraint) == ("users", "uq_users_email")
