"""Queue drain: datasdk's scan_jobs against pgqueuer on the same PostgreSQL server.

Both sides: the same number of no-op jobs queued beforehand (not timed), the same
number of consumers and the same batch size; the figure is jobs finished per second
from the first dequeue until the queue is empty. Rounds alternate the two sides.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import datasdk
from benchmarks import seed
from benchmarks.lag import LagMonitor
from benchmarks.runner import Settings, progress
from benchmarks.stats import Spread
from datasdk.models import JobState, ScanJob

ENTRYPOINT = "noop"


async def finish_batch(db: datasdk.Database, jobs: list[ScanJob]) -> None:
    """What a datasdk worker does with a claimed batch of no-op jobs: the whole batch
    FETCHING -> ANALYZING -> COMPLETED, one statement per step (transition_many);
    the state machine has no shorter edge to COMPLETED."""
    analyzing = await db.scan_jobs.transition_many(
        [(job.id, job.version, JobState.ANALYZING) for job in jobs]
    )
    done = await db.scan_jobs.transition_many(
        [(job.id, job.version, JobState.COMPLETED) for job in analyzing.moved]
    )
    if analyzing.refused or done.refused:
        raise RuntimeError("a claimed job was moved by someone else")


FINISH = finish_batch


async def drain_datasdk(url: str, settings: Settings) -> float:
    async with datasdk.connect(url, pool_size=settings.queue_consumers) as db:
        await db.execute(
            "INSERT INTO scan_jobs (user_id, url) SELECT :user, 'https://w' || g || '.example.com/'"
            " FROM generate_series(1, :n) AS g",
            {"user": seed.BENCH_USER, "n": settings.queue_jobs},
        )
        # Every pooled connection open before the clock starts, as pgqueuer's are.
        await asyncio.gather(*(db.execute("SELECT 1") for _ in range(settings.queue_consumers)))
        done = 0

        async def consumer() -> None:
            nonlocal done
            while jobs := await db.scan_jobs.claim_batch(settings.queue_batch):
                await FINISH(db, jobs)
                done += len(jobs)

        start = time.perf_counter()
        await asyncio.gather(*(consumer() for _ in range(settings.queue_consumers)))
        elapsed = time.perf_counter() - start
    if done != settings.queue_jobs:
        raise RuntimeError(f"datasdk drained {done} of {settings.queue_jobs} jobs")
    return done / elapsed


async def install_pgqueuer(url: str) -> None:
    import asyncpg
    from pgqueuer import Queries

    conn = await asyncpg.connect(url)
    try:
        await Queries.from_asyncpg_connection(conn).install()
    finally:
        await conn.close()


async def drain_pgqueuer(url: str, settings: Settings) -> float:
    import asyncpg
    from pgqueuer import Queries, QueueManager
    from pgqueuer.domain.types import QueueExecutionMode

    conns = [await asyncpg.connect(url) for _ in range(settings.queue_consumers + 1)]
    try:
        await Queries.from_asyncpg_connection(conns[0]).enqueue(
            [ENTRYPOINT] * settings.queue_jobs,
            [None] * settings.queue_jobs,
            [0] * settings.queue_jobs,
        )
        managers = []
        for conn in conns[1:]:
            manager = QueueManager(Queries.from_asyncpg_connection(conn))

            @manager.entrypoint(ENTRYPOINT)
            async def noop(job: Any) -> None:
                return None

            managers.append(manager)
        start = time.perf_counter()
        await asyncio.gather(
            *(
                m.run(
                    batch_size=settings.queue_batch,
                    mode=QueueExecutionMode.drain,
                    dequeue_timeout=timedelta(seconds=1),
                    log_aggregation_interval=timedelta(0),
                )
                for m in managers
            )
        )
        elapsed = time.perf_counter() - start
        left = await conns[0].fetchval("SELECT count(*) FROM pgqueuer")
        if left:
            raise RuntimeError(f"pgqueuer left {left} of {settings.queue_jobs} jobs")
    finally:
        for conn in conns:
            await conn.close()
    return settings.queue_jobs / elapsed


async def queue_drain(server: Any, settings: Settings, lag: LagMonitor) -> dict[str, Spread]:
    """jobs/s per side and the datasdk/pgqueuer ratio per round, median and spread."""
    sdk_url = server.create_database("bench_queue")
    async with datasdk.connect(sdk_url) as db:
        await seed.prepare(db)
    pgq_url = server.create_database("bench_pgqueuer")
    await install_pgqueuer(pgq_url)
    sdk, pgq = [], []
    for round_ in range(1, settings.rounds + 1):
        lag.label = "sdk"
        sdk.append(await drain_datasdk(sdk_url, settings))
        lag.label = "raw"
        pgq.append(await drain_pgqueuer(pgq_url, settings))
        lag.label = None
        progress(
            f"postgres queue drain round {round_}/{settings.rounds}: datasdk {sdk[-1]:.0f}"
            f" jobs/s, pgqueuer {pgq[-1]:.0f} jobs/s"
        )
    return {
        "datasdk": Spread.of(sdk),
        "pgqueuer": Spread.of(pgq),
        "ratio": Spread.of([a / b for a, b in zip(sdk, pgq, strict=True)]),
    }
