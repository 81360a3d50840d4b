"""Bulk loading of the benchmark datasets, through the schema's rules.

A dataset of size N: N scan jobs (the loaded history FAILED, a QUEUED tail for the
claim benchmarks), N ledger rows in the benchmark wallet, and N/10 users with ten
domains each (the dashboard's population). Loaded with the drivers' bulk paths (COPY
on PostgreSQL, executemany in one transaction on SQLite); every row still passes the
schema's constraints and triggers, with the one exception documented in
`_load_sqlite_ledger`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import datasdk
from datasdk.dialects.sqlite import raw_param as sqlite_param
from datasdk.ids import new_id
from datasdk.schema import RULES
from datasdk.schema.rules import Ledger

BENCH_USER = "user_bench"
DOMAINS_PER_USER = 10
_CHUNK = 20_000
_LEDGER_CHUNK = 500


@dataclass(frozen=True)
class Dataset:
    """`rows` scan jobs and ledger rows; `users` users with DOMAINS_PER_USER domains each."""

    rows: int
    users: int


def _user(i: int) -> str:
    return f"user_{i:07d}"


def dashboard_user(i: int, dataset: Dataset) -> str:
    """One of the dataset's users, spread over the whole key range."""
    return _user((i * 7919) % dataset.users)


def _domains(dataset: Dataset) -> Iterator[tuple[Any, ...]]:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for u in range(dataset.users):
        for d in range(DOMAINS_PER_USER):
            n = u * DOMAINS_PER_USER + d
            # A score on most domains, some of them critical (< 60), some never scanned.
            scored = d != DOMAINS_PER_USER - 1
            yield (
                new_id(),
                _user(u),
                f"https://d{d}.u{u}.example.com",
                f"site {d}",
                base + timedelta(seconds=n) if scored else None,
                (n * 37) % 101 if scored else None,
            )


def _jobs(dataset: Dataset) -> Iterator[tuple[Any, ...]]:
    for n in range(dataset.rows):
        yield (new_id(), _user(n % dataset.users), f"https://j{n}.example.com/")


def _ledger(wallet_id: Any, dataset: Dataset) -> Iterator[tuple[Any, ...]]:
    for n in range(dataset.rows):
        yield (new_id(), wallet_id, 1, "grant", f"seed-{n}")


async def prepare(db: datasdk.Database) -> Any:
    """Schema, the benchmark user and their open wallet, through the SDK; the wallet id."""
    await db.migrate()
    await db.users.create(datasdk.NewUser(id=BENCH_USER))
    return (await db.wallets.open(BENCH_USER)).id


_DOMAIN_COLUMNS = ["id", "user_id", "url", "display_name", "last_scan_at", "last_scan_score"]
_JOB_COLUMNS = ["id", "user_id", "url"]
_LEDGER_COLUMNS = ["id", "wallet_id", "amount", "kind", "idempotency_key"]
# The loaded history is over: QUEUED -> FAILED is an edge of the job state machine.
_RETIRE_JOBS = "UPDATE scan_jobs SET state = 'FAILED', version = version + 1"


def _chunks(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def load_postgres(url: str, wallet_id: Any, dataset: Dataset) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.copy_records_to_table(
                "users", records=[(_user(u),) for u in range(dataset.users)], columns=["id"]
            )
            for table, columns, rows in (
                ("domains", _DOMAIN_COLUMNS, _domains(dataset)),
                ("scan_jobs", _JOB_COLUMNS, _jobs(dataset)),
            ):
                for chunk in _chunks(rows, _CHUNK):
                    await conn.copy_records_to_table(table, records=chunk, columns=columns)
            await conn.execute(_RETIRE_JOBS)
        # Each ledger row moves the wallet's balance (a trigger): one transaction would
        # update that one row N times, re-walking its ever longer version chain; small
        # committed chunks let PostgreSQL prune the chain as it goes.
        for chunk in _chunks(_ledger(wallet_id, dataset), _LEDGER_CHUNK):
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "credit_transactions", records=chunk, columns=_LEDGER_COLUMNS
                )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def _insert(table: str, columns: list[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def load_sqlite(path: str, wallet_id: Any, dataset: Dataset) -> None:
    """Load a SQLite file (libSQL's `file:` databases are the same format)."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT INTO users (id) VALUES (?)", ((_user(u),) for u in range(dataset.users))
        )
        for table, columns, rows in (
            ("domains", _DOMAIN_COLUMNS, _domains(dataset)),
            ("scan_jobs", _JOB_COLUMNS, _jobs(dataset)),
        ):
            db.executemany(_insert(table, columns), (tuple(map(sqlite_param, row)) for row in rows))
        db.execute(_RETIRE_JOBS)
        _load_sqlite_ledger(db, str(wallet_id), dataset)
        db.execute("COMMIT")
        db.execute("ANALYZE")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    finally:
        db.close()


def _load_sqlite_ledger(db: sqlite3.Connection, wallet_id: str, dataset: Dataset) -> None:
    """The wallet's ledger rows, then its balance set to their sum.

    Through the ledger's triggers each inserted row re-sums the wallet's whole ledger
    (the balance check), so N rows cost N^2/2 row reads: an hour at a million rows.
    Inside this one transaction the two balance triggers are set aside and then
    recreated from their stored text, and the balance is set to the ledger's sum: the
    committed state is the one the triggers would have produced. Every other rule
    (keys, append-only, references, checks) runs on every row.
    """
    rule = next(r for r in RULES if isinstance(r, Ledger))
    names = (f"trg_{rule.ident}", f"trg_{rule.ident}_balance")
    saved = db.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN {names}"
    ).fetchall()
    assert len(saved) == len(names), f"ledger triggers not found: {names}"
    for name, _ in saved:
        db.execute(f"DROP TRIGGER {name}")
    rows = (tuple(map(sqlite_param, row)) for row in _ledger(wallet_id, dataset))
    db.executemany(_insert("credit_transactions", _LEDGER_COLUMNS), rows)
    db.execute(
        "UPDATE wallets SET credit_balance = credit_balance + ? WHERE id = ?",
        (dataset.rows, wallet_id),
    )
    for _, sql in saved:
        db.execute(sql)
    balance, total = db.execute(
        "SELECT credit_balance, (SELECT sum(amount) FROM credit_transactions"
        " WHERE wallet_id = wallets.id) FROM wallets WHERE id = ?",
        (wallet_id,),
    ).fetchone()
    assert balance == total, f"wallet balance {balance} != ledger sum {total}"
