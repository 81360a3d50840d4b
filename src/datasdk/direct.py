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
from datasdk.dialects.common import driver_exception
from datasdk.prepared import Plan, Prepared, compile_plan, plans_supported

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
        self.enabled = plans_supported(self._dialect) and not engine.get_execution_options().get(
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

    def plan(self, statement: Prepared) -> Plan:
        found = self._plans.get(statement)
        if found is None:
            found = self._plans[statement] = compile_plan(statement, self._dialect)
        return found

    async def fetch(
        self, statement: Prepared, params: Mapping[str, Any] | None
    ) -> list[dict[str, Any]]:
        """The rows of one statement that commits by itself."""
        plan = self._plans.get(statement) or self.plan(statement)
        args = plan.args(params)
        for listener in self.listeners:
            listener(plan.sql, args)
        idle = self._idle
        now = time.monotonic()
        if (
            idle
            and now - idle[0][1] < self._max_age
            and self._engine.sync_engine.pool is self._pool
        ):
            # The usual case: the oldest kept connection is young, so all are.
            connection, since = idle.pop()
        else:
            connection, since = await self._take(now)
        try:
            raw = await self._fetch(connection, plan.sql, args)
        except Exception as exc:
            await self._discard(connection, exc)
            error = self._profile.error(exc, plan.sql)
            if error is None or error is exc:
                raise
            raise error from driver_exception(exc)
        except BaseException:
            # Cancelled mid-statement: what the connection is in the middle of is unknown.
            connection.invalidate()
            raise
        if len(self._idle) < self._keep and not self._closed and not self._exhausted():
            self._idle.append((connection, since))
        else:
            await greenlet_spawn(connection.close)
        return plan.rows(raw)

    async def _take(self, now: float) -> tuple[PoolProxiedConnection, float]:
        await self._follow_pool()
        idle = self._idle
        if idle and now - idle[0][1] >= self._max_age:
            # The longest kept goes back through the pool's checks.
            await greenlet_spawn(idle.pop(0)[0].close)
        while idle:
            connection, since = idle.pop()
            if now - since < self._max_age:
                return connection, since
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
        pool: Any = self._pool
        overflow = getattr(pool, "_max_overflow", -1)
        return overflow >= 0 and pool.checkedout() >= pool.size() + overflow

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
