"""Async SQLAlchemy dialect ``sqlite+libsql`` over libsql-client.

The engine URL is always ``sqlite+libsql://``; the location travels in connect_args::

    create_async_engine(
        "sqlite+libsql://",
        connect_args={"url": "file:app.db", "auth_token": None, "busy_timeout": 5.0},
    )

Each pooled connection holds one persistent libsql stream (a sqlite3 connection in
``file:`` mode, a Hrana stream remotely) that behaves like a ``sqlite3`` connection
with ``isolation_level=None``: it never begins a transaction by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import sqlite3
import weakref
from collections.abc import Awaitable, Callable
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
from sqlalchemy.engine.url import URL
from sqlalchemy.util import await_

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

_PRIMARY = (
    "OK ERROR INTERNAL PERM ABORT BUSY LOCKED NOMEM READONLY INTERRUPT IOERR CORRUPT "
    "NOTFOUND FULL CANTOPEN PROTOCOL EMPTY SCHEMA TOOBIG CONSTRAINT MISMATCH MISUSE "
    "NOLFS AUTH FORMAT RANGE NOTADB NOTICE WARNING"
)
# Extended code = primary | (n << 8), n counting from 1 in the order of sqlite3.h;
# "_" marks a number sqlite3.h skips.
_EXTENDED = {
    "OK": "LOAD_PERMANENTLY SYMLINK",
    "ERROR": "MISSING_COLLSEQ RETRY SNAPSHOT",
    "ABORT": "_ ROLLBACK",
    "BUSY": "RECOVERY SNAPSHOT TIMEOUT",
    "LOCKED": "SHAREDCACHE VTAB",
    "READONLY": "RECOVERY CANTLOCK ROLLBACK DBMOVED CANTINIT DIRECTORY",
    "IOERR": "READ SHORT_READ WRITE FSYNC DIR_FSYNC TRUNCATE FSTAT UNLOCK RDLOCK DELETE "
    "BLOCKED NOMEM ACCESS CHECKRESERVEDLOCK LOCK CLOSE DIR_CLOSE SHMOPEN SHMSIZE SHMLOCK "
    "SHMMAP SEEK DELETE_NOENT MMAP GETTEMPPATH CONVPATH VNODE AUTH BEGIN_ATOMIC "
    "COMMIT_ATOMIC ROLLBACK_ATOMIC DATA CORRUPTFS IN_PAGE",
    "CORRUPT": "VTAB SEQUENCE INDEX",
    "CANTOPEN": "NOTEMPDIR ISDIR FULLPATH CONVPATH DIRTYWAL SYMLINK",
    "CONSTRAINT": "CHECK COMMITHOOK FOREIGNKEY FUNCTION NOTNULL PRIMARYKEY TRIGGER UNIQUE "
    "VTAB ROWID PINNED DATATYPE",
    "NOTICE": "RECOVER_WAL RECOVER_ROLLBACK RBU",
    "WARNING": "AUTOINDEX",
    "AUTH": "USER",
}
SQLITE_ERROR_CODES: dict[str, int] = {
    f"SQLITE_{name}": code for code, name in enumerate(_PRIMARY.split())
}
for _base, _subs in _EXTENDED.items():
    for _n, _sub in enumerate(_subs.split(), 1):
        if _sub != "_":
            SQLITE_ERROR_CODES[f"SQLITE_{_base}_{_sub}"] = SQLITE_ERROR_CODES[f"SQLITE_{_base}"] | (
                _n << 8
            )

_SQLITE_BUSY = 5
# Primary code -> class, as CPython's sqlite3 module maps them (NOMEM aside).
_CLASS_BY_PRIMARY: dict[int, type[sqlite3.Error]] = {
    **dict.fromkeys((1, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16, 17), OperationalError),
    **dict.fromkeys((2, 12), InternalError),
    **dict.fromkeys((19, 20), IntegrityError),
    **dict.fromkeys((21, 25), InterfaceError),
    18: DataError,
}  # anything else: DatabaseError
# libsql-client / Hrana codes meaning the stream or socket is gone.
_DISCONNECT_NAMES = (
    "CLIENT_CLOSED STREAM_CLOSED STREAM_EXPIRED TRANSACTION_CLOSED HRANA_WEBSOCKET_ERROR "
    "HRANA_PROTO_ERROR TRANSPORT_ERROR"
)
_VERB_RE = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*(\w+)", re.DOTALL)
_ROLLBACK_TO_RE = re.compile(r"\s*ROLLBACK\s+(?:TRANSACTION\s+)?TO\b", re.IGNORECASE)
_TOKEN_PARAM_RE = re.compile(r"(?i)(authToken=)[^&#]*")
_BEGIN_WRITE_RE = re.compile(r"\s*BEGIN\s+(?:IMMEDIATE|EXCLUSIVE)\b", re.IGNORECASE)
_LOCAL_PREFIXES = ("file:", ":memory:")

# One writer at a time per remote database, per event loop (see LibSQLConnection).
_write_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def _write_gate(url: str) -> asyncio.Lock:
    gates = _write_gates.setdefault(asyncio.get_running_loop(), {})
    return gates.setdefault(url, asyncio.Lock())


def _code_for(name: str) -> int:
    """Extended code for a result-code name; unknown extensions fall back to the primary."""
    if name in SQLITE_ERROR_CODES:
        return SQLITE_ERROR_CODES[name]
    return SQLITE_ERROR_CODES.get("_".join(name.split("_")[:2]), 0)


def _redact(text: str, secret: str | None) -> str:
    text = _TOKEN_PARAM_RE.sub(r"\1***", text)
    return text.replace(secret, "***") if secret else text


def _translate(err: Exception, secret: str | None) -> sqlite3.Error:
    """Turn a libsql-client / transport failure into a sqlite3-style DBAPI error."""
    if isinstance(err, sqlite3.Error):  # e.g. sqlite3.connect() failing in file: mode
        return err
    cls: type[sqlite3.Error] | None = None
    cause = err.__cause__
    if isinstance(cause, sqlite3.Error):
        # file: mode wraps the real sqlite3 error; take its exact extended code.
        message = str(cause)
        name = str(getattr(cause, "sqlite_errorname", None) or getattr(err, "code", "SQLITE"))
        code = int(getattr(cause, "sqlite_errorcode", 0))
        if not hasattr(cause, "sqlite_errorcode"):  # raised by the sqlite3 module itself
            cls = type(cause)
    elif isinstance(err, libsql_client.LibsqlError):
        message, name = err.explanation, err.code
        code = _code_for(name)
    elif isinstance(err, (TypeError, ValueError, OverflowError)):
        message, name, code, cls = str(err), "ARGS_INVALID", 0, ProgrammingError
    else:  # aiohttp / OSError / timeout: the transport failed
        message = f"{type(err).__name__}: {err}".rstrip(": ")
        name, code, cls = "TRANSPORT_ERROR", 0, OperationalError
    if cls is None:
        cls = _CLASS_BY_PRIMARY.get(code & 0xFF, DatabaseError) if code else OperationalError
    mapped = cls(_redact(message, secret))
    mapped.sqlite_errorcode = code
    mapped.sqlite_errorname = name
    return mapped


def _raise_from(err: Exception, secret: str | None) -> sqlite3.Error:
    """The mapped error, chained to the original unless that mentions the secret."""
    mapped = _translate(err, secret)
    if mapped is not err:
        leaks = secret in f"{err!r} {err.__cause__!r}" if secret else False
        mapped.__cause__ = None if leaks else err
        mapped.__suppress_context__ = True
    return mapped


def _bind(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dt.date, dt.time)):  # libsql-client would send epoch millis
        return value.isoformat()
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return value


def _closed_error() -> sqlite3.Error:
    err = ProgrammingError("Cannot operate on a closed database.")
    err.sqlite_errorcode, err.sqlite_errorname = 0, "CLIENT_CLOSED"
    return err


def _busy_error() -> sqlite3.Error:
    # What the server itself answers when its write lock stays taken.
    err = OperationalError("database is locked")
    err.sqlite_errorcode, err.sqlite_errorname = _SQLITE_BUSY, "SQLITE_BUSY"
    return err


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

    isolation_level = None  # like sqlite3 with isolation_level=None: never auto-BEGIN

    def __init__(
        self, client: Any, stream: Any, url: str, secret: str | None, busy_timeout: float
    ) -> None:
        self._client = client
        self._stream: Any = stream
        self._url = url
        self._secret = secret
        self._busy_timeout = busy_timeout
        self._in_tx = False  # tracked from SQL text; used where sqlite can't be asked
        self._remote = not url.startswith(_LOCAL_PREFIXES)
        self._gate: asyncio.Lock | None = None  # the write gate, while this connection holds it

    @classmethod
    async def open(
        cls,
        *,
        url: str,
        auth_token: str | None = None,
        busy_timeout: float = 5.0,
        connect_timeout: float = 30.0,
    ) -> LibSQLConnection:
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
            mapped = _raise_from(err, auth_token)
            raise mapped from mapped.__cause__
        return cls(client, stream, url, auth_token, busy_timeout)

    def __repr__(self) -> str:
        state = "closed" if self._stream is None else "open"
        return f"<LibSQLConnection {_redact(self._url, self._secret)!r} {state}>"

    @property
    def in_transaction(self) -> bool:
        db = getattr(self._stream, "database", None)
        if isinstance(db, sqlite3.Connection):  # file: mode: ask sqlite itself
            return db.in_transaction
        return self._in_tx

    def cursor(self) -> LibSQLCursor:
        return LibSQLCursor(self)

    async def execute(self, sql: str, params: Any = None) -> libsql_client.ResultSet:
        """Run one statement, retrying SQLITE_BUSY with async backoff where safe."""
        if self._stream is None:
            raise _closed_error()
        if params is not None:
            if isinstance(params, dict):
                params = {k: _bind(v) for k, v in params.items()}
            else:
                params = [_bind(v) for v in params]
        match = _VERB_RE.match(sql)
        verb = match.group(1).upper() if match else ""
        # file: mode runs sqlite3 on the loop thread with timeout=0, so a real busy
        # timeout would freeze the loop. Retrying is safe for BEGIN and COMMIT (the
        # transaction stays open) and in autocommit; mid-transaction, the caller
        # must roll back instead.
        retry = verb in ("BEGIN", "COMMIT", "END") or not self.in_transaction
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._busy_timeout
        gated = verb == "BEGIN" and self._remote and self._gate is None
        if gated and _BEGIN_WRITE_RE.match(sql):
            gate = _write_gate(self._url)
            try:
                await asyncio.wait_for(gate.acquire(), self._busy_timeout)
            except TimeoutError:
                raise _busy_error() from None
            self._gate = gate
        delay = 0.001
        while True:
            try:
                result = await self._stream.execute(sql, params)
            except Exception as err:
                mapped = _raise_from(err, self._secret)
                remaining = deadline - loop.time()
                if retry and mapped.sqlite_errorcode & 0xFF == _SQLITE_BUSY and remaining > 0:
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
            break
        if verb in ("BEGIN", "SAVEPOINT"):
            self._in_tx = True
        elif verb in ("COMMIT", "END") or (verb == "ROLLBACK" and not _ROLLBACK_TO_RE.match(sql)):
            self._ended()
        return result

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
        return None

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        # Always autocommit at the driver level; BEGIN is issued as SQL by the caller.
        pass

    @property
    def in_transaction(self) -> bool:
        return bool(self._connection.in_transaction)

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
        return pool.AsyncAdaptedQueuePool

    def create_connect_args(self, url: URL) -> Any:
        # Keep tokens out of URLs (which SQLAlchemy and Alembic print).
        if url.database or url.host or url.query or url.username or url.password:
            raise sa_exc.ArgumentError(
                "use the URL 'sqlite+libsql://' and pass the location as "
                "connect_args={'url': ..., 'auth_token': ...}"
            )
        return [], {}

    def on_connect(self) -> None:  # type: ignore[override]
        # pysqlite registers regexp()/floor() with create_function, which a remote
        # libSQL stream cannot do; nothing else is needed per connection.
        return None

    def _get_server_version_info(self, connection: Any) -> tuple[int, ...]:
        version = connection.exec_driver_sql("select sqlite_version()").scalar()
        return tuple(int(part) for part in str(version).split("."))

    def retrieve_dbapi_version(self, dbapi: Any) -> util.VersionInfo:
        try:
            return util.parse_version_string(dist_version("libsql-client"))
        except PackageNotFoundError:
            return util.parse_version_string(None)

    def is_disconnect(self, e: Any, connection: Any, cursor: Any) -> bool:
        if getattr(e, "sqlite_errorname", "-") in _DISCONNECT_NAMES.split():
            return True
        return super().is_disconnect(e, connection, cursor)

    def get_driver_connection(self, connection: Any) -> Any:
        return connection._connection

    def do_terminate(self, dbapi_connection: Any) -> None:
        dbapi_connection.terminate()


dialect = LibSQLDialect

registry.register("sqlite.libsql", "datasdk.dialects.libsql", "LibSQLDialect")
