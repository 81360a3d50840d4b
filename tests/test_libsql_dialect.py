"""The sqlite+libsql async dialect, against real SQLite files through libsql-client."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import sqlite3
import traceback
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import datasdk.dialects.libsql as libsql

TOKEN = "tok-3b1f9c-SECRET-do-not-print"
EngineFactory = Callable[..., AsyncEngine]


def _engine(
    url: str,
    *,
    pragmas: tuple[str, ...] = ("PRAGMA foreign_keys=ON", "PRAGMA journal_mode=WAL"),
    immediate: bool = True,
    **connect_args: Any,
) -> AsyncEngine:
    """SQLAlchemy's pysqlite "transactional DDL" recipe, as the project sets it up."""
    engine = create_async_engine("sqlite+libsql://", connect_args={"url": url, **connect_args})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    if immediate:

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@pytest.fixture
async def engines() -> AsyncIterator[EngineFactory]:
    created: list[AsyncEngine] = []

    def factory(path: Path | str, **kwargs: Any) -> AsyncEngine:
        engine = _engine(f"file:{path}", **kwargs)
        created.append(engine)
        return engine

    yield factory
    for engine in created:
        await engine.dispose()


async def _orig_of(awaitable: Any) -> Any:
    with pytest.raises(sa_exc.DBAPIError) as info:
        await awaitable
    return info.value.orig


async def test_round_trip(tmp_path: Path, engines: EngineFactory) -> None:
    engine = engines(tmp_path / "rt.db")
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, flag INT, data BLOB, at TEXT)"
        )
        first = await conn.execute(
            text("INSERT INTO t (name, flag, data) VALUES (:n, :f, :d)"),
            {"n": "a", "f": True, "d": b"\x00\x01"},
        )
        assert first.rowcount == 1
        assert first.lastrowid == 1
        many = await conn.execute(
            text("INSERT INTO t (name) VALUES (:n)"), [{"n": "b"}, {"n": "c"}]
        )
        assert many.rowcount == 2
        await conn.exec_driver_sql(
            "INSERT INTO t (name, at, data) VALUES (?, ?, ?)",
            ("d", dt.datetime(2024, 5, 6, 7, 8, 9), memoryview(b"mv")),
        )
        updated = await conn.execute(text("UPDATE t SET flag = 0 WHERE name IN ('b', 'c')"))
        assert updated.rowcount == 2
    async with engine.connect() as conn:
        result = await conn.execute(text("SELECT id, name, flag, data, at FROM t ORDER BY id"))
        assert list(result.keys()) == ["id", "name", "flag", "data", "at"]
        rows = [tuple(row) for row in result]
    assert rows == [
        (1, "a", 1, b"\x00\x01", None),
        (2, "b", 0, None, None),
        (3, "c", 0, None, None),
        (4, "d", None, b"mv", "2024-05-06T07:08:09"),
    ]


async def test_relative_file_path_and_ping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engines: EngineFactory
) -> None:
    monkeypatch.chdir(tmp_path)
    engine = engines("relative.db")
    engine.sync_engine.pool._pre_ping = True
    for _ in range(2):  # the second checkout pings the pooled connection
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("SELECT 41 + 1")).scalar() == 42
    assert (tmp_path / "relative.db").exists()


async def test_pragma_persists_on_the_connection(tmp_path: Path, engines: EngineFactory) -> None:
    path = tmp_path / "fk.db"
    engine = engines(path)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        await conn.exec_driver_sql(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INT REFERENCES parent(id))"
        )
    async with engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        await conn.exec_driver_sql("SELECT 1")
        assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
        orig = await _orig_of(conn.exec_driver_sql("INSERT INTO child VALUES (1, 99)"))
    assert isinstance(orig, sqlite3.IntegrityError)
    assert orig.sqlite_errorname == "SQLITE_CONSTRAINT_FOREIGNKEY"
    assert orig.sqlite_errorcode == 787

    # Control: without the PRAGMA, a fresh connection does not enforce it.
    loose = engines(path, pragmas=())
    async with loose.begin() as conn:
        await conn.exec_driver_sql("INSERT INTO child VALUES (1, 99)")


