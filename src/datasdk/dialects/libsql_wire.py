"""Failures as libsql-client reports them, turned into sqlite3-style DBAPI errors.

Three shapes reach the driver, and each keeps what it knows:
- ``file:`` mode wraps the real ``sqlite3.Error`` (extended code and name included);
- a Hrana peer sends a code name and a message: sqld and Turso send only SQLite's
  *primary* code name (``SQLITE_CONSTRAINT``) with ``SQLite error: <message>``, or a
  code of their own (``TRANSACTION_TIMEOUT``, ``AUTH_JWT_INVALID``, ``SQL_INPUT_ERROR``);
- the transport fails (aiohttp, OSError, a timeout) before any server answered.

The DBAPI error carries ``sqlite_errorcode`` and ``sqlite_errorname`` as CPython's
sqlite3 errors do; ``datasdk.dialects.sqlite.translate`` classifies all of them.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

# libsql-client and aiohttp (the libsql extra) are imported where a failure is classified,
# not here: datasdk.dialects.sqlite asks is_disconnect on every SQLite-family backend, and
# only the libSQL adapter, which needs the extra anyway, ever hands this module a failure.

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

SQLITE_BUSY = 5
# Primary code -> class, as CPython's sqlite3 module maps them (NOMEM aside).
_CLASS_BY_PRIMARY: dict[int, type[sqlite3.Error]] = {
    **dict.fromkeys((1, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16, 17), sqlite3.OperationalError),
    **dict.fromkeys((2, 12), sqlite3.InternalError),
    **dict.fromkeys((19, 20), sqlite3.IntegrityError),
    **dict.fromkeys((21, 25), sqlite3.InterfaceError),
    18: sqlite3.DataError,
}  # anything else: DatabaseError
# libsql-client / Hrana codes meaning the stream or socket is gone.
DISCONNECT_NAMES = frozenset(
    {
        "CLIENT_CLOSED",
        "STREAM_CLOSED",
        "STREAM_EXPIRED",
        "TRANSACTION_CLOSED",
        "HRANA_WEBSOCKET_ERROR",
        "HRANA_PROTO_ERROR",
        "TRANSPORT_ERROR",
    }
)
# What a server says when it refuses the credentials: sqld's AUTH_* codes on the wire,
# an HTTP 401/403 on the WebSocket upgrade.
AUTH_FAILED = "AUTH_FAILED"
_AUTH_STATUSES = (401, 403)
_TOKEN_PARAM_RE = re.compile(r"(?i)(authToken=)[^&#\s]*")


class _Coded(sqlite3.Error):
    """A DBAPI error with the result code and its name as the wire reported them."""

    def __init__(self, message: str, code: int, name: str) -> None:
        super().__init__(message)
        self.sqlite_errorcode = code
        self.sqlite_errorname = name


class Error(_Coded, sqlite3.Error):
    pass


class DatabaseError(_Coded, sqlite3.DatabaseError):
    pass


class OperationalError(_Coded, sqlite3.OperationalError):
    pass


class IntegrityError(_Coded, sqlite3.IntegrityError):
    pass


class InternalError(_Coded, sqlite3.InternalError):
    pass


class InterfaceError(_Coded, sqlite3.InterfaceError):
    pass


class DataError(_Coded, sqlite3.DataError):
    pass


class ProgrammingError(_Coded, sqlite3.ProgrammingError):
    pass


_CODED: dict[type[sqlite3.Error], type[sqlite3.Error]] = {
    sqlite3.Error: Error,
    sqlite3.DatabaseError: DatabaseError,
    sqlite3.OperationalError: OperationalError,
    sqlite3.IntegrityError: IntegrityError,
    sqlite3.InternalError: InternalError,
    sqlite3.InterfaceError: InterfaceError,
    sqlite3.DataError: DataError,
    sqlite3.ProgrammingError: ProgrammingError,
}


def code_for(name: str) -> int:
    """Extended code for a result-code name; unknown extensions fall back to the primary,
    and names that are not SQLite's (``TRANSACTION_TIMEOUT``) to 0."""
    if name in SQLITE_ERROR_CODES:
        return SQLITE_ERROR_CODES[name]
    return SQLITE_ERROR_CODES.get("_".join(name.split("_")[:2]), 0)


