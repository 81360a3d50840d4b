"""Database: engine lifecycle, units of work, migrations."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine, MetaData, event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import RollbackToSavepointClause, TextClause
from sqlalchemy.util import greenlet_spawn

from datasdk import config as _config
from datasdk.dialects import BackendProfile, profile_for, profile_for_engine
from datasdk.dialects.common import driver_exception
from datasdk.direct import DirectStatements, StatementListener
from datasdk.errors import ConfigurationError, ConnectionLost, DataSDKError, TransactionAborted
from datasdk.prepared import Prepared
from datasdk.project import AppMigrations
from datasdk.repositories._unit import Units
from datasdk.repositories.access import RepositoryAccess
from datasdk.validation import Resolver
from datasdk.validation import arguments as check
from datasdk.validation.raw_params import raw_params

T = TypeVar("T")
# A bound that catches a mistyped size (pool_size=10**6) before any connection.
MAX_POOL_SIZE = 1000


@dataclass(frozen=True)
class QueryResult:
    """Rows (as mappings) of a raw statement, and how many rows it changed."""

    rows: list[dict[str, Any]]
    rowcount: int


# Execution options that tag the SDK's connections: which Database owns one, and which
# unit of work it runs (so that statements the application sends through
# `tx.connection` or `tx.orm_session` are seen by the same hooks as the SDK's own).
_DATABASE = "datasdk_database"
_UNIT = "datasdk_unit"


class Transaction(RepositoryAccess):
    """One atomic unit of work: everything done through it commits or rolls back together.

    `tx.<repository>` calls, `tx.execute`, and the application's own statements on
    `tx.connection` or `tx.orm_session` all join this unit. An error a statement raises
    ends the unit (TransactionAborted for anything after); an error the SDK raises
    before writing (ValidationError, NotFoundError, InsufficientCredits,
    StaleVersionError, ...) does not.
    """

    def __init__(
        self,
        connection: AsyncConnection,
        profile: BackendProfile,
        resolver: Resolver | None = None,
    ) -> None:
        self._connection = connection
        self._profile = profile
        self._session: AsyncSession | None = None
        # Set once the block is over: from then on only the SDK ends the transaction.
        self._ending = False
        self.failure: BaseException | None = None
        self._resolver = resolver

    @cached_property
    def _repository_units(self) -> Units:  # type: ignore[override]
        # Made on first use: most units (a single `db.<repository>` call) never ask.
        return Units.joining(self, self._resolver)

    @property
    def connection(self) -> AsyncConnection:
        """The unit's connection, for the application's own SQLAlchemy Core statements.

        Its errors are datasdk errors, as for `tx.execute`. Do not commit, roll back or
        close it: the unit does that when its `async with` block ends.
        """
        return self._connection

    @property
    def orm_session(self) -> AsyncSession:
        """An ORM session on the unit's connection; flushed when the unit commits.

        It works in a SAVEPOINT of the unit: `commit()` on it only releases that
        savepoint, `rollback()` only undoes the session's own work since then. The unit
        commits or rolls back everything when its block ends, and closes the session.
        """
        if self._ending:
            raise TransactionAborted("the unit of work is over")
        if self._session is None:
            self._session = AsyncSession(
                bind=self._connection,
                join_transaction_mode="create_savepoint",
                # Objects stay readable after the unit ends.
                expire_on_commit=False,
            )
        return self._session

    def _fail(self, exc: BaseException) -> None:
        """End the unit: it will roll back; the first failure is the one reported."""
        if self.failure is None:
            self.failure = exc

    def _check_open(self) -> None:
        if self.failure is not None and not self._ending:
            raise TransactionAborted(
                "an earlier statement of this unit of work failed; it is being rolled back"
            ) from self.failure

    async def execute(
        self, statement: str | Executable, params: Mapping[str, Any] | None = None
    ) -> QueryResult:
        """Run one statement (raw SQL text or a SQLAlchemy construct) in this unit of work."""
        stmt = text(statement) if isinstance(statement, str) else statement
        try:
            checked = raw_params(params)  # refused alike on every backend
            with translated(self._profile):  # a value that cannot be stored: refused
                values = {k: self._profile.raw_param(v) for k, v in checked.items()}
        except BaseException as exc:
            self._fail(exc)
            raise
        return await self.run(stmt, values)

    async def run(
        self, statement: Executable | Prepared, params: Mapping[str, Any] | None = None
    ) -> QueryResult:
        """Run one of the SDK's own statements: its bind parameters are typed, so their
        values go to SQLAlchemy as they are."""
        if isinstance(statement, Prepared):
            statement = statement.statement
        try:
            with translated(self._profile):
                result = await self._connection.execute(statement, params)
                rows = [dict(row) for row in result.mappings()] if result.returns_rows else []
        except BaseException as exc:
            # Beyond the database's errors (which the engine hook records), a statement
            # cancelled or refused before it reached the database ends the unit too.
            self._fail(exc)
            raise
        return QueryResult(rows=rows, rowcount=result.rowcount)

    async def _end(self, *, flush: bool) -> None:
        """The block is over: from here on only the SDK ends the transaction. Flush the
        ORM session into the unit (when it is to commit) and close it."""
        self._ending = True
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if flush and self.failure is None:
                await session.commit()
        finally:
            await session.close()


class _Statements(Transaction):
    """A unit of statements that each commit by themselves (`db.<repository>` reads and
    single-statement writes): no BEGIN, no COMMIT, no other round trip. The SDK's
    prepared statements go straight to a pooled driver connection (datasdk.direct);
    any other takes a pooled connection in one pass through SQLAlchemy."""

    def __init__(
        self,
        engine: AsyncEngine,
        profile: BackendProfile,
        resolver: Resolver | None,
        direct: DirectStatements,
        *,
        reads: bool = False,
    ) -> None:
        super().__init__(cast(AsyncConnection, None), profile, resolver)
        self._engine = engine.sync_engine
        self._direct = direct
        # Every statement of this unit only reads: any may be sent again (see run).
        self._reads = reads

    async def __aenter__(self) -> _Statements:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    @property
    def connection(self) -> AsyncConnection:
        raise TransactionAborted("statements outside a unit of work have no connection to share")

    async def run(
        self, statement: Executable | Prepared, params: Mapping[str, Any] | None = None
    ) -> QueryResult:
        self._check_open()
        try:
            direct = self._direct
            read = self._reads
            if isinstance(statement, Prepared):
                read = read or statement.read
                if direct.enabled:
                    rows = await direct.fetch(statement, params, read=read)
                    return QueryResult(rows=rows, rowcount=len(rows))
                statement = statement.statement
            try:
                return await self._send(statement, params)
            except ConnectionLost:
                # A read that lost its connection is sent once more: the disconnect
                # invalidated the pool, so this one runs on a fresh connection. A
                # write may have been applied: the caller decides (docs/reliability.md).
                if not read:
                    raise
                return await self._send(statement, params)
        except BaseException as exc:
            self._fail(exc)
            raise

    async def _send(self, statement: Executable, params: Mapping[str, Any] | None) -> QueryResult:
        with translated(self._profile):
            await self._direct.give_back()  # none kept while this would wait for one
            return await greenlet_spawn(self._run, statement, params)

    def _run(self, statement: Executable, params: Mapping[str, Any] | None) -> QueryResult:
        with _connected(self._engine, self._profile) as connection:
            connection.execution_options(**self._profile.autocommit_options)
            result = connection.execute(statement, params)
            rows = [dict(row) for row in result.mappings()] if result.returns_rows else []
            return QueryResult(rows=rows, rowcount=result.rowcount)


def _connected(engine: Engine, profile: BackendProfile) -> Connection:
    """A connection of `engine`; a connect that fails for want of the server (nothing
    was sent) is tried once more."""
    try:
        return engine.connect()
    except Exception as exc:
        if not profile.is_disconnect(driver_exception(exc)):
            raise
    return engine.connect()


def _unit_of(connection: Connection | None) -> Transaction | None:
    if connection is None:
        return None
    unit = connection.get_execution_options().get(_UNIT)
    return unit if isinstance(unit, Transaction) else None


def _refuse_after_failure(connection: Connection, statement: object, *_: object) -> None:
    # SQLite keeps a transaction open after a failed statement; PostgreSQL refuses
    # anything but ROLLBACK. Refusing here makes every backend answer the same way.
    # Undoing to a savepoint (an ORM session cleaning up after its failed flush) is
    # always allowed.
    unit = _unit_of(connection)
    if unit is None or isinstance(statement, RollbackToSavepointClause):
        return
    unit._check_open()
    raw = statement.text if isinstance(statement, TextClause) else statement
    if not unit._ending and isinstance(raw, str) and _ENDS_TRANSACTION.match(raw):
        # Raw transaction control would end the unit's transaction behind its back
        # (later statements would commit one by one): the unit ends instead.
        refused = TransactionAborted(
            "a unit of work begins and ends its own transaction; do not send BEGIN, "
            "COMMIT or ROLLBACK in it (SAVEPOINTs are fine)"
        )
        unit._fail(refused)
        raise refused


# Transaction control a statement of a unit may not send itself (ROLLBACK TO is fine).
_ENDS_TRANSACTION = re.compile(
    r"\s*(BEGIN|COMMIT|END|ROLLBACK(?!\s+(TRANSACTION\s+)?TO\b))\b", re.IGNORECASE
)


def _on_commit(connection: Connection) -> None:
    unit = _unit_of(connection)
    if unit is not None and not unit._ending:
        # SQLAlchemy counts the transaction as ended even though the commit is refused:
        # the unit can only roll back now.
        refused = TransactionAborted(
            "a unit of work commits when its `async with` block ends, not before"
        )
        unit._fail(refused)
        raise refused


def _on_rollback(connection: Connection) -> None:
    unit = _unit_of(connection)
    if unit is not None and not unit._ending:
        unit._fail(TransactionAborted("the unit of work's transaction was rolled back"))


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
        engine: AsyncEngine | None = None,
        app: AppMigrations | None = None,
    ) -> None:
        self.config = config
        self.resolver = resolver
        # The application's own tables and revisions, beside the SDK's.
        self.app = app or AppMigrations()
        super().__init__(Units(self._unit, resolver))
        self.profile: BackendProfile = profile_for(config.backend)
        # An engine the application handed in is the application's to dispose of.
        self._owned: AsyncEngine | None = None
        if engine is None:
            engine = self._owned = self.profile.engine(
                config, pool_size=pool_size, max_overflow=pool_size
            )
        # The SDK's own view of the engine: its connections carry this Database, so the
        # hooks below leave the application's other connections on a shared engine alone.
        self.engine: AsyncEngine = self.profile.prepare(engine).execution_options(
            **{_DATABASE: self}
        )
        self._hooks: list[tuple[str, Callable[..., Any]]] = [
            ("handle_error", self._translate_error),
            ("checkout", self._check_alive),
            ("before_execute", _refuse_after_failure),
            ("commit", _on_commit),
            ("rollback", _on_rollback),
        ]
        for name, hook in self._hooks:
            event.listen(self.engine.sync_engine, name, hook)
        self._direct = DirectStatements(self.engine, self.profile)

    def __repr__(self) -> str:
        return f"<Database {self.config.backend.value} {self.config.display_url}>"

    @property
    def backend(self) -> _config.Backend:
        return self.config.backend

    def _translate_error(self, context: ExceptionContext) -> DataSDKError | None:
        # Replace the driver's exception with ours before it leaves SQLAlchemy, so that
        # SQLAlchemy's own bookkeeping (rollback, invalidation) sees the final error.
        connection = context.connection
        if connection is None or connection.get_execution_options().get(_DATABASE) is not self:
            # Not the SDK's statement (connecting is translated around the call).
            return None
        original = context.original_exception
        if isinstance(original, Exception):
            # The dialect's rule, not SQLAlchemy's, decides what a disconnect is, so
            # both executors agree; on one SQLAlchemy invalidates the connection and
            # the pool (every connection made before now is replaced at checkout).
            # A cancelled statement (not an Exception) stays SQLAlchemy's call.
            context.is_disconnect = self.profile.is_disconnect(driver_exception(original))
        error: DataSDKError | None = self.profile.error(original, context.statement)
        unit = _unit_of(connection)
        if unit is not None:
            unit._fail(error or context.original_exception)
        return error

    def _check_alive(self, dbapi_connection: Any, _record: object, _proxy: object) -> None:
        # A pooled connection the driver already knows is dead (the server closed it):
        # the pool replaces it, and every older one, before handing it out. A flag, no
        # round trip: a connection that died unnoticed is found by its first statement.
        if self.profile.is_closed(dbapi_connection):
            raise InvalidatePoolError("the database closed the connection")

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def add_statement_listener(self, listener: StatementListener) -> None:
        """Call `listener(sql, parameters)` before each statement the SDK sends, its own
        prepared statements included (outside a unit of work those go straight to the
        driver, past SQLAlchemy's cursor events). For tracing and counting: keep it
        quick, and the parameters (which may hold secrets) out of logs."""
        listeners = self._direct.listeners
        if not listeners:
            event.listen(self.engine.sync_engine, "before_cursor_execute", self._forward)
        listeners.append(listener)

    def remove_statement_listener(self, listener: StatementListener) -> None:
        listeners = self._direct.listeners
        listeners.remove(listener)
        if not listeners:
            event.remove(self.engine.sync_engine, "before_cursor_execute", self._forward)

    def _forward(
        self, connection: Connection, _cursor: object, statement: str, parameters: Any, *_: object
    ) -> None:
        if connection.get_execution_options().get(_DATABASE) is self:
            for listener in self._direct.listeners:
                listener(statement, parameters)

    async def close(self) -> None:
        """Close the SDK's engine; an engine the application handed in stays open."""
        try:
            with translated(self.profile):
                await self._direct.close()
        finally:
            await self._release_engine()

    async def _release_engine(self) -> None:
        if self._owned is None:
            # A shared engine outlives this Database: leave no hooks behind on it.
            for name, hook in self._hooks:
                if event.contains(self.engine.sync_engine, name, hook):
                    event.remove(self.engine.sync_engine, name, hook)
            return
        with translated(self.profile):
            await self._owned.dispose()

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[Transaction]:
        """One unit of work; any error inside rolls all of it back, on every backend.

        A unit that writes holds the write lock from its start on SQLite and libSQL;
        `read_only=True` takes none there (WAL readers never wait) and refuses writes.
        The caller's own exceptions roll the unit back and reach them unchanged: only
        statements are translated, never the caller's code.
        """
        read_only = check.flag(read_only, "read_only")
        options = self.profile.read_only_options if read_only else {}
        try:
            connection, tx = await self._begin(options)
        except ConnectionLost:
            # Lost before the unit began (connecting, or BEGIN on a dead connection):
            # nothing was applied, and the pool now hands out fresh connections.
            connection, tx = await self._begin(options)
        try:
            try:
                yield tx
                with translated(self.profile):
                    await tx._end(flush=True)
            except BaseException:
                # The caller's error is the one to report; a rollback that fails too
                # leaves a broken connection, which closing below discards.
                with contextlib.suppress(Exception):
                    await tx._end(flush=False)
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

    async def _begin(self, options: Mapping[str, Any]) -> tuple[AsyncConnection, Transaction]:
        """A connection in a new unit of work, its transaction begun."""
        with translated(self.profile):
            await self._direct.give_back()
            connection = await self.engine.connect()
        try:
            tx = Transaction(connection, self.profile, self.resolver)
            with translated(self.profile):
                connection = await connection.execution_options(**options, **{_UNIT: tx})
                await connection.begin()
        except BaseException:
            with contextlib.suppress(Exception):
                await connection.close()
            raise
        return connection, tx

    def _unit(self, kind: str) -> AbstractAsyncContextManager[Transaction]:
        if kind == "write":
            return self.transaction()
        # Statements that each commit by themselves: no BEGIN, no COMMIT.
        reads = kind == "read"
        return _Statements(self.engine, self.profile, self.resolver, self._direct, reads=reads)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection outside any unit of work, for migrations and inspection."""
        with translated(self.profile):
            await self._direct.give_back()
            async with self.engine.connect() as connection:
                yield connection

    async def execute(
        self,
        statement: str | Executable,
        params: Mapping[str, Any] | None = None,
        *,
        read_only: bool = False,
    ) -> QueryResult:
        """Run one statement in a unit of work of its own. A `read_only` one that lost its
        connection is run once more (it changed nothing), as the repositories' reads are."""

        async def run() -> QueryResult:
            async with self.transaction(read_only=read_only) as tx:
                return await tx.execute(statement, params)

        return await (_read_once_more(run) if read_only else run())

    async def migrate(self, revision: str = "heads") -> None:
        """Upgrade the schema to `revision` (default: the newest, the application's too)."""
        from datasdk.migrate import upgrade

        await upgrade(self, revision)

    async def downgrade(self, revision: str) -> None:
        from datasdk.migrate import downgrade

        await downgrade(self, revision)

    async def check(self) -> list[str]:
        """How the live schema drifted from the logical one; empty when it matches."""
        from datasdk.inspection import drift

        async def run() -> list[str]:
            async with self.connection() as connection:
                return await connection.run_sync(drift, self.profile, self.app.metadata)

        return await _read_once_more(run)

    async def current_revision(self) -> str | None:
        from datasdk.migrate import current

        return await _read_once_more(lambda: current(self))


async def _read_once_more(read: Callable[[], Awaitable[T]]) -> T:
    """A read outside any unit: sent once more if its connection was lost. It changed
    nothing, and the disconnect invalidated the pool, so the second try gets a fresh
    connection (docs/reliability.md)."""
    try:
        return await read()
    except ConnectionLost:
        return await read()


@contextmanager
def translated(profile: BackendProfile) -> Iterator[None]:
    """Around the SDK's own calls into SQLAlchemy: what fails below leaves as a datasdk
    error, chained to the driver's exception (the one error path, `profile.error`)."""
    try:
        yield
    except Exception as exc:
        profile.raise_error(exc)


def create_engine(
    url: str | None = None, *, auth_token: str | None = None, pool_size: int = 5
) -> AsyncEngine:
    """The AsyncEngine `connect(url)` would open, for an application that shares one
    engine between its own code and the SDK (`connect(engine)`)."""
    config = _config.resolve(url, auth_token=auth_token)
    pool_size = check.integer(pool_size, "pool_size", low=1, high=MAX_POOL_SIZE)
    return profile_for(config.backend).engine(config, pool_size=pool_size, max_overflow=pool_size)


def connect(
    url: str | AsyncEngine | None = None,
    *,
    auth_token: str | None = None,
    pool_size: int = 5,
    resolver: Resolver | None = None,
    metadata: MetaData | None = None,
    migrations: str | Path | None = None,
) -> Database:
    """Open a database by URL (or DATASDK_DATABASE_URL, or a SQLite file here), or on
    the application's own AsyncEngine.

    An engine handed in is prepared for the SDK (on SQLite and libSQL, its connections
    get the SDK's pragmas and BEGIN handling) and is not disposed by `db.close()`.

    `resolver` (host name -> addresses) turns on the DNS check of scan and domain URLs:
    a name that resolves to any non-public address is refused before any SQL.
    `metadata` holds the application's own tables (`datasdk.application.attach`) and
    `migrations` the directory of its revisions: `migrate`, `check` and the CLI then
    cover them beside the SDK's.
    """
    app = AppMigrations(versions=Path(migrations) if migrations else None, metadata=metadata)
    if url is None or isinstance(url, str):
        config = _config.resolve(url, auth_token=auth_token)
        pool_size = check.integer(pool_size, "pool_size", low=1, high=MAX_POOL_SIZE)
        return Database(config, pool_size=pool_size, resolver=resolver, app=app)
    if auth_token is not None:
        raise ConfigurationError("auth_token goes with a URL; an engine has its own")
    profile = profile_for_engine(url)
    location = url.url.render_as_string(hide_password=True)
    config = _config.DatabaseConfig(backend=profile.backend, url=location)
    return Database(config, resolver=resolver, engine=url, app=app)


__all__ = ["Database", "QueryResult", "Transaction", "connect", "create_engine"]
