"""Disconnects, classified once per dialect (is_disconnect) and translated as
ConnectionLost; the plan cache of the direct path stays bounded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from sqlalchemy import bindparam, delete, literal, select
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi

import datasdk
from datasdk import errors
from datasdk.cli import main
from datasdk.config import Backend
from datasdk.dialects import libsql_wire, postgresql, profile_for, sqlite
from datasdk.direct import PLAN_CACHE_SIZE
from datasdk.prepared import Prepared
from datasdk.schema.tables import users


def _pg(state: str) -> asyncpg.PostgresError:
    return asyncpg.PostgresError.new({"C": state, "M": "boom"})


@pytest.mark.parametrize("state", ["08000", "08003", "08006", "57P01", "57P02", "57P03"])
def test_pg_connection_states_are_disconnects(state: str) -> None:
    exc = _pg(state)
    assert postgresql.is_disconnect(exc)
    assert type(profile_for(Backend.POSTGRESQL).error(exc)) is errors.ConnectionLost
    assert not postgresql.direct_reusable(exc)


@pytest.mark.parametrize("state", ["23505", "40001", "53300", "57014", "28P01", "XX000"])
def test_pg_other_states_are_not(state: str) -> None:
    exc = _pg(state)
    assert not postgresql.is_disconnect(exc)
    assert not isinstance(profile_for(Backend.POSTGRESQL).error(exc), errors.ConnectionLost)


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError(),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed"),
    ],
)
def test_pg_transport_failures_are_disconnects(exc: BaseException) -> None:
    assert postgresql.is_disconnect(exc)
    assert type(profile_for(Backend.POSTGRESQL).error(exc)) is errors.ConnectionLost


def test_pg_disconnect_as_wrapped_by_sqlalchemy() -> None:
    original = asyncpg.ConnectionDoesNotExistError("closed in the middle of operation")
    wrapped = AsyncAdapt_asyncpg_dbapi.InterfaceError(str(original), original)  # type: ignore[no-untyped-call]
    wrapped.__cause__ = original
    assert postgresql.is_disconnect(wrapped)
    other = AsyncAdapt_asyncpg_dbapi.InterfaceError("another operation", RuntimeError())  # type: ignore[no-untyped-call]
    other.__cause__ = asyncpg.InterfaceError("another operation is in progress")
    assert not postgresql.is_disconnect(other)


def test_sqlite_busy_and_constraints_are_not_disconnects(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "x.db")
    connection.execute("CREATE TABLE t (x INTEGER CHECK (x > 0))")
    with pytest.raises(sqlite3.IntegrityError) as refused:
        connection.execute("INSERT INTO t VALUES (0)")
    connection.close()
    assert not sqlite.is_disconnect(refused.value)
    busy = libsql_wire.busy_error()
    assert not sqlite.is_disconnect(busy)
    assert type(profile_for(Backend.SQLITE).error(busy)) is errors.TransactionConflict
    with pytest.raises(sqlite3.ProgrammingError) as closed:
        connection.execute("SELECT 1")
    assert sqlite.is_disconnect(closed.value)


def test_libsql_transport_failures_are_disconnects() -> None:
    for failure in (
        aiohttp.ClientConnectionError("Cannot connect to host"),
        ConnectionResetError(104, "reset"),
    ):
        mapped = libsql_wire.dbapi_error(failure, None)
        assert sqlite.is_disconnect(mapped)
        assert type(profile_for(Backend.LIBSQL).error(mapped)) is errors.ConnectionLost
    assert sqlite.is_disconnect(libsql_wire.closed_error())


def test_connection_lost_says_it_may_be_retried() -> None:
    assert issubclass(datasdk.ConnectionLost, datasdk.BackendError)
    assert datasdk.ConnectionLost("x").retryable


def test_only_a_select_is_declared_a_read() -> None:
    assert Prepared(select(literal(1)), read=True).read
    with pytest.raises(TypeError):
        Prepared(delete(users).returning(users.c.id), read=True)


async def test_the_plan_cache_is_bounded_least_recently_used_first(tmp_path: Path) -> None:
    async with datasdk.connect(f"sqlite+aiosqlite:///{tmp_path / 'plans.db'}") as db:
        direct = db._direct
        statements = [
            Prepared(select(literal(n).label("n"), bindparam("x").label("x")))
            for n in range(PLAN_CACHE_SIZE + 50)
        ]
        first = statements[0]
        for statement in statements:
            direct.plan(statement)
            direct.plan(first)  # kept in use: never the least recently used
            assert len(direct._plans) <= PLAN_CACHE_SIZE
        assert first in direct._plans
        assert statements[1] not in direct._plans
        assert statements[-1] in direct._plans
        # A statement dropped from the cache is planned again when used.
        rows = await direct.fetch(statements[1], {"x": 7})
        assert rows == [{"n": 1, "x": 7}]


@pytest.mark.parametrize("command", [["upgrade"], ["check"], ["current"]])
def test_the_cli_reports_an_unreachable_server_in_one_line(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Port 1 on the loopback: nothing listens, the connect is refused at once.
    url = "postgresql://postgres@127.0.0.1:1/nothing"
    assert main(["db", *command, "--url", url]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("datasdk: error: ")
    assert "ConnectionRefusedError" in err
