"""Round trips: what each hot operation sends to the database, counted, on every backend.

Statements are counted by the database's statement listener, which sees every
statement the SDK sends (those that go straight to the driver outside a unit of work,
and those through SQLAlchemy); BEGIN, COMMIT and ROLLBACK as SQLAlchemy's transaction
events on connections that hold a transaction (a unit of single autocommit statements
sends none: its options say so).
Deterministic counts, never timings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from api_support import new_user
from sqlalchemy import event

import datasdk

AUTOCOMMIT = "datasdk_autocommit"  # the marker every backend's autocommit options carry


@contextmanager
def counted(db: datasdk.Database) -> Iterator[Counter[str]]:
    seen: Counter[str] = Counter()
    engine = db.engine.sync_engine

    def statement(sql: str, parameters: Any) -> None:
        seen["statements"] += 1

    def boundary(name: str) -> Callable[..., None]:
        def count(conn: Any, *_: Any) -> None:
            if not conn.get_execution_options().get(AUTOCOMMIT):
                seen[name] += 1

        return count

    hooks = [(name, boundary(name)) for name in ("begin", "commit", "rollback")]
    for name, hook in hooks:
        event.listen(engine, name, hook)
    db.add_statement_listener(statement)
    try:
        yield seen
    finally:
        db.remove_statement_listener(statement)
        for name, hook in hooks:
            event.remove(engine, name, hook)


Operation = Callable[[Any, dict[str, Any]], Awaitable[Any]]

# Each operation on its success path; `on` is `db` or `tx`, `world` what the setup made.
HOT: dict[str, Operation] = {
    "users.get": lambda on, w: on.users.get(w["user"].id),
    "wallets.get": lambda on, w: on.wallets.get(w["user"].id),
    "scan_jobs.get": lambda on, w: on.scan_jobs.get(w["job"].id),
    "domains.dashboard": lambda on, w: on.domains.dashboard(w["user"].id),
    "scan_jobs.enqueue": lambda on, w: on.scan_jobs.enqueue(w["user"].id, "https://example.com/"),
    "wallets.debit": lambda on, w: on.wallets.debit(w["user"].id, 1, idempotency_key=w["key"]),
    "wallets.credit": lambda on, w: on.wallets.credit(
        w["user"].id, 1, kind="purchase", idempotency_key=w["key"]
    ),
    "scan_jobs.claim_next": lambda on, w: on.scan_jobs.claim_next(),
    "scan_jobs.claim_batch": lambda on, w: on.scan_jobs.claim_batch(5),
    "scan_jobs.transition": lambda on, w: on.scan_jobs.transition(
        w["job"].id, datasdk.JobState.FETCHING, expected_version=w["job"].version
    ),
}


async def _world(db: datasdk.Database) -> dict[str, Any]:
    user = await new_user(db, credits=10)
    job = await db.scan_jobs.enqueue(user.id, "https://example.com/a")
    return {"user": user, "job": job, "key": "fresh-key"}


@pytest.mark.parametrize("operation", HOT)
async def test_outside_a_unit_each_hot_operation_is_one_statement(
    database: datasdk.Database, operation: str
) -> None:
    world = await _world(database)
    with counted(database) as seen:
        await HOT[operation](database, world)
    assert dict(seen) == {"statements": 1}


@pytest.mark.parametrize("operation", HOT)
async def test_inside_a_unit_each_hot_operation_adds_only_its_statement(
    database: datasdk.Database, operation: str
) -> None:
    world = await _world(database)
    with counted(database) as seen:
        async with database.transaction() as tx:
            await HOT[operation](tx, world)
    assert dict(seen) == {"statements": 1, "begin": 1, "commit": 1}


async def test_the_failure_path_reads_once_to_say_why(database: datasdk.Database) -> None:
    world = await _world(database)
    with counted(database) as seen, pytest.raises(datasdk.StaleVersionError):
        await database.scan_jobs.transition(
            world["job"].id, datasdk.JobState.FETCHING, expected_version=7
        )
    assert dict(seen) == {"statements": 2}
    with counted(database) as seen, pytest.raises(datasdk.InsufficientCredits):
        await database.wallets.debit(world["user"].id, 11, idempotency_key="too-much")
    assert dict(seen) == {"statements": 3}  # the refused INSERT, the wallet, the key
