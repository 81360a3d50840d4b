"""Database: engine lifecycle, units of work, migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.base import Executable

from datasdk import config as _config
from datasdk.dialects import BackendProfile, profile_for
from datasdk.errors import BackendError, DataSDKError, TransactionAborted, ValidationError
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
        self.failure: DataSDKError | None = None
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
            with _translated():
                values = {k: self._profile.raw_param(v) for k, v in (params or {}).items()}
                result = await self._connection.execute(stmt, values)
                rows = [dict(row) for row in result.mappings()] if result.returns_rows else []
                return QueryResult(rows=rows, rowcount=result.rowcount)
        except DataSDKError as exc:
            # SQLite leaves its transaction open after most errors, PostgreSQL aborts it:
            # the unit of work is over on every backend.
            self.failure = exc
            raise


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
        # Replace the driver's exception with ours before it leaves SQLAlchemy; the
        # unit of work that saw it then rolls back as for any other error.
        original = context.original_exception
        if isinstance(original, DataSDKError):
            return None
        if isinstance(original, ValueError | TypeError) and context.is_disconnect is False:
            # Raised while binding a parameter (e.g. a naive datetime): no SQL ran.
            return ValidationError(f"a parameter was refused before any SQL ran: {original}")
        return self.profile.translate(original)

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        with _translated():
            await self.engine.dispose()

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[Transaction]:
        """One unit of work; any error inside rolls all of it back, on every backend.

        A unit that writes holds the write lock from its start on SQLite and libSQL;
        `read_only=True` takes none there (WAL readers never wait) and refuses writes.
        """
        with _translated():
            async with self.engine.connect() as plain:
                options = self.profile.read_only_options if read_only else {}
                connection = await plain.execution_options(**options)
                async with connection.begin():
                    tx = Transaction(connection, self.profile, self.resolver)
                    try:
                        yield tx
                    except Exception as exc:
                        # The caller's own error (a ValueError of theirs, say): it rolls
                        # the unit back and reaches them unchanged, not as ours.
                        exc.__dict__[_CALLERS] = True
                        raise
                    if tx.failure is not None:
                        # The caller caught the error and carried on: roll back, loudly.
                        raise TransactionAborted(
                            "the unit of work was rolled back: a statement in it failed"
                        ) from tx.failure

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection outside any unit of work, for migrations and inspection."""
        with _translated():
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
def _translated() -> Iterator[None]:
    """Let datasdk errors through; turn anything else from below into BackendError."""
    try:
        yield
    except DataSDKError:
        raise
    except Exception as exc:
        translated = None if exc.__dict__.get(_CALLERS) else _translation(exc)
        if translated is None:
            raise
        raise translated from exc


# Marks an exception raised by the caller's code inside a unit of work.
_CALLERS = "_datasdk_raised_by_caller"


def _translation(exc: Exception) -> DataSDKError | None:
    """The datasdk error for an exception from below, or None when it is not ours."""
    if isinstance(exc, ValueError | TypeError):
        if not _from_driver(exc):
            return ValidationError(f"a parameter was refused before any SQL ran: {exc}")
        return BackendError(f"database unavailable or failed: {_describe(exc)}")
    if isinstance(exc, SQLAlchemyError | OSError | TimeoutError) or _from_driver(exc):
        return BackendError(f"database unavailable or failed: {_describe(exc)}")
    return None


def _describe(exc: BaseException) -> str:
    # The class says what went wrong (refused, timed out, ...); driver messages may
    # quote statements or parameters, so they stay in the chained cause.
    return type(exc).__name__


_DRIVER_PACKAGES = frozenset(
    {"sqlalchemy", "asyncpg", "sqlite3", "aiosqlite", "libsql_client", "aiohttp"}
)


def _from_driver(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] in _DRIVER_PACKAGES


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
