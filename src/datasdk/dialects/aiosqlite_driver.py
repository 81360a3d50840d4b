"""aiosqlite with one thread hop per statement.

aiosqlite runs each sqlite3 call on its connection's thread and SQLAlchemy's adapter
makes several calls per statement (open a cursor, execute, fetch, close): each is a
round trip through a queue and the event loop. Here a statement is one function run
on that thread: execute, read the description, fetch every row, close the cursor.
Everything else (connections, commit, rollback, errors) is SQLAlchemy's aiosqlite
adapter unchanged.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from threading import Thread
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT, await_

Outcome = tuple[Any, list[Any], int, int | None, bool]


def _statement(conn: sqlite3.Connection, sql: str, parameters: Any) -> Outcome:
    """Runs on the connection's thread: the whole statement, in one call."""
    cursor = conn.execute(sql, parameters if parameters is not None else ())
    try:
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid, conn.in_transaction
    finally:
        cursor.close()


def _statements(conn: sqlite3.Connection, sql: str, seq: Sequence[Any]) -> Outcome:
    cursor = conn.executemany(sql, seq)
    try:
        return None, [], cursor.rowcount, cursor.lastrowid, conn.in_transaction
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose statements each take one hop to the sqlite3 thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        # No sqlite3 cursor is held between statements: nothing to open or close here.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._run(_statement, operation, parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return await_(self._run(_statements, operation, list(seq_of_parameters)))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _run(self, call: Any, operation: Any, parameters: Any) -> None:
        adapted: Any = self._adapt_connection
        async with adapted._execute_mutex:
            conn = self._connection
            try:
                outcome: Outcome = await conn._execute(call, conn._conn, operation, parameters)
            except BaseException:
                adapted.transaction_unknown()
                raise
        self._description, rows, self._rowcount, self._lastrowid, in_transaction = outcome
        adapted.in_transaction = in_transaction
        self._rows = collections.deque(rows)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """Knows, from the last statement, whether a transaction is open: COMMIT and ROLLBACK
    with none open (a unit of single autocommit statements) cost no hop."""

    __slots__ = ("in_transaction",)
    _cursor_cls = OneHopCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.transaction_unknown()

    def transaction_unknown(self) -> None:
        # After a failure, or before the first statement: assume one is open.
        self.in_transaction = True

    def commit(self) -> None:
        if self.in_transaction:
            super().commit()
            self.in_transaction = False

    def rollback(self) -> None:
        if self.in_transaction:
            super().rollback()
            self.in_transaction = False

    async def fetch_rows(self, sql: str, parameters: Sequence[Any]) -> list[Any]:
        """One statement straight from the event loop (datasdk.direct): one hop."""
        async with self._execute_mutex:
            conn = self._connection
            if not conn._running or conn._connection is None:
                # As sqlite3 says it of a closed connection (aiosqlite: a ValueError).
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            try:
                outcome: Outcome = await conn._execute(_statement, conn._conn, sql, parameters)
            except BaseException:
                self.transaction_unknown()
                raise
        self.in_transaction = outcome[4]
        return outcome[1]


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """Pass as `module=` to `create_async_engine("sqlite+aiosqlite://...")`."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        creator_fn = kw.pop("async_creator_fn", None)
        connection = creator_fn(*arg, **kw) if creator_fn else aiosqlite.connect(*arg, **kw)
        if not creator_fn:
            # The worker thread must not keep the interpreter alive at exit.
            thread = connection if isinstance(connection, Thread) else connection._thread
            thread.daemon = True
        return OneHopConnection(self, await_(connection))
