"""Event-loop lag: how late a 1 ms sleep wakes up while the benchmarks run."""

from __future__ import annotations

import asyncio
import contextlib
import time

TICK = 0.001


class LagMonitor:
    """Runs beside the benchmark blocks; `label` names what is running now, so the
    worst lateness is kept per label (e.g. "sdk" and "raw")."""

    def __init__(self) -> None:
        self.label: str | None = None
        self.worst: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(TICK)
            late = time.perf_counter() - start - TICK
            if self.label in ("sdk", "raw") and late > self.worst.get(self.label, 0.0):
                self.worst[self.label] = late

    async def __aenter__(self) -> LagMonitor:
        self._task = asyncio.create_task(self._tick())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
