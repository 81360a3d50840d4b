"""Async SQLAlchemy dialect ``sqlite+libsql`` over libsql-client.

The database location is in the URL, as for SQLAlchemy's SQLite dialects::

    create_async_engine("sqlite+libsql:///relative/app.db")
    create_async_engine("sqlite+libsql:////absolute/app.db")
    create_async_engine("sqlite+libsql:///:memory:")  # one private database, StaticPool
    create_async_engine(
        "sqlite+libsql://db.example.com?secure=true",  # wss://; secure=false is ws://
        connect_args={"auth_token": token},
    )

The bare ``sqlite+libsql://`` takes a libsql-client URL from ``connect_args={"url": ...}``
(``file:app.db``, ``libsql://host``, ``wss://host``), which is how datasdk's own engine
factory passes it. Tokens belong in connect_args: URLs get printed.

Each pooled connection holds one persistent libsql stream (a sqlite3 connection in
``file:`` mode, a Hrana stream remotely) and behaves like a ``sqlite3`` connection:
with ``isolation_level`` a string (the default, ``""``) the first statement after
commit/rollback begins a transaction; with ``None`` it never begins one.
libsql-client is imported here, and by libsql_wire only to classify this module's
failures: nothing else in datasdk needs the libsql extra (docs/backends.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math
import os
import re
import sqlite3
import weakref
from collections.abc import Awaitable, Callable, Sequence
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as dist_version
from typing import Any

import libsql_client
from sqlalchemy import exc as sa_exc
from sqlalchemy import pool, util
from sqlalchemy.connectors.asyncio import (
    AsyncAdapt_dbapi_connection,
    AsyncAdapt_dbapi_cursor,
    AsyncAdapt_dbapi_module,
    AsyncAdapt_terminate,
)
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine.interfaces import ConnectArgsType, DBAPIConnection
from sqlalchemy.engine.url import URL
from sqlalchemy.util import await_

from datasdk.dialects import libsql_wire
from datasdk.dialects.libsql_wire import SQLITE_ERROR_CODES as SQLITE_ERROR_CODES

# The stdlib sqlite3 exception classes, so SQLAlchemy's sqlite dialect logic
# (is_disconnect, exception wrapping) treats libSQL errors like pysqlite's.
Warning = sqlite3.Warning
Error = sqlite3.Error
InterfaceError = sqlite3.InterfaceError
DatabaseError = sqlite3.DatabaseError
DataError = sqlite3.DataError
OperationalError = sqlite3.OperationalError
IntegrityError = sqlite3.IntegrityError
InternalError = sqlite3.InternalError
ProgrammingError = sqlite3.ProgrammingError
NotSupportedError = sqlite3.NotSupportedError

_VERB_RE = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*(\w+)", re.DOTALL)
_ROLLBACK_TO_RE = re.compile(r"\s*ROLLBACK\s+(?:TRANSACTION\s+)?TO\b", re.IGNORECASE)
_BEGIN_WRITE_RE = re.compile(r"\s*BEGIN\s+(?:IMMEDIATE|EXCLUSIVE)\b", re.IGNORECASE)
_LOCAL_PREFIXES = ("file:", ":memory:")
# Statements that never take the write lock by themselves.
_NOT_WRITES = frozenset(
    ("SELECT", "PRAGMA", "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "EXPLAIN")
)

# One writer at a time per remote database, per event loop (see LibSQLConnection).
_write_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def _write_gate(url: str) -> asyncio.Lock:
    gates = _write_gates.setdefault(asyncio.get_running_loop(), {})
    return gates.setdefault(url, asyncio.Lock())


# Values libsql-client sends as they are: most parameters, checked at the cost of one
# set lookup.
_PLAIN = frozenset((str, int, float, bytes, type(None)))


def _bind(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dt.date, dt.time)):  # libsql-client would send epoch millis
        return value.isoformat()
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return value


# Statements that must not open a transaction implicitly: those that control one, and
# those SQLite refuses, or silently ignores, inside one (ATTACH, VACUUM, some PRAGMAs).
_NO_IMPLICIT_BEGIN = frozenset(
    ("BEGIN", "COMMIT", "END", "ROLLBACK", "PRAGMA", "ATTACH", "DETACH", "VACUUM")
)
# The first keyword of each statement seen, by its text (hot statements repeat).
_verbs: dict[str, str] = {}


def _verb(sql: str) -> str:
    match = _VERB_RE.match(sql)
    verb = match.group(1).upper() if match else ""
    if len(_verbs) < 1024:
        _verbs[sql] = verb
    return verb


# sqlite3's isolation_level values: the kind of BEGIN issued implicitly.
_BEGIN_KINDS = ("", "DEFERRED", "IMMEDIATE", "EXCLUSIVE")


def _check_isolation_level(value: str | None) -> str | None:
    if value is not None and value.upper() not in _BEGIN_KINDS:
        raise ValueError(
            "isolation_level must be None, 'DEFERRED', 'IMMEDIATE' or 'EXCLUSIVE'"
            f" (as in sqlite3), not {value!r}"
        )
    return value


class LibSQLConnection:
    """Async driver connection: a libsql client plus one persistent stream.

    Remotely, write transactions (BEGIN IMMEDIATE/EXCLUSIVE) of one process queue for
    the database on a client-side lock before they reach the server. A libSQL server
    admits one writer at a time anyway; queueing here, in order, spares the server
    writers that wait on its lock (sqld holds a transaction slot for each and times
    them out; a server that runs statements one by one, as the Hrana test server
    does, stalls for each such wait), and a waiting writer gives up within the same
    busy timeout as one waiting at the server, with the same SQLITE_BUSY.
    """

    def __init__(
        self,
        client: Any,
        stream: Any,
        url: str,
        secret: str | None,
        busy_timeout: float,
        isolation_level: str | None = "",
    ) -> None:
        self._client = client
        self._stream: Any = stream
        self._url = url
        self._secret = secret
        self._busy_timeout = busy_timeout
        self._isolation_level = _check_isolation_level(isolation_level)
        self._in_tx = False  # tracked from SQL text; used where sqlite can't be asked
        self._remote = not url.startswith(_LOCAL_PREFIXES)
        self._gate: asyncio.Lock | None = None  # the write gate, while this connection holds it

    @classmethod
    async def open(
        cls,
        *,
        url: str | None = None,
        auth_token: str | None = None,
        busy_timeout: float = 5.0,
        connect_timeout: float = 30.0,
        isolation_level: str | None = "",
    ) -> LibSQLConnection:
        if not url:
            raise sa_exc.ArgumentError(
                "sqlite+libsql:// names no database: put it in the URL"
                " (sqlite+libsql:///path.db) or pass connect_args={'url': ...}"
            )
        _check_isolation_level(isolation_level)
        client: Any = None
        try:
            client = libsql_client.create_client(url, auth_token=auth_token)
            # transaction() opens one connection/stream and BEGINs; COMMIT turns it
            # into a persistent autocommit connection on which PRAGMAs stick.
            stream = client.transaction()
            try:
                await asyncio.wait_for(stream.execute("COMMIT"), connect_timeout)
            except BaseException:
                stream.close()
                raise
        except Exception as err:
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.close()
            mapped = libsql_wire.dbapi_error(err, auth_token)
            raise mapped from mapped.__cause__
        return cls(client, stream, url, auth_token, busy_timeout, isolation_level)

    def __repr__(self) -> str:
        state = "closed" if self._stream is None else "open"
        return f"<LibSQLConnection {libsql_wire.redact(self._url, self._secret)!r} {state}>"

    @property
    def _sqlite(self) -> sqlite3.Connection | None:
        """The sqlite3 connection behind a ``file:`` stream; None remotely."""
        db = getattr(self._stream, "database", None)
        return db if isinstance(db, sqlite3.Connection) else None

    @property
    def closed(self) -> bool:
        """Known to be unusable (closed here, the client closed, or a remote client's
        WebSocket failed, which libsql-client records): no I/O."""
        socket = getattr(self._client, "_conn", None)
        failed = getattr(socket, "exception", None) is not None
        return self._stream is None or bool(self._client.closed) or failed

    @property
    def in_transaction(self) -> bool:
        db = self._sqlite
        if db is not None:  # file: mode: ask sqlite itself
            return db.in_transaction
        return self._in_tx

    @property
    def isolation_level(self) -> str | None:
        return self._isolation_level

    async def set_isolation_level(self, value: str | None) -> None:
        """As sqlite3's setter: None (never begin) commits an open transaction first."""
        _check_isolation_level(value)
        if value is None and self.in_transaction:
            await self.commit()
        self._isolation_level = value

    @property
    def supports_functions(self) -> bool:
        """Whether Python functions can be registered (``file:`` mode only)."""
        return self._sqlite is not None

    def create_function(
        self, name: str, narg: int, func: Callable[..., Any], *, deterministic: bool = False
    ) -> None:
        db = self._sqlite
        if db is None:
            raise NotSupportedError("a remote libSQL stream cannot register Python functions")
        db.create_function(name, narg, func, deterministic=deterministic)

    def cursor(self) -> LibSQLCursor:
        return LibSQLCursor(self)

    async def execute(self, sql: str, params: Any = None) -> libsql_client.ResultSet:
        """Run one statement, first beginning a transaction as sqlite3 would."""
        if self._stream is None:
            raise libsql_wire.closed_error()
        if params is not None:
            if isinstance(params, dict):
                params = {k: _bind(v) for k, v in params.items()}
            else:
                params = [_bind(v) for v in params]
        verb = _verbs.get(sql) or _verb(sql)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._busy_timeout
        while True:
            implicit = (
                self._isolation_level is not None
                and verb not in _NO_IMPLICIT_BEGIN
                and not self.in_transaction
            )
            if implicit:
                await self._run(f"BEGIN {self._isolation_level}".rstrip(), None, "BEGIN", deadline)
            try:
                return await self._run(sql, params, verb, deadline)
            except sqlite3.Error as err:
                # The first statement of an implicit transaction found the database
                # locked: nothing is lost by rolling back and starting over, which is
                # what sqlite3's busy handler would wait for.
                if not (implicit and libsql_wire.is_busy(err) and loop.time() < deadline):
                    raise
                await self.rollback()
                await asyncio.sleep(min(0.01, max(deadline - loop.time(), 0)))

    async def _run(
        self, sql: str, params: Any, verb: str, deadline: float
    ) -> libsql_client.ResultSet:
        """Run one statement, retrying SQLITE_BUSY with async backoff where safe."""
        # file: mode runs sqlite3 on the loop thread with timeout=0, so a real busy
        # timeout would freeze the loop. Retrying is safe for BEGIN and COMMIT (the
        # transaction stays open) and in autocommit; mid-transaction, the caller
        # must roll back instead.
        retry = verb in ("BEGIN", "COMMIT", "END") or not self.in_transaction
        gated = verb == "BEGIN" and self._remote and self._gate is None
        # A write that is its own transaction queues like a write unit does.
        single = (
            self._remote
            and self._gate is None
            and not self.in_transaction
            and verb not in _NOT_WRITES
        )
        if (gated and _BEGIN_WRITE_RE.match(sql)) or single:
            gate = _write_gate(self._url)
            try:
                await asyncio.wait_for(gate.acquire(), self._busy_timeout)
            except TimeoutError:
                raise libsql_wire.busy_error() from None
            self._gate = gate
        try:
            result = await self._send(sql, params, retry, deadline, gated)
        except BaseException as err:
            if verb == "BEGIN" and not isinstance(err, Exception):
                # Cancelled while BEGIN was in flight: the server may have begun. Take
                # it as open, so the pool's ROLLBACK ends it and releases the gate.
                self._in_tx = True
            raise
        finally:
            if single:
                self._release_gate()
        if verb in ("BEGIN", "SAVEPOINT"):
            self._in_tx = True
        elif verb in ("COMMIT", "END") or (verb == "ROLLBACK" and not _ROLLBACK_TO_RE.match(sql)):
            self._ended()
        return result

    async def _send(
        self, sql: str, params: Any, retry: bool, deadline: float, gated: bool
    ) -> libsql_client.ResultSet:
        loop = asyncio.get_running_loop()
        delay = 0.001
        while True:
            try:
                return await self._stream.execute(sql, params)
            except Exception as err:
                mapped = libsql_wire.dbapi_error(err, self._secret)
                remaining = deadline - loop.time()
                if retry and libsql_wire.is_busy(mapped) and remaining > 0:
                    await asyncio.sleep(min(delay, remaining))
                    delay = min(delay * 2, 0.05)
                    continue
                if gated:  # no transaction began: let the next writer in
                    self._release_gate()
                elif mapped.sqlite_errorname == "TRANSACTION_TIMEOUT":
                    # The server rolled the transaction back, having let it hold the
                    # write lock past its limit while another writer waited.
                    self._ended()
                raise mapped from mapped.__cause__

    def _ended(self) -> None:
        self._in_tx = False
        self._release_gate()

    def _release_gate(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.release()

    async def commit(self) -> None:
        if self.in_transaction:
            await self.execute("COMMIT")

    async def rollback(self) -> None:
        if not self.in_transaction:
            return
        try:
            await self.execute("ROLLBACK")
        except OperationalError as err:
            # Remotely the flag can be stale (e.g. RAISE(ROLLBACK) ended the tx).
            if "no transaction is active" not in str(err):
                raise
            self._ended()

    async def close(self) -> None:
        self._release_gate()
        stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()
        if not self._client.closed:
            with contextlib.suppress(Exception):
                await self._client.close()

    def terminate(self) -> None:
        """Best-effort close without awaiting (the gc / invalidation path)."""
        with contextlib.suppress(Exception):  # the gate's loop may be gone
            self._release_gate()
        stream, self._stream = self._stream, None
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.close()  # file: mode closes the sqlite3 connection here


class LibSQLCursor:
    """Async DBAPI-style cursor over one ResultSet at a time."""

    arraysize = 1

    def __init__(self, connection: LibSQLConnection) -> None:
        self._connection = connection
        self.description: tuple[tuple[Any, ...], ...] | None = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[tuple[Any, ...]] = []

    async def __aenter__(self) -> LibSQLCursor:
        return self

    async def execute(self, operation: str, parameters: Any = None) -> None:
        result = await self._connection.execute(operation, parameters)
        self.description = (
            tuple((name, None, None, None, None, None, None) for name in result.columns) or None
        )
        self.rowcount = result.rows_affected
        self.lastrowid = result.last_insert_rowid
        self._rows = [tuple(row.astuple()) for row in result.rows]

    async def executemany(self, operation: str, seq_of_parameters: Any) -> None:
        total = 0
        for parameters in seq_of_parameters:
            await self.execute(operation, parameters)
            total += max(self.rowcount, 0)
        self.rowcount = total

    async def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        self._rows = []

    async def nextset(self) -> None:
        return None

    async def setinputsizes(self, *sizes: Any) -> None:
        return None


class AsyncAdapt_libsql_cursor(AsyncAdapt_dbapi_cursor):
    __slots__ = ()


class AsyncAdapt_libsql_connection(AsyncAdapt_terminate, AsyncAdapt_dbapi_connection):
    """Sync (greenlet) facade that SQLAlchemy's pool and engine talk to."""

    __slots__ = ()
    _cursor_cls = AsyncAdapt_libsql_cursor

    @property
    def isolation_level(self) -> str | None:
        return self._connection.isolation_level  # type: ignore[no-any-return]

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        # sqlite3's contract, which SQLAlchemy's SQLite dialects and datasdk's engine
        # factory rely on: None means the driver never begins a transaction.
        try:
            await_(self._connection.set_isolation_level(value))
        except Exception as error:
            self._handle_exception(error)

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        try:
            self._connection.create_function(*args, **kwargs)
        except Exception as error:
            self._handle_exception(error)

    @property
    def in_transaction(self) -> bool:
        return bool(self._connection.in_transaction)

    async def fetch_rows(self, sql: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
        """One statement straight from the event loop (datasdk.direct)."""
        result = await self._connection.execute(sql, parameters)
        return [row.astuple() for row in result.rows]

    async def _terminate_graceful_close(self) -> None:
        await self._connection.close()

    def _terminate_force_close(self) -> None:
        self._connection.terminate()


class LibSQLDBAPI(AsyncAdapt_dbapi_module):
    """The DBAPI module SQLAlchemy sees: sqlite3's exceptions, libsql's transport."""

    paramstyle = "qmark"
    apilevel = "2.0"
    threadsafety = 1
    sqlite_version = sqlite3.sqlite_version
    sqlite_version_info = sqlite3.sqlite_version_info

    def __init__(self) -> None:
        super().__init__(libsql_client, dbapi_module=sqlite3)
        for name, obj in vars(sqlite3).items():  # Warning, Error, ..., NotSupportedError
            if isinstance(obj, type) and issubclass(obj, Exception):
                setattr(self, name, obj)
        self.Binary = bytes

    def connect(self, *args: Any, **kwargs: Any) -> AsyncAdapt_libsql_connection:
        creator: Callable[..., Awaitable[Any]] | None = kwargs.pop("async_creator_fn", None)
        awaitable: Any = creator(*args, **kwargs) if creator else LibSQLConnection.open(**kwargs)
        return await_(AsyncAdapt_libsql_connection.create(self, awaitable))


def _regexp(pattern: str, value: str | None) -> bool | None:
    # As pysqlite's: SQL's "value REGEXP pattern" calls regexp(pattern, value).
    return None if value is None else re.search(pattern, value) is not None


def libsql_connect_args(url: URL) -> dict[str, Any]:
    """The libsql-client location (and options) that a ``sqlite+libsql`` URL names."""
    if "authToken" in url.query or url.username:
        # Refused rather than redacted: the caller's own logs would still show it.
        raise sa_exc.ArgumentError(
            "a sqlite+libsql URL carries no credentials (URLs get printed);"
            " pass connect_args={'auth_token': ...}"
        )
    args: dict[str, Any] = {}
    if url.password is not None:  # masked as *** wherever SQLAlchemy shows the URL
        args["auth_token"] = str(url.password)
    query = dict(url.query)
    if url.host:
        secure = util.asbool(query.pop("secure", "true"))
        if query or url.database:
            raise sa_exc.ArgumentError(
                "a remote sqlite+libsql URL is sqlite+libsql://host[:port][?secure=true|false]"
            )
        host = f"[{url.host}]" if ":" in url.host else url.host
        port = f":{url.port}" if url.port else ""
        args["url"] = f"{'wss' if secure else 'ws'}://{host}{port}"
        return args
    if query or args:
        raise sa_exc.ArgumentError(
            "a file sqlite+libsql URL takes no query parameters or credentials:"
            " sqlite+libsql:///path.db, sqlite+libsql:///:memory:"
        )
    if url.database == ":memory:":
        args["url"] = "file::memory:"
    elif url.database:
        if "?" in url.database or "#" in url.database:
            raise sa_exc.ArgumentError("libsql-client cannot open a path containing '?' or '#'")
        # Absolute, as pysqlite makes it: pooled connections open the same file even
        # if the working directory changes.
        args["url"] = "file:" + os.path.abspath(url.database)
    # Else the bare sqlite+libsql://: the location comes from connect_args["url"].
    return args


class LibSQLDialect(SQLiteDialect_pysqlite):
    """``sqlite+libsql://``: the SQLite dialect over libsql-client, async."""

    driver = "libsql"
    is_async = True
    has_terminate = True
    supports_statement_cache = True
    supports_server_side_cursors = False
    default_paramstyle = "qmark"

    @classmethod
    def import_dbapi(cls) -> LibSQLDBAPI:
        return LibSQLDBAPI()

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        if url.database == ":memory:":  # each connection would see its own database
            return pool.StaticPool
        return pool.AsyncAdaptedQueuePool

    def create_connect_args(self, url: URL) -> ConnectArgsType:
        return [], libsql_connect_args(url)

    def on_connect(self) -> Callable[[DBAPIConnection], None]:
        def connect(dbapi_connection: DBAPIConnection) -> None:
            # SQLAlchemy's SQLite compiler renders regexp_match() as REGEXP and relies on
            # floor(); pysqlite registers both. A remote stream cannot, so there the
            # server's own functions apply.
            if dbapi_connection.driver_connection.supports_functions:
                dbapi_connection.create_function("regexp", 2, _regexp, deterministic=True)
                dbapi_connection.create_function("floor", 1, math.floor, deterministic=True)

        return connect

    def _get_server_version_info(self, connection: Any) -> tuple[int, ...]:
        version = connection.exec_driver_sql("select sqlite_version()").scalar()
        return tuple(int(part) for part in str(version).split("."))

    def retrieve_dbapi_version(self, dbapi: Any) -> util.VersionInfo:
        try:
            return util.parse_version_string(dist_version("libsql-client"))
        except PackageNotFoundError:
            return util.parse_version_string(None)

    def is_disconnect(self, e: Any, connection: Any, cursor: Any) -> bool:
        if libsql_wire.is_disconnect(e):
            return True
        return super().is_disconnect(e, connection, cursor)

    def get_driver_connection(self, connection: Any) -> Any:
        return connection._connection

    def do_terminate(self, dbapi_connection: Any) -> None:
        dbapi_connection.terminate()


dialect = LibSQLDialect

registry.register("sqlite.libsql", "datasdk.dialects.libsql", "LibSQLDialect")
