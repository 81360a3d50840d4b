"""Prepared statements outside a unit of work, straight on a pooled driver connection.

A statement that commits by itself needs none of what SQLAlchemy's execution does
per call (a Connection, its events, a cursor wrapper, a Result): that machinery costs
several times the driver's own work for a one-row statement. Here it is: its plan
(datasdk.prepared) made once, the pool's connection kept between statements, the
dialect's `direct_fetch` sending it, and failures translated by the one error path
(`BackendProfile.error`), with a connection that failed discarded as SQLAlchemy would.

Connections come from the engine's pool (so every connect and checkout hook has run on
them) and up to the pool's size of them stay here between statements. A unit of work
that finds the pool exhausted takes them back first (`give_back`). A connection goes
back through the pool at least every `KEEP_SECONDS` (or the pool's `pool_recycle`, if
shorter), so that the pool's own recycling and pre-ping still apply to it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection, QueuePool
from sqlalchemy.util import greenlet_spawn

from datasdk.dialects import BackendProfile
from datasdk.dialects.common import driver_exception
from datasdk.prepared import Prepared

# Called with each statement's SQL and the driver's parameters, before it is sent.
StatementListener = Callable[[str, Any], None]

KEEP_SECONDS = 30.0


class DirectStatements:
    def __init__(self, engine: AsyncEngine, profile: BackendProfile) -> None:
        self._engine = engine
        self._dialect = engine.dialect
        self._profile = profile
        self._fetch = profile.direct_fetch
        self._pool = engine.sync_engine.pool
        # Only a queue pool keeps connections between checkouts; others (a single
        # shared connection, no pooling) are asked each time.
        self._keep = self._pool.size() if isinstance(self._pool, QueuePool) else 0
        recycle = getattr(self._pool, "_recycle", -1)
        self._max_age = min(KEEP_SECONDS, recycle) if recycle >= 0 else KEEP_SECONDS
        # (connection, when it was checked out of the pool), the latest kept last.
        self._idle: list[tuple[PoolProxiedConnection, float]] = []
        self.listeners: list[StatementListener] = []

    async def fetch(
        self, statement: Prepared, params: Mapping[str, Any] | None
    ) -> list[dict[str, Any]]:
        """The rows of one statement that commits by itself."""
        plan = statement.plan(self._dialect)
        args = plan.args(params)
        for listener in self.listeners:
            listener(plan.sql, args)
        connection, since = await self._take()
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
        if len(self._idle) < self._keep and not self._exhausted():
            self._idle.append((connection, since))
        else:
            await greenlet_spawn(connection.close)
        return plan.rows(raw)

    async def _take(self) -> tuple[PoolProxiedConnection, float]:
        now = time.monotonic()
        while self._idle:
            connection, since = self._idle.pop()
            if now - since < self._max_age:
                return connection, since
            await greenlet_spawn(connection.close)  # through the pool's checks again
        return await self._engine.raw_connection(), now

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
        """Return kept connections to the pool: all of them, or (before a unit of work
        checks one out) those a unit would otherwise wait for."""
        while self._idle and (everything or self._exhausted()):
            await greenlet_spawn(self._idle.pop()[0].close)
