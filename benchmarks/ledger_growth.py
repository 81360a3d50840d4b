"""Debit latency as one wallet's ledger grows.

    python benchmarks/ledger_growth.py [sqlite libsql postgres] [--sizes 10000 1000000]
        [--debits 300] [--load triggers|direct]

For each size, a new database gets one wallet with that many ledger rows, then times
single debits one after another and prints the median and 95th percentile in ms.
`--load triggers` writes the rows through the ledger's own triggers (one INSERT ...
SELECT in one transaction); `--load direct` writes them with the ledger triggers off
and sets the balance once, for schemas whose triggers cost O(n) per row. PostgreSQL
always loads directly: a million updates of one row in one transaction leave a
million row versions to step over.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from repositories import database_url
from sqlalchemy import inspect

import datasdk

LEDGER_TRIGGERS = ("trg_credit_transactions_ledger", "trg_credit_transactions_ledger_balance")
_SQLITE_ROWS = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows) "
    "INSERT INTO credit_transactions (id, wallet_id, amount, kind, idempotency_key) "
    "SELECT printf('%08x-0000-4000-8000-%012x', i, i), :wallet, 1, 'grant', 'load-' || i FROM n"
)
_POSTGRES_ROWS = (
    "INSERT INTO credit_transactions (id, wallet_id, amount, kind, idempotency_key) "
    "SELECT gen_random_uuid(), :wallet, 1, 'grant', 'load-' || i "
    "FROM generate_series(1, :rows) AS i"
)


async def _has_marker(db: datasdk.Database) -> bool:
    async with db.connection() as connection:
        columns = await connection.run_sync(lambda c: inspect(c).get_columns("wallets"))
    return any(column["name"] == "last_transaction_id" for column in columns)


async def load(db: datasdk.Database, wallet: str, rows: int, mode: str) -> None:
    params = {"wallet": wallet, "rows": rows}
    postgres = db.engine.dialect.name == "postgresql"
    if mode == "triggers" and not postgres:
        async with db.transaction() as tx:
            await tx.execute(_SQLITE_ROWS, params)
        return
    marker = await _has_marker(db)
    async with db.transaction() as tx:
        if postgres:
            for name, table in zip(
                LEDGER_TRIGGERS, ("credit_transactions", "wallets"), strict=True
            ):
                await tx.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
            await tx.execute(_POSTGRES_ROWS, params)
            newest = "(SELECT id FROM credit_transactions WHERE wallet_id = :wallet LIMIT 1)"
        else:
            saved = (
                await tx.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                    "AND name LIKE 'trg_credit_transactions_ledger%'"
                )
            ).rows
            for row in saved:
                await tx.execute(f"DROP TRIGGER {row['name']}")
            await tx.execute(_SQLITE_ROWS, params)
            newest = (
                "(SELECT id FROM credit_transactions WHERE wallet_id = :wallet "
                "ORDER BY rowid DESC LIMIT 1)"
            )
        move = f", last_transaction_id = {newest}" if marker else ""
        await tx.execute(
            f"UPDATE wallets SET credit_balance = credit_balance + :rows{move} WHERE id = :wallet",
            params,
        )
        if postgres:
            for name, table in zip(
                LEDGER_TRIGGERS, ("credit_transactions", "wallets"), strict=True
            ):
                await tx.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}")
        else:
            for row in saved:
                await tx.execute(row["sql"])
    if postgres:
        # Statistics as autovacuum would leave them, so it does not kick in mid-run.
        await db.execute("ANALYZE credit_transactions")


async def measure(url: str, rows: int, debits: int, mode: str) -> tuple[float, float, float]:
    async with datasdk.connect(url) as db:
        await db.migrate()
        user = await db.users.create(datasdk.NewUser(id="user_bench"))
        wallet = await db.wallets.open(user.id)
        start = time.perf_counter()
        await load(db, str(wallet.id), rows, mode)
        loaded = time.perf_counter() - start
        assert (await db.wallets.get(user.id)).credit_balance == rows
        for i in range(20):  # warm caches and the pool
            await db.wallets.debit(user.id, 1, idempotency_key=f"warm-{i}")
        times = []
        for i in range(debits):
            start = time.perf_counter()
            await db.wallets.debit(user.id, 1, idempotency_key=f"d-{i}")
            times.append((time.perf_counter() - start) * 1000)
        assert (await db.wallets.get(user.id)).credit_balance == rows - 20 - debits
        p95 = statistics.quantiles(times, n=20)[18]
        return loaded, statistics.median(times), p95


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("backends", nargs="*", default=["sqlite", "libsql", "postgres"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--debits", type=int, default=300)
    parser.add_argument("--load", choices=["triggers", "direct"], default="triggers")
    args = parser.parse_args()
    print(f"{'backend':10} {'rows':>9} {'load s':>8} {'median ms':>10} {'p95 ms':>8}")
    for backend in args.backends:
        for rows in args.sizes:
            with database_url(backend) as url:
                loaded, median, p95 = asyncio.run(measure(url, rows, args.debits, args.load))
            print(f"{backend:10} {rows:9} {loaded:8.1f} {median:10.2f} {p95:8.2f}", flush=True)


if __name__ == "__main__":
    main()