async def test_check_violation_maps_to_integrity_error(
    tmp_path: Path, engines: EngineFactory
) -> None:
    engine = engines(tmp_path / "ck.db")
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (x INT, CONSTRAINT ck_x CHECK (x > 0))")
    with pytest.raises(sa_exc.IntegrityError) as info:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("INSERT INTO t VALUES (?)", (-1,))
    orig = info.value.orig
    assert isinstance(orig, libsql.IntegrityError)
    assert orig.sqlite_errorcode == 275
    assert orig.sqlite_errorname == "SQLITE_CONSTRAINT_CHECK"
    assert str(orig) == "CHECK constraint failed: ck_x"


async def test_trigger_raise_maps_to_integrity_error(
    tmp_path: Path, engines: EngineFactory
) -> None:
    engine = engines(tmp_path / "trg.db")
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (x INT)")
        await conn.exec_driver_sql(
            "CREATE TRIGGER t_guard BEFORE INSERT ON t BEGIN SELECT RAISE(ABORT, 'x:y'); END"
        )
    with pytest.raises(sa_exc.IntegrityError) as info:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    orig: Any = info.value.orig
    assert orig.sqlite_errorcode == 1811
    assert str(orig) == "x:y"


async def test_other_errors_carry_codes(tmp_path: Path, engines: EngineFactory) -> None:
    engine = engines(tmp_path / "err.db")
    async with engine.connect() as conn:
        orig = await _orig_of(conn.exec_driver_sql("SELEC 1"))
        assert isinstance(orig, sqlite3.OperationalError)
        assert (orig.sqlite_errorcode, orig.sqlite_errorname) == (1, "SQLITE_ERROR")
        orig = await _orig_of(conn.exec_driver_sql("SELECT ?", (1, 2)))
        assert isinstance(orig, sqlite3.ProgrammingError)
        assert orig.sqlite_errorcode == 0


async def test_unopenable_file_is_cantopen(tmp_path: Path, engines: EngineFactory) -> None:
    engine = engines(tmp_path / "missing" / "x.db")
    orig = await _orig_of(engine.connect().start())
    assert isinstance(orig, sqlite3.OperationalError)
    assert (orig.sqlite_errorcode, orig.sqlite_errorname) == (14, "SQLITE_CANTOPEN")


def test_error_code_table() -> None:
    codes = libsql.SQLITE_ERROR_CODES
    for name, code in codes.items():
        if hasattr(sqlite3, name):  # Python's own constants for this SQLite build
            assert getattr(sqlite3, name) == code, name
    expected = {
        "SQLITE_CONSTRAINT": 19,
        "SQLITE_CONSTRAINT_CHECK": 275,
        "SQLITE_CONSTRAINT_COMMITHOOK": 531,
        "SQLITE_CONSTRAINT_FOREIGNKEY": 787,
        "SQLITE_CONSTRAINT_FUNCTION": 1043,
        "SQLITE_CONSTRAINT_NOTNULL": 1299,
        "SQLITE_CONSTRAINT_PRIMARYKEY": 1555,
        "SQLITE_CONSTRAINT_TRIGGER": 1811,
        "SQLITE_CONSTRAINT_UNIQUE": 2067,
        "SQLITE_CONSTRAINT_VTAB": 2323,
        "SQLITE_CONSTRAINT_ROWID": 2579,
        "SQLITE_CONSTRAINT_PINNED": 2835,
        "SQLITE_CONSTRAINT_DATATYPE": 3091,
        "SQLITE_BUSY": 5,
        "SQLITE_BUSY_RECOVERY": 261,
        "SQLITE_BUSY_SNAPSHOT": 517,
        "SQLITE_BUSY_TIMEOUT": 773,
        "SQLITE_LOCKED": 6,
        "SQLITE_READONLY": 8,
        "SQLITE_IOERR": 10,
        "SQLITE_CORRUPT": 11,
        "SQLITE_FULL": 13,
        "SQLITE_CANTOPEN": 14,
        "SQLITE_TOOBIG": 18,
        "SQLITE_MISMATCH": 20,
        "SQLITE_ERROR": 1,
        "SQLITE_INTERRUPT": 9,
    }
    assert {name: codes[name] for name in expected} == expected


