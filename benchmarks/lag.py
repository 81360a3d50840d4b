"""Event-loop lag: how late a 1 ms sleep wakes up while the benchmarks run."""

from __future__ import annotations

import asyncio
import contextlib
import time

from benchmarks.stats import percentile

TICK = 0.001
# Only the timed blocks count; loading, preparing and warming up do not.
LABELS = ("sdk", "raw")


class LagMonitor:
    """Runs beside the benchmark blocks; `label` names what is running now, so the
    lateness is kept per label (the SDK's blocks, the raw drivers' blocks)."""

    def __init__(self) -> None:
        self.label: str | None = None
        self.samples: dict[str, list[float]] = {label: [] for label in LABELS}
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(TICK)
            late = time.perf_counter() - start - TICK
            if self.label in self.samples:
                self.samples[self.label].append(late)

    def summary(self) -> dict[str, tuple[float, float]]:
        """(worst, 99th percentile) lateness per label, in seconds."""
        return {
            label: (max(values), percentile(values, 99))
            for label, values in self.samples.items()
            if values
        }

    async def __aenter__(self) -> LagMonitor:
        self._task = asyncio.create_task(self._tick())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
