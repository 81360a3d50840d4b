"""python -m benchmarks [--quick | --full] [--backends sqlite libsql postgres] [--output PATH]

Runs every comparison on each backend in turn, prints progress to stderr and writes
the markdown table (default docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import datasdk
from benchmarks import seed
from benchmarks.backends import BACKENDS, Backend, backend, postgres_settings
from benchmarks.capture import capture
from benchmarks.lag import LagMonitor
from benchmarks.ops import OPS, Target
from benchmarks.queue_drain import queue_drain
from benchmarks.raw import DRIVERS
from benchmarks.report import Results, render
from benchmarks.runner import Settings, compare, growth, progress

# Default: the whole run in well under 15 minutes on a 2-core machine. --full loads the
# issue's million rows per table; --quick is a smoke run of about a minute.
DEFAULT = Settings(
    rounds=5, ops=200, block_seconds=0.5, callers=(1, 8), small_rows=10_000,
    large_rows=100_000, dashboard_users=100_000, queue_jobs=1_000,
)  # fmt: skip
FULL = Settings(
    rounds=5, ops=200, block_seconds=1.0, callers=(1, 8), small_rows=10_000,
    large_rows=1_000_000, dashboard_users=100_000, queue_jobs=10_000,
)  # fmt: skip
QUICK = Settings(
    rounds=3, ops=20, block_seconds=0.2, callers=(1, 8), small_rows=1_000,
    large_rows=5_000, dashboard_users=500, queue_jobs=200,
)  # fmt: skip

ROOT = Path(__file__).resolve().parents[1]


async def run_backend(b: Backend, settings: Settings, results: Results) -> None:
    small_set = seed.Dataset(settings.small_rows, max(settings.small_rows // 10, 1))
    large_set = seed.Dataset(settings.large_rows, settings.dashboard_users)
    small = await b.build("small", small_set)
    large = await b.build("large", large_set)
    if b.server is not None:
        results.postgres = await postgres_settings(small.raw)
    pool = max(settings.callers)
    async with (
        LagMonitor() as lag,
        datasdk.connect(small.sdk_url, pool_size=pool) as small_db,
        datasdk.connect(large.sdk_url, pool_size=pool) as large_db,
    ):
        small_t, large_t = Target(small_db, small_set), Target(large_db, large_set)
        await small_t.setup()
        await large_t.setup()
        raws = {
            driver.name: [await driver.open(small.raw) for _ in range(pool)]
            for driver in DRIVERS[b.name]
        }
        try:
            for op in OPS:
                sql = await capture(small_t, op)
                for callers in settings.callers:
                    results.comparisons += await compare(
                        b.name, small_t, op, sql, raws, callers, settings, lag
                    )
        finally:
            for conns in raws.values():
                for conn in conns:
                    await conn.close()
        # The small database has just taken every comparison's writes, the large one
        # none: both start the growth blocks vacuumed.
        for target in (small_t, large_t):
            await target.vacuum(table="")
        for op in OPS:
            results.growth.append(await growth(b.name, small_t, large_t, op, settings, lag))
        if b.server is not None:
            results.queue = await queue_drain(b.server, settings, lag)
    results.lag[b.name] = lag.summary()


def parse(argv: list[str] | None) -> tuple[argparse.Namespace, Settings]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smoke run, about a minute")
    size.add_argument("--full", action="store_true", help="1M-row large dataset (slow)")
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--rounds", type=int, help="rounds per comparison (>= 3)")
    parser.add_argument("--large-rows", type=int, help="scan jobs and ledger rows, large set")
    parser.add_argument("--dashboard-users", type=int, help="users (x10 domains), large set")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "docs" / "performance.md", help="markdown file"
    )
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL if args.full else DEFAULT
    overrides = {
        "rounds": args.rounds,
        "large_rows": args.large_rows,
        "dashboard_users": args.dashboard_users,
    }
    settings = Settings(
        **{**settings.__dict__, **{k: v for k, v in overrides.items() if v is not None}}
    )
    if settings.rounds < 3:
        parser.error("--rounds: at least 3, for a median and a spread")
    return args, settings


def main(argv: list[str] | None = None) -> None:
    args, settings = parse(argv)
    results = Results()
    results.load.append(os.getloadavg())
    start = time.perf_counter()
    progress(f"benchmarks: {', '.join(args.backends)}; {settings}")
    with tempfile.TemporaryDirectory(prefix="datasdk-bench-") as tmp:
        for name in args.backends:
            with backend(name, Path(tmp)) as b:
                asyncio.run(run_backend(b, settings, results))
    results.seconds = time.perf_counter() - start
    results.load.append(os.getloadavg())
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(results, settings), encoding="utf-8")
    progress(f"done in {results.seconds / 60:.1f} min; wrote {args.output}")