async def test_busy_begin_waits_without_blocking_the_loop(
    tmp_path: Path, engines: EngineFactory
) -> None:
    path = tmp_path / "busy.db"
    first, second = engines(path), engines(path)
    async with first.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (x INT)")
    async with second.connect() as conn:  # open its pooled connection up front
        await conn.exec_driver_sql("SELECT 1")

    loop = asyncio.get_running_loop()
    holding = asyncio.Event()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def writer_a() -> None:
        async with first.begin() as conn:
            await conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            holding.set()
            await asyncio.sleep(0.2)

    async def writer_b() -> tuple[float, int]:
        await holding.wait()
        started, ticks_before = loop.time(), ticks
        async with second.begin() as conn:
            waited, ticked = loop.time() - started, ticks - ticks_before
            await conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        return waited, ticked

    async def scenario() -> tuple[float, int]:
        async with asyncio.TaskGroup() as group:  # a failure cancels and awaits the other
            group.create_task(writer_a())
            b_task = group.create_task(writer_b())
        return b_task.result()

    tick_task = asyncio.create_task(ticker())
    try:
        waited, ticked = await asyncio.wait_for(scenario(), 10)
    finally:
        tick_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tick_task
    assert waited >= 0.1  # B really waited for A's COMMIT ...
    assert ticked >= 5  # ... while the event loop kept running other tasks
    async with first.connect() as conn:
        assert (await conn.exec_driver_sql("SELECT x FROM t ORDER BY x")).scalars().all() == [1, 2]


async def test_busy_timeout_raises_operational_error(
    tmp_path: Path, engines: EngineFactory
) -> None:
    path = tmp_path / "busy_timeout.db"
    first, second = engines(path), engines(path, busy_timeout=0.2)
    async with first.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (x INT)")
    async with second.connect() as conn:
        await conn.exec_driver_sql("SELECT 1")

    async def try_write() -> None:
        async with second.begin() as conn:
            await conn.exec_driver_sql("INSERT INTO t VALUES (2)")

    loop = asyncio.get_running_loop()
    async with first.begin() as conn:
        await conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        started = loop.time()
        with pytest.raises(sa_exc.OperationalError) as info:
            await asyncio.wait_for(try_write(), 5)
        elapsed = loop.time() - started
    assert 0.15 <= elapsed < 2
    orig = info.value.orig
    assert isinstance(orig, sqlite3.OperationalError)
    assert orig.sqlite_errorcode & 0xFF == 5
    assert orig.sqlite_errorname.startswith("SQLITE_BUSY")


async def test_busy_inside_a_transaction_is_not_retried(
    tmp_path: Path, engines: EngineFactory
) -> None:
    path = tmp_path / "busy_tx.db"
    first, deferred = engines(path), engines(path, immediate=False)
    async with first.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (x INT)")
    loop = asyncio.get_running_loop()
    async with first.begin() as holder, deferred.connect() as conn:
        await holder.exec_driver_sql("INSERT INTO t VALUES (1)")
        await conn.exec_driver_sql("BEGIN")
        await conn.exec_driver_sql("SELECT count(*) FROM t")
        started = loop.time()
        orig = await _orig_of(conn.exec_driver_sql("INSERT INTO t VALUES (2)"))
        assert loop.time() - started < 0.5  # default busy_timeout is 5 s: no retry
        assert orig.sqlite_errorcode & 0xFF == 5
        await conn.rollback()


