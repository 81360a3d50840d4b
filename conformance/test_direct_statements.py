"""Prepared statements outside a unit of work go straight to a pooled driver connection
(datasdk.direct): the same answers as through SQLAlchemy, and the pool stays whole."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from api_support import new_user
from sqlalchemy import event

import datasdk
import datasdk.direct


def _typed(model: Any) -> dict[str, tuple[type, Any]]:
    return {name: (type(value), value) for name, value in model}


async def test_straight_to_the_driver_reads_what_sqlalchemy_reads(
    database: datasdk.Database,
) -> None:
    user = await new_user(database, credits=10)
    job = await database.scan_jobs.enqueue(user.id, "https://example.com/")
    domain = await database.domains.add(
        user.id, datasdk.NewDomain(url="https://example.com/", display_name="Example")
    )
    scan = await database.scans.start(domain.id)
    await database.scans.mark_running(scan.id)
    await database.scans.complete(scan.id, datasdk.ScanOutcome(total_score=77, grade="B"))
    calls: dict[str, Callable[[Any], Awaitable[Any]]] = {
        "users.get": lambda on: on.users.get(user.id),
        "wallets.get": lambda on: on.wallets.get(user.id),
        "scan_jobs.get": lambda on: on.scan_jobs.get(job.id),
        "domains.dashboard": lambda on: on.domains.dashboard(user.id),
    }
    for name, call in calls.items():
        direct = await call(database)
        async with database.transaction() as tx:  # through SQLAlchemy
            through = await call(tx)
        assert _typed(direct) == _typed(through), name
    assert (await database.domains.dashboard(user.id)).last_scan_at is not None


async def test_writes_straight_to_the_driver_return_what_a_unit_returns(
    database: datasdk.Database,
) -> None:
    user = await new_user(database, credits=10)
    direct = await database.wallets.debit(user.id, 1, idempotency_key="a")
    async with database.transaction() as tx:
        through = await tx.wallets.debit(user.id, 1, idempotency_key="b")
    assert {k: type(v) for k, v in direct} == {k: type(v) for k, v in through}
    assert (direct.amount, direct.kind) == (through.amount, through.kind)


async def test_a_unit_of_work_is_not_kept_waiting_by_idle_connections(
    open_database: Callable[..., Awaitable[datasdk.Database]],
) -> None:
    # One pooled connection and one overflow: statements keep the pool's size idle.
    db = await open_database(pool_size=1)
    await db.migrate()
    user = await new_user(db)
    await asyncio.gather(*(db.users.get(user.id) for _ in range(4)))
    entered = asyncio.Event()

    async def hold() -> None:
        async with db.transaction(read_only=True) as tx:
            await tx.users.get(user.id)
            entered.set()
            await asyncio.sleep(0.2)

    async def second() -> None:
        await entered.wait()
        async with db.transaction(read_only=True) as tx:
            await tx.users.get(user.id)

    await asyncio.wait_for(asyncio.gather(hold(), second()), timeout=10)
    assert (await db.users.get(user.id)).id == user.id


async def test_a_statement_cancelled_in_flight_leaves_no_broken_connection(
    database: datasdk.Database,
) -> None:
    user = await new_user(database, credits=100)
    for n in range(20):
        task = asyncio.ensure_future(database.wallets.debit(user.id, 1, idempotency_key=f"c{n}"))
        for _ in range(n % 4):
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    # Every connection handed out afterwards works, and each debit either happened
    # once or not at all.
    for n in range(20):
        await database.users.get(user.id)
        await database.wallets.debit(user.id, 1, idempotency_key=f"c{n}")
    history = await database.wallets.history(user.id, limit=100)
    keys = [t.idempotency_key for t in history.items if t.idempotency_key.startswith("c")]
    assert sorted(keys) == sorted(f"c{n}" for n in range(20))
    assert (await database.wallets.get(user.id)).credit_balance == 80


async def test_the_statement_listener_sees_statements_on_both_paths(
    database: datasdk.Database,
) -> None:
    user = await new_user(database)
    seen: list[str] = []

    def listen(sql: str, parameters: Any) -> None:
        seen.append(sql)

    database.add_statement_listener(listen)
    await database.users.get(user.id)  # straight to the driver
    async with database.transaction() as tx:
        await tx.users.get(user.id)  # through SQLAlchemy
    database.remove_statement_listener(listen)
    await database.users.get(user.id)
    assert len([sql for sql in seen if "FROM users" in sql]) == 2


async def test_kept_connections_go_back_through_the_pool_when_old(
    open_database: Callable[..., Awaitable[datasdk.Database]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Kept no time at all: each statement checks its connection out of the pool again,
    # so the pool's recycling and pre-ping see it.
    monkeypatch.setattr(datasdk.direct, "KEEP_SECONDS", 0.0)
    db = await open_database()
    await db.migrate()
    user = await new_user(db)
    checkouts: list[object] = []

    def checkout(*_: object) -> None:
        checkouts.append(_)

    event.listen(db.engine.sync_engine, "checkout", checkout)
    try:
        for _ in range(5):
            await db.users.get(user.id)
    finally:
        event.remove(db.engine.sync_engine, "checkout", checkout)
    assert len(checkouts) == 5


async def test_the_sdks_other_statements_take_kept_connections_back(
    open_database: Callable[..., Awaitable[datasdk.Database]],
) -> None:
    db = await open_database(pool_size=1)  # one pooled connection, one overflow
    await db.migrate()
    user = await new_user(db)
    await db.users.get(user.id)  # keeps the pooled one
    async with db.transaction() as tx:  # holds the overflow
        await tx.users.get(user.id)
        # A listing runs through SQLAlchemy: it must not wait for the kept one.
        page = await asyncio.wait_for(db.scan_jobs.list_for_user(user.id), timeout=10)
    assert page.items == []


async def test_kept_connections_follow_the_engine_through_dispose(
    new_url: Callable[[], str],
) -> None:
    engine = datasdk.create_engine(
        new_url(), auth_token=os.environ.get("DATASDK_TEST_LIBSQL_AUTH_TOKEN"), pool_size=1
    )
    db = datasdk.connect(engine)
    try:
        await db.migrate()
        user = await new_user(db)
        await db.users.get(user.id)
        await engine.dispose()  # a new pool: what was kept belongs to the old one
        await db.users.get(user.id)
        async with (
            db.transaction(read_only=True) as outer,
            db.transaction(read_only=True) as inner,
        ):
            await asyncio.wait_for(outer.users.get(user.id), timeout=10)
            await asyncio.wait_for(inner.users.get(user.id), timeout=10)
    finally:
        await db.close()
        await engine.dispose()
