"""Faults: the backend goes away (PostgreSQL restarts, another process holds the SQLite
file, the libSQL server is killed) and comes back (harness/faults.py does it per
backend). Only datasdk errors reach a caller, no read fails once it is back, and no
write is applied in part or twice (docs/reliability.md)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from api_support import new_user

import datasdk
from harness.faults import Interruption

pytestmark = pytest.mark.interrupts_backend

Interrupt = Callable[[datasdk.Database], Interruption]
_n = itertools.count(1)


def _calls(db: datasdk.Database, user: datasdk.User) -> dict[str, Callable[[], Awaitable[Any]]]:
    """One call down each path to the driver: direct reads and writes, SQLAlchemy's
    statements, units of work, migrations, the drift check."""

    async def unit() -> None:
        async with db.transaction() as tx:
            await tx.wallets.debit(user.id, 1, idempotency_key=f"unit-{next(_n)}")

    async def read_only_unit() -> None:
        async with db.transaction(read_only=True) as tx:
            await tx.users.get(user.id)

    return {
        "users.get": lambda: db.users.get(user.id),
        "wallets.get": lambda: db.wallets.get(user.id),
        "wallets.history": lambda: db.wallets.history(user.id),
        "wallets.debit": lambda: db.wallets.debit(user.id, 1, idempotency_key=f"d-{next(_n)}"),
        "scan_jobs.enqueue": lambda: db.scan_jobs.enqueue(user.id, "https://example.com/"),
        "scan_jobs.claim_next": db.scan_jobs.claim_next,
        "unit": unit,
        "read-only unit": read_only_unit,
        "execute": lambda: db.execute("SELECT 1 AS one"),
        "migrate": db.migrate,
        "check": db.check,
        "current_revision": db.current_revision,
    }


async def test_an_unavailable_database_raises_only_datasdk_errors(
    database: datasdk.Database,
    open_database: Callable[..., Awaitable[datasdk.Database]],
    interruption: Interrupt,
) -> None:
    user = await new_user(database, credits=100)
    url = database.config.url
    await database.close()  # nothing of the SDK's has the database open now
    down = interruption(database)
    await down.stop()
    try:
        db = await open_database(url, pool_size=20)  # a connection for each call at once
        calls = _calls(db, user)
        pending = (call() for call in calls.values())
        outcomes = await asyncio.gather(*pending, return_exceptions=True)
    finally:
        await down.start()
    for name, outcome in zip(calls, outcomes, strict=True):
        # SQLite and libSQL: readers and writers wait out the busy timeout and then
        # get a conflict; a server that is down refuses the connection.
        assert isinstance(outcome, datasdk.DataSDKError), (name, repr(outcome))
    # Back: every call works again on the same Database.
    for name, call in calls.items():
        await call(), name


async def _failed_reads(db: datasdk.Database, user: datasdk.User, n: int) -> list[str]:
    """Run `n` of each kind of read one after another; the failures, by kind."""
    failed = []
    reads = {
        "direct": lambda: db.users.get(user.id),
        "through SQLAlchemy": lambda: db.wallets.history(user.id),
        "unit of work": lambda: _read_in_unit(db, user),
    }
    for name, read in reads.items():
        for _ in range(n):
            try:
                await read()
            except datasdk.DataSDKError as exc:
                failed.append(f"{name}: {exc!r}")
    return failed


async def _read_in_unit(db: datasdk.Database, user: datasdk.User) -> None:
    async with db.transaction() as tx:
        await tx.users.get(user.id)


@pytest.mark.parametrize("pool_size", [5, 20])
async def test_no_read_fails_after_a_restart(
    open_database: Callable[..., Awaitable[datasdk.Database]],
    interruption: Interrupt,
    pool_size: int,
) -> None:
    db = await open_database(pool_size=pool_size)
    await db.migrate()
    user = await new_user(db, credits=10)
    # Every connection the pool may open, opened: each is one the restart kills.
    many = 2 * pool_size
    await asyncio.gather(*(_read_in_unit(db, user) for _ in range(many)))
    # ... and as many as the pool keeps for direct statements, kept.
    await asyncio.gather(*(db.users.get(user.id) for _ in range(many)))
    down = interruption(db)
    await down.stop()
    await down.start()
    failed = await _failed_reads(db, user, many)
    print(f"pool_size={pool_size}: {len(failed)} of {3 * many} reads failed after the restart")
    assert failed == []
    await down.stop()
    await down.start()
    # The first write after a restart: sent again only if it provably never reached
    # the server; else ConnectionLost, and the caller retries it with its key.
    try:
        await db.wallets.debit(user.id, 1, idempotency_key="after")
        print("the first write after the restart applied")
    except datasdk.ConnectionLost as lost:  # says it may be retried: it is, below
        print(f"the first write after the restart: {lost!r}")
    await db.wallets.debit(user.id, 1, idempotency_key="after")
    assert (await db.wallets.get(user.id)).credit_balance == 9  # applied once


class _Load:
    """Tasks that keep reading, debiting, enqueueing, claiming and running units."""

    def __init__(self, db: datasdk.Database, users: list[datasdk.User]) -> None:
        self.db = db
        self.users = users
        self.errors: list[BaseException] = []
        self.debits: set[str] = set()  # idempotency keys of debits asked for
        self.units: set[str] = set()  # keys of units asked for (a debit and a job each)
        self.claimed: list[Any] = []
        # Enqueues outside a unit: applied for sure, and lost (applied or not).
        self.enqueued = self.enqueues_lost = 0
        self.reads_after: list[BaseException] = []
        self.done = asyncio.Event()

    async def worker(self, i: int) -> None:
        db, user = self.db, self.users[i % len(self.users)]
        for n in itertools.count():
            if self.done.is_set():
                return
            # A driver that answers without suspending (libSQL's file: mode) would
            # otherwise keep the loop from everything else.
            await asyncio.sleep(0)
            key = f"w{i}-{n}"
            try:
                kind = n % 5
                if kind == 0:
                    await db.users.get(user.id)
                elif kind == 1:
                    self.debits.add(key)
                    await db.wallets.debit(user.id, 1, idempotency_key=key)
                elif kind == 2:
                    try:
                        await db.scan_jobs.enqueue(user.id, "https://example.com/load")
                    except datasdk.ConnectionLost:
                        self.enqueues_lost += 1
                        raise
                    self.enqueued += 1
                elif kind == 3:
                    job = await db.scan_jobs.claim_next()
                    if job is not None:
                        self.claimed.append(job.id)
                else:
                    self.units.add(key)
                    async with db.transaction() as tx:
                        await tx.wallets.debit(user.id, 1, idempotency_key=f"unit-{key}")
                        await tx.scan_jobs.enqueue(user.id, f"https://example.com/{key}")
            except datasdk.DataSDKError as exc:
                self.errors.append(exc)
                await asyncio.sleep(0.01)  # the backend is down: do not spin


async def test_a_restart_under_load_keeps_every_invariant(
    open_database: Callable[..., Awaitable[datasdk.Database]],
    interruption: Interrupt,
) -> None:
    db = await open_database(pool_size=5)
    await db.migrate()
    users = [await new_user(db, credits=100_000) for _ in range(3)]
    load = _Load(db, users)
    workers = [asyncio.create_task(load.worker(i)) for i in range(12)]
    down = interruption(db)
    try:
        await asyncio.sleep(0.3)
        await down.stop()
        await asyncio.sleep(0.5)
        await down.start()
        await asyncio.sleep(0.5)
    finally:
        load.done.set()
        # A raw exception would surface here and fail the test.
        await asyncio.gather(*workers)
    kinds = sorted({type(error).__name__ for error in load.errors})
    print(f"{len(load.errors)} calls failed while the backend was interrupted: {kinds}")
    assert len(load.claimed) == len(set(load.claimed)), "a job was claimed twice"
    # Back: no read fails.
    assert await _failed_reads(db, users[0], 5) == []
    # A debit that failed may be retried with its key: it applies once, whatever happened.
    for key in load.debits:
        user = users[int(key[1:].split("-")[0]) % len(users)]
        await db.wallets.debit(user.id, 1, idempotency_key=key)
    ledger = await db.execute(
        "SELECT idempotency_key, amount FROM credit_transactions WHERE kind = 'scan_charge'"
    )
    keys = [row["idempotency_key"] for row in ledger.rows]
    assert len(keys) == len(set(keys))
    assert {key for key in keys if not key.startswith("unit-")} == load.debits
    # Units: the debit and the job both, or neither.
    jobs = await db.execute("SELECT url FROM scan_jobs")
    # A write that may have reached the server is never sent again: no enqueue
    # made two jobs.
    loads = sum(row["url"].endswith("/load") for row in jobs.rows)
    assert load.enqueued <= loads <= load.enqueued + load.enqueues_lost
    unit_jobs = {row["url"].rsplit("/", 1)[1] for row in jobs.rows}
    unit_debits = {key.removeprefix("unit-") for key in keys if key.startswith("unit-")}
    assert unit_debits == unit_jobs & load.units
    for user in users:
        wallet = await db.wallets.get(user.id)
        total = await db.execute(
            "SELECT coalesce(sum(amount), 0) AS total FROM credit_transactions"
            " WHERE wallet_id = :wallet",
            {"wallet": wallet.id},
        )
        assert total.rows[0]["total"] == wallet.credit_balance
