"""Database: engine lifecycle, units of work, migrations."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.base import Executable

from datasdk import config as _config
from datasdk.dialects import BackendProfile, profile_for
from datasdk.dialects.common import driver_exception
from datasdk.errors import DataSDKError, TransactionAborted
from datasdk.repositories._unit import Units
from datasdk.repositories.access import RepositoryAccess
from datasdk.validation import Resolver


@dataclass(frozen=True)
class QueryResult:
    """Rows (as mappings) of a raw statement, and how many rows it changed."""

    rows: list[dict[str, Any]]
    rowcount: int


class Transaction(RepositoryAccess):
    """One atomic unit of work: everything done through it commits or rolls back together.

    `tx.<repository>` calls join this unit. An error a statement raises ends the unit
    (TransactionAborted for anything after); an error the SDK raises before writing
    (ValidationError, NotFoundError, InsufficientCredits, StaleVersionError, ...) does not.
    """

    def __init__(
        self,
        connection: AsyncConnection,
        profile: BackendProfile,
        resolver: Resolver | None = None,
    ) -> None:
        self._connection = connection
        self._profile = profile
        self.failure: BaseException | None = None
        super().__init__(Units.joining(self, resolver))

    async def execute(
        self, statement: str | Executable, params: Mapping[str, Any] | None = None
    ) -> QueryResult:
        """Run one statement (raw SQL text or a SQLAlchemy construct) in this unit of work."""
        if self.failure is not None:
            raise TransactionAborted(
                "an earlier statement of this unit of work failed; it is being rolled back"
            ) from self.failure
        stmt = text(statement) if isinstance(statement, str) else statement
        try:
            with translated(self._profile):
                values = {k: self._profile.raw_param(v) for k, v in (params or {}).items()}
                result = await self._connection.execute(stmt, values)
                rows = [dict(row) for row in result.mappings()] if result.returns_rows else []
        except BaseException as exc:
            # SQLite leaves its transaction open after most errors, PostgreSQL aborts it:
            # the unit of work is over on every backend.
            self.failure = exc
            raise
        return QueryResult(rows=rows, rowcount=result.rowcount)


class Database(RepositoryAccess):
    """A connected datasdk database. Use as `async with datasdk.connect(...) as db`.

    `db.<repository>` calls each run in a unit of work of their own.
    """

    def __init__(
        self,
        config: _config.DatabaseConfig,
        *,
        pool_size: int = 5,
        resolver: Resolver | None = None,
    ) -> None:
        self.config = config
        self.resolver = resolver
        super().__init__(Units(lambda read_only: self.transaction(read_only=read_only), resolver))
        self.profile: BackendProfile = profile_for(config.backend)
        self.engine: AsyncEngine = self.profile.engine(
            config, pool_size=pool_size, max_overflow=pool_size
        )
        event.listen(self.engine.sync_engine, "handle_error", self._translate_error)

    def __repr__(self) -> str:
        return f"<Database {self.config.backend.value} {self.config.display_url}>"

    @property
    def backend(self) -> _config.Backend:
        return self.config.backend

    def _translate_error(self, context: ExceptionContext) -> DataSDKError | None:
        # Replace the driver's exception with ours before it leaves SQLAlchemy, so that
        # SQLAlchemy's own bookkeeping (rollback, invalidation) sees the final error.
        return self.profile.error(context.original_exception, context.statement)

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        with translated(self.profile):
            await self.engine.dispose()

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[Transaction]:
        """One unit of work; any error inside rolls all of it back, on every backend.

        A unit that writes holds the write lock from its start on SQLite and libSQL;
        `read_only=True` takes none there (WAL readers never wait) and refuses writes.
        The caller's own exceptions roll the unit back and reach them unchanged: only
        the SDK's calls into the database are translated, never the caller's code.
        """
        options = self.profile.read_only_options if read_only else {}
        with translated(self.profile):
            connection = await self.engine.connect()
        try:
            with translated(self.profile):
                connection = await connection.execution_options(**options)
                await connection.begin()
            tx = Transaction(connection, self.profile, self.resolver)
            try:
                yield tx
            except BaseException:
                # The caller's error is the one to report; a rollback that fails too
                # leaves a broken connection, which closing below discards.
                with contextlib.suppress(Exception):
                    await connection.rollback()
                raise
            with translated(self.profile):
                if tx.failure is None:
                    await connection.commit()
                    return
                await connection.rollback()
            # The caller caught the error and carried on: roll back, loudly.
            raise TransactionAborted(
                "the unit of work was rolled back: a statement in it failed"
            ) from tx.failure
        finally:
            with translated(self.profile):
                await connection.close()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection outside any unit of work, for migrations and inspection."""
        with translated(self.profile):
            async with self.engine.connect() as connection:
                yield connection

    async def execute(
        self,
        statement: str | Executable,
        params: Mapping[str, Any] | None = None,
        *,
        read_only: bool = False,
    ) -> QueryResult:
        """Run one statement in a unit of work of its own."""
        async with self.transaction(read_only=read_only) as tx:
            return await tx.execute(statement, params)

    async def migrate(self, revision: str = "head") -> None:
        """Upgrade the schema to `revision` (default: the newest)."""
        from datasdk.migrate import upgrade

        await upgrade(self, revision)

    async def downgrade(self, revision: str) -> None:
        from datasdk.migrate import downgrade

        await downgrade(self, revision)

    async def check(self) -> list[str]:
        """How the live schema drifted from the logical one; empty when it matches."""
        from datasdk.inspection import drift

        async with self.connection() as connection:
            return await connection.run_sync(drift, self.profile)

    async def current_revision(self) -> str | None:
        from datasdk.migrate import current

        return await current(self)


@contextmanager
def translated(profile: BackendProfile) -> Iterator[None]:
    """Around the SDK's own calls into SQLAlchemy: what fails below leaves as a datasdk
    error, chained to the driver's exception (the one error path, `profile.error`)."""
    try:
        yield
    except Exception as exc:
        error = profile.error(exc)
        if error is None or error is exc:
            raise
        raise error from driver_exception(exc)


def connect(
    url: str | None = None,
    *,
    auth_token: str | None = None,
    pool_size: int = 5,
    resolver: Resolver | None = None,
) -> Database:
    """Open a database by URL (or DATASDK_DATABASE_URL, or a SQLite file here).

    `resolver` (host name -> addresses) turns on the DNS check of scan and domain URLs:
    a name that resolves to any non-public address is refused before any SQL.
    """
    return Database(
        _config.resolve(url, auth_token=auth_token), pool_size=pool_size, resolver=resolver
    )


__all__ = ["Database", "QueryResult", "Transaction", "connect"]
