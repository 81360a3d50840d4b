"""Throughput of the hot repository calls on each local backend.

    python benchmarks/repositories.py [sqlite libsql postgres] [--ops 500] [--workers 8]

Prints operations per second for: enqueue, debit (one wallet, many writers) and
claim_next (workers draining the queue). Numbers depend on the machine; compare
backends and versions on the same one. PostgreSQL is a throwaway local server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))

import datasdk
from harness.postgres import postgres_server


@contextlib.contextmanager
def database_url(backend: str) -> Iterator[str]:
    if backend == "postgres":
        with postgres_server() as server:
            yield server.create_database("bench")
        return
    with tempfile.TemporaryDirectory() as tmp:
        scheme = {"sqlite": "sqlite+aiosqlite:///", "libsql": "file:"}[backend]
        yield f"{scheme}{tmp}/bench.db"


async def timed(ops: int, workers: int, call: Callable[[int], Awaitable[object]]) -> float:
    counter = iter(range(ops))

    async def worker() -> None:
        for i in counter:
            await call(i)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return ops / (time.perf_counter() - start)


async def bench(url: str, ops: int, workers: int) -> dict[str, float]:
    async with datasdk.connect(url, pool_size=workers) as db:
        await db.migrate()
        user = await db.users.create(datasdk.NewUser(id="user_bench"))
        await db.wallets.open(user.id)
        await db.wallets.credit(user.id, ops, kind="grant", idempotency_key="bench")
        return {
            "enqueue": await timed(
                ops, workers, lambda i: db.scan_jobs.enqueue(user.id, f"https://e{i}.example.com/")
            ),
            "debit": await timed(
                ops, workers, lambda i: db.wallets.debit(user.id, 1, idempotency_key=f"d{i}")
            ),
            "claim_next": await timed(ops, workers, lambda i: db.scan_jobs.claim_next()),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("backends", nargs="*", default=["sqlite", "libsql", "postgres"])
    parser.add_argument("--ops", type=int, default=500)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    print(f"{args.ops} operations, {args.workers} concurrent callers; operations per second")
    print(f"{'backend':10} {'enqueue':>10} {'debit':>10} {'claim_next':>12}")
    for backend in args.backends:
        with database_url(backend) as url:
            rates = asyncio.run(bench(url, args.ops, args.workers))
        print(
            f"{backend:10} {rates['enqueue']:10.0f} {rates['debit']:10.0f}"
            f" {rates['claim_next']:12.0f}"
        )


if __name__ == "__main__":
    main()
