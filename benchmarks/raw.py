"""The raw drivers: the SDK's own statements, sent with nothing of the SDK around them.

Each class is one caller's connection with the same transaction framing the SDK
uses on that backend: BEGIN ISOLATION LEVEL READ COMMITTED [READ ONLY] on
PostgreSQL; BEGIN IMMEDIATE for writes, BEGIN plus PRAGMA query_only for reads on
SQLite and libSQL, with the same connection pragmas.
"""

from __future__ import annotations

import asyncio
import enum
import sqlite3
import uuid
from collections.abc import Sequence
from typing import Any

# As datasdk's SQLite engines set each connection up (datasdk.dialects.sqlite).
SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout = 5000",
    "PRAGMA foreign_keys = ON",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


class RawConnection:
    name = ""
    sqlite = False

    async def begin(self, read_only: bool) -> None:
        raise NotImplementedError

    async def fetch(self, sql: str, params: Sequence[Any]) -> list[Any]:
        raise NotImplementedError

    async def commit(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class AsyncpgConnection(RawConnection):
    name = "asyncpg"

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._tx: Any = None

    @classmethod
    async def open(cls, url: str) -> AsyncpgConnection:
        import asyncpg

        return cls(await asyncpg.connect(url))

    async def begin(self, read_only: bool) -> None:
        self._tx = self._conn.transaction(isolation="read_committed", readonly=read_only)
        await self._tx.start()

    async def fetch(self, sql: str, params: Sequence[Any]) -> list[Any]:
        return list(await self._conn.fetch(sql, *params))

    async def commit(self) -> None:
        await self._tx.commit()

    async def close(self) -> None:
        await self._conn.close()


class _SQLiteFraming(RawConnection):
    sqlite = True
    _read_only = False

    async def run(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    async def begin(self, read_only: bool) -> None:
        self._read_only = read_only
        if read_only:
            await self.run("BEGIN")
            await self.run("PRAGMA query_only = ON")
        else:
            await self.run("BEGIN IMMEDIATE")

    async def fetch(self, sql: str, params: Sequence[Any]) -> list[Any]:
        return await self.run(sql, [_sqlite_value(v) for v in params])

    async def commit(self) -> None:
        await self.run("COMMIT")
        if self._read_only:
            await self.run("PRAGMA query_only = OFF")


class AiosqliteConnection(_SQLiteFraming):
    name = "aiosqlite"

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    @classmethod
    async def open(cls, path: str) -> AiosqliteConnection:
        import aiosqlite

        conn = await aiosqlite.connect(path, isolation_level=None, timeout=5.0)
        for pragma in SQLITE_PRAGMAS:
            await conn.execute(pragma)
        return cls(conn)

    async def run(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def close(self) -> None:
        await self._conn.close()


class LibsqlConnection(_SQLiteFraming):
    """libsql-client in `file:` mode: sqlite3 on the event loop's thread."""

    name = "libsql-client"

    def __init__(self, client: Any, stream: Any) -> None:
        self._client = client
        self._stream = stream

    @classmethod
    async def open(cls, path: str) -> LibsqlConnection:
        import libsql_client

        client = libsql_client.create_client(f"file:{path}")
        # As datasdk's driver: a transaction stream, committed, is one persistent
        # connection on which pragmas stick.
        stream = client.transaction()
        await stream.execute("COMMIT")
        self = cls(client, stream)
        for pragma in SQLITE_PRAGMAS[1:]:
            await self.run(pragma)
        return self

    async def run(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        delay = 0.001
        while True:
            try:
                return list((await self._stream.execute(sql, list(params))).rows)
            except Exception as exc:
                # As datasdk's driver, a busy BEGIN waits off the loop's critical path.
                if not sql.startswith("BEGIN") or "locked" not in str(exc):
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.05)

    async def close(self) -> None:
        self._stream.close()
        await self._client.close()


class Sqlite3Connection(_SQLiteFraming):
    """The stdlib sqlite3 module on the loop's thread: the floor under libSQL's file mode."""

    name = "sqlite3"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @classmethod
    async def open(cls, path: str) -> Sqlite3Connection:
        conn = sqlite3.connect(path, isolation_level=None, timeout=5.0)
        for pragma in SQLITE_PRAGMAS:
            conn.execute(pragma)
        return cls(conn)

    async def run(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._conn.execute(sql, params).fetchall()

    async def close(self) -> None:
        self._conn.close()


# The raw drivers each backend is compared with.
DRIVERS: dict[str, tuple[type[Any], ...]] = {
    "postgres": (AsyncpgConnection,),
    "sqlite": (AiosqliteConnection,),
    "libsql": (LibsqlConnection, Sqlite3Connection),
}
