"""Prepared statements outside a unit of work, straight on a pooled driver connection.

A statement that commits by itself needs none of what SQLAlchemy's execution does
per call (a Connection, its events, a cursor wrapper, a Result): that machinery costs
several times the driver's own work for a one-row statement. Here it is: its plan
(datasdk.prepared) made once per engine, the pool's connection kept between
statements, the dialect's `direct_fetch` sending it, and failures translated by the
one error path (`BackendProfile.error`), with a connection that failed discarded as
SQLAlchemy would.

Connections come from the engine's pool (so every connect and checkout hook has run on
them) and up to the pool's size of them stay here between statements. The SDK's
other statements, and a unit of work, take them back first when the pool is
exhausted (`give_back`). A connection goes back through the pool at least every
`KEEP_SECONDS` (or the pool's `pool_recycle`, if shorter), so that the pool's own
recycling and pre-ping still apply to it.

Disconnects follow the pool's rule (docs/reliability.md): the dialect's `is_disconnect`
names them; on one, the pool is invalidated (`Pool._invalidate`: every connection made
before now is replaced at its next checkout) and so is every connection kept here.
A statement that never reached the server (a connection known dead before sending,
a failed connect), and any read, is sent once more on a fresh connection; a write
that may have reached it raises ConnectionLost.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool, PoolProxiedConnection, QueuePool
from sqlalchemy.util import greenlet_spawn

from datasdk.dialects import BackendProfile, common
from datasdk.errors import ConnectionLost
from datasdk.prepared import Plan, Prepared, compile_plan

# Called with each statement's SQL and the driver's parameters, before it is sent.
StatementListener = Callable[[str, Any], None]

KEEP_SECONDS = 30.0
# Plans kept per engine, least recently used dropped first: the SDK's own statements
# are a few dozen, but an application may build Prepared statements on the fly.
PLAN_CACHE_SIZE = 256


class _Lost(Exception):
    """The connection was found dead or lost (`error`); `unsent`: before the
    statement could have reached the server."""

    def __init__(self, error: ConnectionLost, cause: BaseException, *, unsent: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.cause = cause
        self.unsent = unsent


class DirectStatements:
    def __init__(self, engine: AsyncEngine, profile: BackendProfile) -> None:
        self._engine = engine
        self._dialect = engine.dialect
        self._profile = profile
        self._fetch = profile.direct_fetch
        # Where plans cannot apply (a named paramstyle, schema translation), the SDK's
        # statements take SQLAlchemy's path.
        self.enabled = self._dialect.positional and not engine.get_execution_options().get(
            "schema_translate_map"
        )
        self._plans: OrderedDict[Prepared, Plan] = OrderedDict()
        # (connection, when it was checked out of the pool), the latest kept last.
        self._idle: list[tuple[PoolProxiedConnection, float]] = []
        self._closed = False
        self.listeners: list[StatementListener] = []
        self._watch(engine.sync_engine.pool)

    def _watch(self, pool: Pool) -> None:
        self._pool = pool
        # When the pool was last invalidated (a disconnect, here or through SQLAlchemy):
        # kept connections older than that may be dead.
        self._invalidated = pool._invalidate_time
        # Only a queue pool keeps connections between checkouts; others (a single
        # shared connection, no pooling) are asked each time.
        self._keep = pool.size() if isinstance(pool, QueuePool) else 0
        recycle = getattr(pool, "_recycle", -1)
        self._max_age = min(KEEP_SECONDS, recycle) if recycle >= 0 else KEEP_SECONDS
        # How many connections the pool may hand out at once; None for no limit.
        overflow = getattr(pool, "_max_overflow", -1)
        self._capacity = self._keep + overflow if self._keep and overflow >= 0 else None

    def plan(self, statement: Prepared) -> Plan:
        plans = self._plans
        found = plans.get(statement)
        if found is None:
            found = plans[statement] = compile_plan(statement, self._dialect)
            if len(plans) > PLAN_CACHE_SIZE:
                plans.popitem(last=False)
        else:
            plans.move_to_end(statement)
        return found

    async def fetch(
        self, statement: Prepared, params: Mapping[str, Any] | None, *, read: bool = False
    ) -> list[dict[str, Any]]:
        """The rows of one statement that commits by itself. `read`: it changes
        nothing, so it may be sent again if its connection is lost."""
        plan = self.plan(statement)
        try:
            args = plan.args(params)
        except Exception as exc:  # a value refused while binding
            self._profile.raise_error(exc, plan.sql)
        try:
            raw = await self._attempt(plan.sql, args)
        except _Lost as lost:
            if not (lost.unsent or read or statement.read):
                raise lost.error from lost.cause
            # Once more, on a fresh connection (the pool replaced every older one).
            try:
                raw = await self._attempt(plan.sql, args)
            except _Lost as again:
                raise again.error from again.cause
        return plan.rows(raw)

    async def _attempt(self, sql: str, args: Sequence[Any]) -> Sequence[Sequence[Any]]:
        now = time.monotonic()
        connection, since = self._kept(now) or await self._take(now)
        if self._profile.is_closed(connection.dbapi_connection):
            # Found dead before anything was sent: nothing can have been applied.
            lost = ConnectionLost("the database closed the connection")
            await self._lose(connection, lost)
            raise _Lost(lost, lost, unsent=True)
        for listener in self.listeners:
            listener(sql, args)
        try:
            raw = await self._fetch(connection, sql, args)
        except Exception as exc:
            error = self._profile.error(exc, sql)
            if isinstance(error, ConnectionLost):
                await self._lose(connection, exc)
                raise _Lost(error, common.driver_exception(exc), unsent=False) from exc
            await self._discard(connection, exc)
            self._profile.raise_error(exc, sql)
        except BaseException:
            # Cancelled mid-statement: what the connection is in the middle of is unknown.
            connection.invalidate()
            raise
        if len(self._idle) < self._keep and not self._closed and not self._exhausted():
            self._idle.append((connection, since))
        else:
            await greenlet_spawn(connection.close)
        return raw

    def _kept(self, now: float) -> tuple[PoolProxiedConnection, float] | None:
        """The usual case: the latest kept connection, still young, of the engine's
        current pool, which no disconnect has invalidated since."""
        idle = self._idle
        young = idle and now - idle[-1][1] < self._max_age
        pool = self._pool
        current = (
            self._engine.sync_engine.pool is pool and pool._invalidate_time == self._invalidated
        )
        return idle.pop() if young and current else None

    async def _take(self, now: float) -> tuple[PoolProxiedConnection, float]:
        await self._follow_pool()
        idle = self._idle
        while idle:
            connection, since = idle.pop()
            if now - since < self._max_age:
                return connection, since
            # Kept long enough: back through the pool's checks (recycle, pre-ping).
            await greenlet_spawn(connection.close)
        try:
            return await self._engine.raw_connection(), now
        except Exception as exc:
            error = self._profile.error(exc)
            if isinstance(error, ConnectionLost):
                self._pool._invalidate(cast(PoolProxiedConnection, None), exc)
                self._invalidated = self._pool._invalidate_time
                raise _Lost(error, common.driver_exception(exc), unsent=True) from exc
            self._profile.raise_error(exc)

    async def _follow_pool(self) -> None:
        if self._engine.sync_engine.pool is not self._pool:
            # The engine was disposed: what is kept belongs to its old pool, which
            # closes nothing checked in after it was disposed. Close it here.
            while self._idle:
                await greenlet_spawn(self._idle.pop()[0].invalidate)
            self._watch(self._engine.sync_engine.pool)
        elif self._pool._invalidate_time != self._invalidated:
            # A disconnect (here or through SQLAlchemy) invalidated the pool: what is
            # kept from before then may be dead; what was made since is not.
            stale = self._invalidated = self._pool._invalidate_time
            kept, self._idle = self._idle, []
            for connection, since in kept:
                record: Any = getattr(connection, "_connection_record", None)
                if record is None or record.starttime <= stale:
                    await greenlet_spawn(connection.invalidate)
                else:
                    self._idle.append((connection, since))

    async def _lose(self, connection: PoolProxiedConnection, exc: BaseException) -> None:
        """A disconnect: as SQLAlchemy's pool does, replace every connection made
        before now at its next checkout, this one at once; drop those kept here."""
        await greenlet_spawn(self._pool._invalidate, connection, exc)
        await self._follow_pool()

    async def _discard(self, connection: PoolProxiedConnection, exc: Exception) -> None:
        if self._profile.direct_reusable(exc):
            # Back through the pool, whose reset rolls back anything left open.
            await greenlet_spawn(connection.close)
        else:
            await greenlet_spawn(connection.invalidate, exc)

    def _exhausted(self) -> bool:
        """Whether the pool has handed out every connection it may: someone may wait."""
        capacity = self._capacity
        pool: Any = self._pool
        return capacity is not None and pool.checkedout() >= capacity

    async def give_back(self, *, everything: bool = False) -> None:
        """Return kept connections to the pool: all of them, or (before the SDK checks
        one out through SQLAlchemy) those it would otherwise wait for."""
        while self._idle and (everything or self._exhausted()):
            await greenlet_spawn(self._idle.pop()[0].close)

    async def close(self) -> None:
        """Keep nothing from here on, and give back what is kept."""
        self._closed = True
        await self._follow_pool()
        await self.give_back(everything=True)
