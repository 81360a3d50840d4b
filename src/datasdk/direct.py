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
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool, PoolProxiedConnection, QueuePool
from sqlalchemy.util import greenlet_spawn

from datasdk.dialects import BackendProfile
from datasdk.prepared import Plan, Prepared, compile_plan

# Called with each statement's SQL and the driver's parameters, before it is sent.
StatementListener = Callable[[str, Any], None]

KEEP_SECONDS = 30.0


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
        self._plans: dict[Prepared, Plan] = {}
        # (connection, when it was checked out of the pool), the latest kept last.
        self._idle: list[tuple[PoolProxiedConnection, float]] = []
        self._closed = False
        self.listeners: list[StatementListener] = []
        self._watch(engine.sync_engine.pool)

    def _watch(self, pool: Pool) -> None:
        self._pool = pool
        # Only a queue pool keeps connections between checkouts; others (a single
        # shared connection, no pooling) are asked each time.
        self._keep = pool.size() if isinstance(pool, QueuePool) else 0
        recycle = getattr(pool, "_recycle", -1)
        self._max_age = min(KEEP_SECONDS, recycle) if recycle >= 0 else KEEP_SECONDS
        # How many connections the pool may hand out at once; None for no limit.
        overflow = getattr(pool, "_max_overflow", -1)
        self._capacity = self._keep + overflow if self._keep and overflow >= 0 else None

    def plan(self, statement: Prepared) -> Plan:
        found = self._plans.get(statement)
        if found is None:
            found = self._plans[statement] = compile_plan(statement, self._dialect)
        return found

    async def fetch(
        self, statement: Prepared, params: Mapping[str, Any] | None
    ) -> list[dict[str, Any]]:
        """The rows of one statement that commits by itself."""
        plan = self.plan(statement)
        try:
            args = plan.args(params)
        except Exception as exc:  # a value refused while binding
            self._profile.raise_error(exc, plan.sql)
        for listener in self.listeners:
            listener(plan.sql, args)
        now = time.monotonic()
        connection, since = self._kept(now) or await self._take(now)
        try:
            raw = await self._fetch(connection, plan.sql, args)
        except Exception as exc:
            await self._discard(connection, exc)
            self._profile.raise_error(exc, plan.sql)
        except BaseException:
            # Cancelled mid-statement: what the connection is in the middle of is unknown.
            connection.invalidate()
            raise
        if len(self._idle) < self._keep and not self._closed and not self._exhausted():
            self._idle.append((connection, since))
        else:
            await greenlet_spawn(connection.close)
        return plan.rows(raw)

    def _kept(self, now: float) -> tuple[PoolProxiedConnection, float] | None:
        """The usual case: the latest kept connection, still young, of the engine's
        current pool."""
        idle = self._idle
        young = idle and now - idle[-1][1] < self._max_age
        return idle.pop() if young and self._engine.sync_engine.pool is self._pool else None

    async def _take(self, now: float) -> tuple[PoolProxiedConnection, float]:
        await self._follow_pool()
        idle = self._idle
        while idle:
            connection, since = idle.pop()
            if now - since < self._max_age:
                return connection, since
            # Kept long enough: back through the pool's checks (recycle, pre-ping).
            await greenlet_spawn(connection.close)
        return await self._engine.raw_connection(), now

    async def _follow_pool(self) -> None:
        if self._engine.sync_engine.pool is not self._pool:
            # The engine was disposed: what is kept belongs to its old pool, which
            # closes nothing checked in after it was disposed. Close it here.
            while self._idle:
                await greenlet_spawn(self._idle.pop()[0].invalidate)
            self._watch(self._engine.sync_engine.pool)

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