def redact(text: str, secret: str | None) -> str:
    text = _TOKEN_PARAM_RE.sub(r"\1***", text)
    return text.replace(secret, "***") if secret else text


def _coded(base: type[sqlite3.Error], message: str, code: int, name: str) -> sqlite3.Error:
    cls: Any = _CODED[base]
    error: sqlite3.Error = cls(message, code, name)
    return error


def _classify(err: Exception) -> tuple[type[sqlite3.Error] | None, str, int, str]:
    """(DBAPI class if fixed by the failure, message, extended code, code name)."""
    import aiohttp
    import libsql_client

    cause = err.__cause__
    if isinstance(cause, sqlite3.Error):
        # file: mode wraps the real sqlite3 error; take its exact extended code.
        name = str(getattr(cause, "sqlite_errorname", None) or getattr(err, "code", "SQLITE"))
        code = int(getattr(cause, "sqlite_errorcode", 0))
        # Without a code it was raised by the sqlite3 module itself (misuse, bindings).
        fixed = None if hasattr(cause, "sqlite_errorcode") else type(cause)
        return fixed, str(cause), code, name
    if isinstance(err, libsql_client.LibsqlError):
        name = AUTH_FAILED if err.code.startswith("AUTH_") else err.code
        return None, err.explanation, code_for(err.code), name
    if isinstance(err, aiohttp.WSServerHandshakeError) and err.status in _AUTH_STATUSES:
        return (
            sqlite3.OperationalError,
            f"the server refused the credentials ({err.status})",
            0,
            (AUTH_FAILED),
        )
    if isinstance(err, TypeError | ValueError | OverflowError):
        return sqlite3.ProgrammingError, str(err), 0, "ARGS_INVALID"
    # aiohttp / OSError / timeout: the transport failed before any server answered.
    message = f"{type(err).__name__}: {err}".rstrip(": ")
    return sqlite3.OperationalError, message, 0, "TRANSPORT_ERROR"


def dbapi_error(err: Exception, secret: str | None) -> sqlite3.Error:
    """The sqlite3-style DBAPI error for a libsql-client or transport failure.

    Chained to the original unless that mentions the secret (an auth token).
    """
    if isinstance(err, sqlite3.Error):  # e.g. sqlite3.connect() failing in file: mode
        return err
    fixed, message, code, name = _classify(err)
    if fixed is None:
        fixed = _CLASS_BY_PRIMARY.get(code & 0xFF, sqlite3.DatabaseError) if code else None
    mapped = _coded(fixed or sqlite3.OperationalError, redact(message, secret), code, name)
    leaks = secret in f"{err!r} {err.__cause__!r}" if secret else False
    mapped.__cause__ = None if leaks else err
    mapped.__suppress_context__ = True
    return mapped


def closed_error() -> sqlite3.Error:
    message = "Cannot operate on a closed database."  # pysqlite's words: is_disconnect knows them
    return _coded(sqlite3.ProgrammingError, message, 0, "CLIENT_CLOSED")


def busy_error() -> sqlite3.Error:
    """What a server answers when its write lock stays taken (the driver's own wait)."""
    return _coded(sqlite3.OperationalError, "database is locked", SQLITE_BUSY, "SQLITE_BUSY")


def is_busy(error: sqlite3.Error) -> bool:
    return int(getattr(error, "sqlite_errorcode", 0)) & 0xFF == SQLITE_BUSY


def is_disconnect(error: BaseException) -> bool:
    return getattr(error, "sqlite_errorname", None) in DISCONNECT_NAMES
