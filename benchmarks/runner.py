"""Timed blocks, interleaved: SDK, raw, SDK, raw... so both sides see the same machine."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.lag import LagMonitor
from benchmarks.ops import Op, Statement, Target
from benchmarks.raw import RawConnection
from benchmarks.stats import Spread, percentile

_START = time.perf_counter()


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - _START:7.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Settings:
    rounds: int
    ops: int  # per block, at most
    block_seconds: float  # a block stops early past this, after whole operations
    callers: tuple[int, ...]
    small_rows: int
    large_rows: int
    dashboard_users: int
    queue_jobs: int
    queue_consumers: int = 5
    queue_batch: int = 10


@dataclass
class Block:
    ops: int
    wall: float
    cpu: float
    latencies: list[float]

    @property
    def wall_per_op(self) -> float:
        return self.wall / self.ops

    @property
    def cpu_per_op(self) -> float:
        return self.cpu / self.ops


Call = Callable[[int, Any], Awaitable[object]]


async def run_block(
    call: Call, args: Sequence[Any], callers: int, settings: Settings, lag: LagMonitor, label: str
) -> Block:
    """Run `call` over `args` from `callers` concurrent tasks; wall and process CPU."""
    pending = iter(args)
    latencies: list[float] = []
    deadline = time.perf_counter() + settings.block_seconds

    async def caller(index: int) -> None:
        for arg in pending:
            start = time.perf_counter()
            await call(index, arg)
            end = time.perf_counter()
            latencies.append(end - start)
            if end > deadline:
                return
            # Let the loop run between calls, as a server does between requests: on
            # libSQL's file mode a call never suspends, and without this one caller
            # would run the whole block while the others (and the lag ticker) wait.
            await asyncio.sleep(0)

    lag.label = label
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(caller(i) for i in range(callers)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    lag.label = None
    return Block(len(latencies), wall, cpu, latencies)


async def _warm_up(
    op: Op, target: Target, call: Call, callers: int, settings: Settings, lag: LagMonitor
) -> None:
    """An unrecorded block first: every pooled connection opened and its statements
    prepared, on both sides, before anything is timed."""
    args = await op.prepare(target, min(settings.ops, 4 * callers))
    await run_block(call, args, callers, settings, lag, "warm-up")


def sdk_call(op: Op, target: Target) -> Call:
    return lambda _index, arg: op.sdk(target.db, arg)


def raw_call(op: Op, conns: Sequence[RawConnection], sql: Sequence[Statement]) -> Call:
    return lambda index, arg: op.raw(conns[index], sql, arg)


@dataclass
class Comparison:
    """SDK against one raw driver, for one operation at one concurrency."""

    backend: str
    op: str
    callers: int
    driver: str
    sdk_wall: list[float] = field(default_factory=list)
    raw_wall: list[float] = field(default_factory=list)
    sdk_cpu: list[float] = field(default_factory=list)
    raw_cpu: list[float] = field(default_factory=list)

    def ratio(self, kind: str) -> Spread:
        sdk, raw = getattr(self, f"sdk_{kind}"), getattr(self, f"raw_{kind}")
        return Spread.of([s / r for s, r in zip(sdk, raw, strict=True)])


async def compare(
    backend: str,
    target: Target,
    op: Op,
    sql: Sequence[Statement],
    raws: dict[str, list[RawConnection]],
    callers: int,
    settings: Settings,
    lag: LagMonitor,
) -> list[Comparison]:
    found = {driver: Comparison(backend, op.name, callers, driver) for driver in raws}
    await _warm_up(op, target, sdk_call(op, target), callers, settings, lag)
    for conns in raws.values():
        await _warm_up(op, target, raw_call(op, conns, sql), callers, settings, lag)
    for round_ in range(1, settings.rounds + 1):
        args = await op.prepare(target, settings.ops)
        sdk = await run_block(sdk_call(op, target), args, callers, settings, lag, "sdk")
        line = [f"sdk {sdk.wall_per_op * 1e6:7.0f} µs"]
        for driver, conns in raws.items():
            args = await op.prepare(target, settings.ops)
            raw = await run_block(raw_call(op, conns, sql), args, callers, settings, lag, "raw")
            result = found[driver]
            result.sdk_wall.append(sdk.wall_per_op)
            result.sdk_cpu.append(sdk.cpu_per_op)
            result.raw_wall.append(raw.wall_per_op)
            result.raw_cpu.append(raw.cpu_per_op)
            line.append(f"{driver} {raw.wall_per_op * 1e6:7.0f} µs")
        progress(
            f"{backend:8} {op.name:16} x{callers} round {round_}/{settings.rounds}: "
            + ", ".join(line)
        )
    return list(found.values())


@dataclass
class Growth:
    backend: str
    op: str
    small: list[float] = field(default_factory=list)
    large: list[float] = field(default_factory=list)
    large_latencies: list[float] = field(default_factory=list)

    def ratio(self) -> Spread:
        return Spread.of([b / a for a, b in zip(self.small, self.large, strict=True)])

    def latency(self, q: float) -> float:
        return percentile(self.large_latencies, q)


async def growth(
    backend: str, small: Target, large: Target, op: Op, settings: Settings, lag: LagMonitor
) -> Growth:
    """The SDK call on the small and the large dataset, one caller, blocks interleaved."""
    found = Growth(backend, op.name)
    for target in (small, large):
        await _warm_up(op, target, sdk_call(op, target), 1, settings, lag)
    for round_ in range(1, settings.rounds + 1):
        blocks = []
        for target in (small, large):
            args = await op.prepare(target, settings.ops)
            blocks.append(await run_block(sdk_call(op, target), args, 1, settings, lag, "sdk"))
        found.small.append(blocks[0].wall_per_op)
        found.large.append(blocks[1].wall_per_op)
        found.large_latencies.extend(blocks[1].latencies)
        progress(
            f"{backend:8} growth {op.name:16} round {round_}/{settings.rounds}: "
            f"{small.dataset.rows} rows {blocks[0].wall_per_op * 1e6:7.0f} µs, "
            f"{large.dataset.rows} rows {blocks[1].wall_per_op * 1e6:7.0f} µs"
        )
    return found