async def test_rollback(tmp_path: Path, engines: EngineFactory) -> None:
    engine = engines(tmp_path / "rb.db")
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (x INT)")
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        adapted = raw.dbapi_connection
        assert adapted is not None
        assert adapted.isolation_level is None
        assert not adapted.in_transaction

        def no_transaction_open(_: Any) -> None:
            adapted.rollback()  # neither raises when no transaction is open
            adapted.rollback()
            adapted.commit()

        await conn.run_sync(no_transaction_open)

        await conn.begin()
        assert adapted.in_transaction
        await conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        nested = await conn.begin_nested()
        await conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        await nested.rollback()
        assert adapted.in_transaction
        await conn.rollback()
        assert not adapted.in_transaction

        async with conn.begin():
            await conn.exec_driver_sql("INSERT INTO t VALUES (3)")
            async with conn.begin_nested():
                await conn.exec_driver_sql("INSERT INTO t VALUES (4)")

    async def failing_block() -> None:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("INSERT INTO t VALUES (5)")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await failing_block()
    async with engine.connect() as conn:
        assert (await conn.exec_driver_sql("SELECT x FROM t ORDER BY x")).scalars().all() == [3, 4]


async def test_closed_connection_is_a_disconnect(tmp_path: Path, engines: EngineFactory) -> None:
    engine = engines(tmp_path / "closed.db")
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        adapted = raw.dbapi_connection
        assert adapted is not None
        await conn.run_sync(lambda _: adapted.close())
        await conn.run_sync(lambda _: adapted.close())  # closing twice is fine
        with pytest.raises(sa_exc.DBAPIError) as info:
            await conn.exec_driver_sql("SELECT 1")
        assert info.value.connection_invalidated
        assert isinstance(info.value.orig, sqlite3.ProgrammingError)
    async with engine.connect() as conn:  # the pool replaced it
        assert (await conn.exec_driver_sql("SELECT 1")).scalar() == 1


# -- the dialect on its own: plain create_async_engine, no datasdk set-up -------------


@pytest.fixture
async def plain(tmp_path: Path) -> AsyncIterator[Callable[..., AsyncEngine]]:
    created: list[AsyncEngine] = []

    def factory(name: str = "plain.db", **kwargs: Any) -> AsyncEngine:
        engine = create_async_engine(f"sqlite+libsql:///{tmp_path / name}", **kwargs)
        created.append(engine)
        return engine

    yield factory
    for engine in created:
        await engine.dispose()


async def _count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.exec_driver_sql("SELECT count(*) FROM t")).scalar_one())


async def test_plain_engine_rolls_back(plain: Callable[..., AsyncEngine]) -> None:
    engine = plain()
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (x INT)")
    async with engine.connect() as conn:
        await conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        raw = await conn.get_raw_connection()
        assert raw.dbapi_connection is not None
        assert raw.dbapi_connection.in_transaction  # the driver began one by itself
        await conn.rollback()
    async with engine.connect() as conn:
        async with conn.begin():
            await conn.exec_driver_sql("INSERT INTO t VALUES (2)")
            await conn.exec_driver_sql("CREATE TABLE u (y INT)")  # DDL is transactional too
        trans = await conn.begin()
        await conn.exec_driver_sql("INSERT INTO t VALUES (3)")
        await conn.exec_driver_sql("DROP TABLE u")
        await trans.rollback()
        assert (await conn.exec_driver_sql("SELECT count(*) FROM u")).scalar() == 0
    assert await _count(engine) == 1


async def test_plain_engine_commit_persists(
    plain: Callable[..., AsyncEngine], tmp_path: Path
) -> None:
    engine = plain("commit.db")
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (x INT)")
        await conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    async with engine.connect() as conn:
        await conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        await conn.commit()
    # Seen from a separate sqlite3 connection: really on disk, no transaction left open.
    with contextlib.closing(sqlite3.connect(tmp_path / "commit.db")) as db:
        assert db.execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,)]


