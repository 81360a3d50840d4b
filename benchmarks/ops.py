"""The hot operations: each one as the SDK call and as its raw replay.

The raw replay sends the statements captured from the SDK (capture.py), in the same
order and transaction framing, with the same parameters, and does the same checks the
SDK does between them; what it skips is the SDK itself (validation, SQLAlchemy, models).
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import datasdk
from benchmarks import seed
from benchmarks.raw import RawConnection
from datasdk.errors import NotFoundError
from datasdk.ids import new_id
from datasdk.models import JobState

TRANSITION_USER = "user_transition"
BATCH = 10

_fill_queue = {
    "postgresql": (
        "INSERT INTO scan_jobs (user_id, url) SELECT :user, 'https://q' || g || '.example.com/'"
        " FROM generate_series(1, :n) AS g"
    ),
    "sqlite": (
        "INSERT INTO scan_jobs (user_id, url) WITH RECURSIVE s(g) AS"
        " (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :n)"
        " SELECT :user, 'https://q' || g || '.example.com/' FROM s"
    ),
}


class Target:
    """One benchmark database: the SDK's connection and what the operations need."""

    def __init__(self, db: datasdk.Database, dataset: seed.Dataset) -> None:
        self.db = db
        self.dataset = dataset
        self._keys = itertools.count()
        self._urls = itertools.count()
        self.job_ids: list[Any] = []

    async def setup(self) -> None:
        try:
            await self.db.users.get(TRANSITION_USER)
        except NotFoundError:
            await self.db.users.create(datasdk.NewUser(id=TRANSITION_USER))
        # Enough credit that no run of debits can exhaust it.
        await self.db.wallets.credit(
            seed.BENCH_USER, 10**12, kind="grant", idempotency_key=f"bench-{new_id()}"
        )
        for i in range(50):
            job = await self.db.scan_jobs.enqueue(seed.BENCH_USER, f"https://g{i}.example.com/")
            self.job_ids.append(job.id)

    @property
    def dialect(self) -> str:
        return self.db.engine.dialect.name

    async def fill_queue(self, n: int) -> None:
        await self.db.execute(_fill_queue[self.dialect], {"user": seed.BENCH_USER, "n": n})

    async def fetching_jobs(self, n: int) -> list[tuple[Any, int]]:
        """n jobs at FETCHING (version 2), for transition to take to ANALYZING."""
        async with self.db.transaction() as tx:
            await tx.execute(
                _fill_queue[self.dialect].replace("'https://q'", "'https://t'"),
                {"user": TRANSITION_USER, "n": n},
            )
            await tx.execute(
                "UPDATE scan_jobs SET state = 'FETCHING', version = version + 1"
                " WHERE user_id = :user AND state = 'QUEUED'",
                {"user": TRANSITION_USER},
            )
            rows = await tx.execute(
                "SELECT id, version FROM scan_jobs WHERE user_id = :user AND state = 'FETCHING'",
                {"user": TRANSITION_USER},
            )
        return [(row["id"], row["version"]) for row in rows.rows][:n]

    async def vacuum(self, table: str = "scan_jobs") -> None:
        """PostgreSQL: clear the dead row versions earlier calls left behind, so a block
        starts from the same state whatever ran before it. Claims need it most: every
        claim leaves one at the head of the queue's index, which later claims walk past
        until autovacuum runs, and the figure would tell the run's history."""
        if self.dialect != "postgresql":
            return
        async with self.db.connection() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql(f"VACUUM ANALYZE {table}".strip())

    def key(self) -> str:
        return f"k{next(self._keys)}"

    def url(self) -> str:
        return f"https://e{next(self._urls)}.example.com/"


Args = list[Any]
Raw = Callable[[RawConnection, Sequence["Statement"], Any], Awaitable[None]]


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple[Any, ...]


@dataclass(frozen=True)
class Op:
    name: str
    read_only: bool
    # How many statements the SDK sends inside the unit (framing excluded): the
    # capture is checked against it, so a changed repository is noticed here.
    statements: int
    prepare: Callable[[Target, int], Awaitable[Args]]
    sdk: Callable[[datasdk.Database, Any], Awaitable[object]]
    raw: Raw


# -- enqueue ----------------------------------------------------------------------


async def _prep_enqueue(t: Target, n: int) -> Args:
    return [(seed.BENCH_USER, t.url()) for _ in range(n)]


async def _raw_enqueue(conn: RawConnection, sql: Sequence[Statement], args: Any) -> None:
    user_id, url = args
    await conn.begin(False)
    if not await conn.fetch(sql[0].sql, (user_id,)):
        raise LookupError(user_id)
    await conn.fetch(sql[1].sql, (new_id(), user_id, url))
    await conn.commit()