async def test_autocommit_isolation(plain: Callable[..., AsyncEngine]) -> None:
    engine = plain("auto.db")
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (x INT)")
    auto = engine.execution_options(isolation_level="AUTOCOMMIT")
    async with auto.connect() as conn:
        raw = await conn.get_raw_connection()
        assert raw.dbapi_connection is not None
        assert raw.dbapi_connection.isolation_level is None
        await conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        assert not raw.dbapi_connection.in_transaction
        await conn.rollback()  # nothing to roll back: the row is already committed
    assert await _count(engine) == 1
    async with engine.connect() as conn:  # back in the pool, the default level returns
        raw = await conn.get_raw_connection()
        assert raw.dbapi_connection is not None
        assert raw.dbapi_connection.isolation_level == ""


async def test_isolation_level_is_reported_truthfully(plain: Callable[..., AsyncEngine]) -> None:
    engine = plain("iso.db")
    async with engine.connect() as conn:
        assert conn.default_isolation_level == "SERIALIZABLE"
        assert await conn.get_isolation_level() == "SERIALIZABLE"
    dirty = engine.execution_options(isolation_level="READ UNCOMMITTED")
    async with dirty.connect() as conn:
        assert await conn.get_isolation_level() == "READ UNCOMMITTED"
        assert (await conn.exec_driver_sql("PRAGMA read_uncommitted")).scalar() == 1
    async with engine.connect() as conn:
        assert await conn.get_isolation_level() == "SERIALIZABLE"
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        levels = engine.dialect.get_isolation_level_values(raw.dbapi_connection)
    assert sorted(levels) == ["AUTOCOMMIT", "READ UNCOMMITTED", "SERIALIZABLE"]


async def test_isolation_level_none_never_begins(plain: Callable[..., AsyncEngine]) -> None:
    engine = plain("none.db")

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    async with engine.connect() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (x INT)")
        await conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        raw = await conn.get_raw_connection()
        assert raw.dbapi_connection is not None
        assert not raw.dbapi_connection.in_transaction
        await conn.rollback()
    assert await _count(engine) == 1


async def test_regexp_in_file_mode(plain: Callable[..., AsyncEngine]) -> None:
    from sqlalchemy import column, select, table

    engine = plain("re.db")
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (s TEXT)")
        await conn.exec_driver_sql("INSERT INTO t VALUES ('abc'), ('xyz'), (NULL)")
        s = column("s")
        found = await conn.execute(select(s).select_from(table("t")).where(s.regexp_match("^a.c$")))
        assert found.scalars().all() == ["abc"]
        assert (await conn.exec_driver_sql("SELECT floor(2.5)")).scalar() == 2


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite+libsql:////abs/app.db", {"url": "file:/abs/app.db"}),
        ("sqlite+libsql:///:memory:", {"url": "file::memory:"}),
        ("sqlite+libsql://", {}),  # the location comes from connect_args["url"]
        ("sqlite+libsql://db.example.com", {"url": "wss://db.example.com"}),
        ("sqlite+libsql://db.example.com?secure=true", {"url": "wss://db.example.com"}),
        ("sqlite+libsql://127.0.0.1:8080?secure=false", {"url": "ws://127.0.0.1:8080"}),
        ("sqlite+libsql://[::1]:8080?secure=false", {"url": "ws://[::1]:8080"}),
        (
            f"sqlite+libsql://:{TOKEN}@db.example.com",
            {"url": "wss://db.example.com", "auth_token": TOKEN},
        ),
    ],
)
def test_url_forms(url: str, expected: dict[str, Any]) -> None:
    from sqlalchemy.engine import make_url

    assert libsql.libsql_connect_args(make_url(url)) == expected
    engine = create_async_engine(url)
    assert TOKEN not in repr(engine)
    assert TOKEN not in str(engine.url)


def test_relative_url_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.engine import make_url

    monkeypatch.chdir(tmp_path)
    args = libsql.libsql_connect_args(make_url("sqlite+libsql:///sub/app.db"))
    assert args == {"url": f"file:{tmp_path / 'sub' / 'app.db'}"}