# -- debit ------------------------------------------------------------------------


async def _prep_debit(t: Target, n: int) -> Args:
    return [(seed.BENCH_USER, t.key()) for _ in range(n)]


async def _raw_debit(conn: RawConnection, sql: Sequence[Statement], args: Any) -> None:
    user_id, key = args
    await conn.begin(False)
    wallet = (await conn.fetch(sql[0].sql, (user_id,)))[0]
    if not await conn.fetch(sql[1].sql, (wallet[0], key)):
        if wallet[2] < 1:
            raise ValueError("insufficient credits")
        await conn.fetch(sql[2].sql, (new_id(), wallet[0], -1, "scan_charge", key, None))
    await conn.commit()


# -- claims -----------------------------------------------------------------------


def _prep_claim(batch: int) -> Callable[[Target, int], Awaitable[Args]]:
    async def prepare(t: Target, n: int) -> Args:
        await t.fill_queue(n * batch)
        await t.vacuum()
        return [batch] * n

    return prepare


async def _raw_claim(conn: RawConnection, sql: Sequence[Statement], batch: Any) -> None:
    await conn.begin(False)
    # The SDK's LIMIT parameters as captured (SQLite adds OFFSET 0), with this batch.
    limit = (JobState.QUEUED.value, batch, *sql[0].params[2:])
    ids = [row[0] for row in await conn.fetch(sql[0].sql, limit)]
    if len(ids) != batch:
        # The captured statements list exactly `batch` ids; prepare() filled the queue.
        raise RuntimeError(f"queue ran dry: {len(ids)} of {batch} claimed")
    await conn.fetch(sql[1].sql, (JobState.FETCHING.value, 1, *ids, JobState.QUEUED.value))
    await conn.fetch(sql[2].sql, ids)
    await conn.commit()


# -- transition -------------------------------------------------------------------


async def _prep_transition(t: Target, n: int) -> Args:
    return await t.fetching_jobs(n)


async def _sdk_transition(db: datasdk.Database, args: Any) -> object:
    job_id, version = args
    return await db.scan_jobs.transition(job_id, JobState.ANALYZING, expected_version=version)


async def _raw_transition(conn: RawConnection, sql: Sequence[Statement], args: Any) -> None:
    job_id, version = args
    await conn.begin(False)
    current = (await conn.fetch(sql[0].sql, (job_id,)))[0]
    if current[4] != version or current[3] != JobState.FETCHING.value:
        raise RuntimeError(f"job {job_id} is not at FETCHING version {version}")
    await conn.fetch(sql[1].sql, (JobState.ANALYZING.value, 1, job_id, version))
    await conn.fetch(sql[2].sql, (job_id,))
    await conn.commit()


# -- reads ------------------------------------------------------------------------


async def _prep_get(t: Target, n: int) -> Args:
    return [t.job_ids[i % len(t.job_ids)] for i in range(n)]


async def _raw_get(conn: RawConnection, sql: Sequence[Statement], job_id: Any) -> None:
    await conn.begin(True)
    if not await conn.fetch(sql[0].sql, (job_id,)):
        raise LookupError(job_id)
    await conn.commit()


async def _prep_dashboard(t: Target, n: int) -> Args:
    return [seed.dashboard_user(i, t.dataset) for i in range(n)]


async def _raw_dashboard(conn: RawConnection, sql: Sequence[Statement], user_id: Any) -> None:
    await conn.begin(True)
    # The SDK's constant parameters as captured, then the user.
    await conn.fetch(sql[0].sql, (*sql[0].params[:-1], user_id))
    await conn.commit()


OPS: tuple[Op, ...] = (
    Op(
        "enqueue",
        False,
        2,
        _prep_enqueue,
        lambda db, a: db.scan_jobs.enqueue(*a),
        _raw_enqueue,
    ),
    Op(
        "debit",
        False,
        3,
        _prep_debit,
        lambda db, a: db.wallets.debit(a[0], 1, idempotency_key=a[1]),
        _raw_debit,
    ),
    Op("claim_next", False, 3, _prep_claim(1), lambda db, a: db.scan_jobs.claim_next(), _raw_claim),
    Op(
        f"claim_batch({BATCH})",
        False,
        3,
        _prep_claim(BATCH),
        lambda db, a: db.scan_jobs.claim_batch(a),
        _raw_claim,
    ),
    Op("transition", False, 3, _prep_transition, _sdk_transition, _raw_transition),
    Op("get", True, 1, _prep_get, lambda db, a: db.scan_jobs.get(a), _raw_get),
    Op(
        "dashboard", True, 1, _prep_dashboard, lambda db, a: db.domains.dashboard(a), _raw_dashboard
    ),
)