@pytest.mark.parametrize(
    "url",
    [
        f"sqlite+libsql://db.example.com?authToken={TOKEN}",
        f"sqlite+libsql:///x.db?authToken={TOKEN}",
        f"sqlite+libsql://{TOKEN}@db.example.com",
        "sqlite+libsql:///x.db?mode=ro",
        "sqlite+libsql://db.example.com/x.db",
    ],
)
def test_bad_urls_are_refused_without_echoing_the_token(url: str) -> None:
    with pytest.raises(sa_exc.ArgumentError) as info:
        create_async_engine(url)
    assert TOKEN not in str(info.value)


async def test_url_location_and_memory(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+libsql:///{tmp_path / 'loc.db'}")
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE t (x INT)")
    finally:
        await engine.dispose()
    assert (tmp_path / "loc.db").exists()
    memory = create_async_engine("sqlite+libsql:///:memory:")
    try:
        async with memory.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE t (x INT)")
            await conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        async with memory.connect() as conn:  # one shared connection: the table is there
            assert (await conn.exec_driver_sql("SELECT x FROM t")).scalar() == 1
    finally:
        await memory.dispose()


async def test_bare_url_without_location_is_refused() -> None:
    engine = create_async_engine("sqlite+libsql://")
    try:
        with pytest.raises(sa_exc.ArgumentError, match="names no database"):
            await engine.connect().start()
    finally:
        await engine.dispose()


def _chain_text(error: BaseException) -> str:
    parts: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        exc = todo.pop()
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        parts += [str(exc), repr(exc), *traceback.format_exception(exc)]
        todo += [exc.__cause__, exc.__context__, getattr(exc, "orig", None)]
    return "\n".join(parts)


@pytest.mark.parametrize("url", ["ws://127.0.0.1:9/", f"ws://127.0.0.1:9/?authToken={TOKEN}"])
async def test_auth_token_not_in_failed_remote_connect(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    engine = _engine(url, auth_token=TOKEN, connect_timeout=5)
    assert TOKEN not in repr(engine)

    async def attempt() -> None:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    try:
        with pytest.raises(sa_exc.OperationalError) as info:
            await asyncio.wait_for(attempt(), 10)
    finally:
        await engine.dispose()
    orig: Any = info.value.orig
    assert orig.sqlite_errorcode == 0
    assert TOKEN not in _chain_text(info.value)
    assert TOKEN not in caplog.text


async def test_auth_token_not_in_reprs_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    engine = _engine(f"file:{tmp_path / 'tok.db'}?authToken={TOKEN}", auth_token=TOKEN)
    engine.sync_engine.echo = True
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("CREATE TABLE t (x INT CHECK (x > 0))")
            raw = await conn.get_raw_connection()
            texts = [
                repr(engine),
                repr(raw),
                repr(raw.dbapi_connection),
                repr(raw.driver_connection),
            ]
            orig = await _orig_of(conn.exec_driver_sql("INSERT INTO t VALUES (0)"))
            texts.append(_chain_text(orig))
    finally:
        await engine.dispose()
    assert "LibSQLConnection" in texts[2]
    assert all(TOKEN not in t for t in texts)
    assert "LibSQLConnection" in caplog.text  # the pool logged the connection ...
    assert TOKEN not in caplog.text  # ... without the token


async def test_implicit_transaction_waits_out_a_busy_database(
    plain: Callable[..., AsyncEngine], tmp_path: Path
) -> None:
    engine = plain("wait.db")
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (x INT)")
    holder = sqlite3.connect(tmp_path / "wait.db", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO t VALUES (1)")

        async def release() -> None:
            await asyncio.sleep(0.2)
            holder.execute("COMMIT")

        releasing = asyncio.create_task(release())
        async with engine.begin() as conn:  # BEGIN, then the INSERT finds the lock held
            await conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        await releasing
    finally:
        holder.close()
    assert await _count(engine) == 2
