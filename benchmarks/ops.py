"""The hot operations: each one as the SDK call and as its raw replay.

The raw replay sends the statements captured from the SDK (capture.py), in the same
order and transaction framing, with the same parameters, and does the same checks the
SDK does between them; what it skips is the SDK itself (validation, SQLAlchemy, models).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable, Hashable, Sequence
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
    # The arguments of the SDK call the statement was captured from.
    sample: Any = None


@dataclass(frozen=True)
class Op:
    name: str
    read_only: bool
    # How many statements the SDK sends for the call (framing excluded): the capture
    # is checked against it, so a changed repository is noticed here.
    statements: int
    prepare: Callable[[Target, int], Awaitable[Args]]
    sdk: Callable[[datasdk.Database, Any], Awaitable[object]]
    raw: Raw


def _looks_like_id(value: Any) -> bool:
    if isinstance(value, uuid.UUID):
        return True
    return isinstance(value, str) and len(value) == 36 and value.count("-") == 4


def _fresh(value: Any) -> Any:
    fresh = new_id()
    return fresh if isinstance(value, uuid.UUID) else str(fresh)


def _as_tuple(args: Any) -> tuple[Any, ...]:
    return tuple(args) if isinstance(args, tuple | list) else (args,)


def _params(statement: Statement, args: Any) -> tuple[Any, ...]:
    """The captured parameters with this call's arguments in place of the sample's, and
    a new id wherever the SDK generated one (a row's primary key)."""
    sample = _as_tuple(statement.sample)
    swap = dict(zip(sample, _as_tuple(args), strict=True))
    out = []
    for value in statement.params:
        if isinstance(value, Hashable) and value in swap:
            out.append(swap[value])
        elif _looks_like_id(value) and value not in {str(v) for v in swap}:
            out.append(_fresh(value))
        else:
            out.append(value)
    return tuple(out)


def _one_statement(expect: Callable[[list[Any], Any], None]) -> Raw:
    """The raw replay of an operation the SDK sends as one autocommit statement: the
    same statement, with no BEGIN or COMMIT around it either."""

    async def replay(conn: RawConnection, sql: Sequence[Statement], args: Any) -> None:
        expect(await conn.fetch(sql[0].sql, _params(sql[0], args)), args)

    return replay


def _some_row(rows: list[Any], args: Any) -> None:
    if not rows:
        raise LookupError(f"no row for {args!r}")


def _rows_of_batch(rows: list[Any], batch: Any) -> None:
    if len(rows) != batch:
        # prepare() filled the queue with exactly enough jobs.
        raise RuntimeError(f"queue ran dry: {len(rows)} of {batch} claimed")


def _one_row(rows: list[Any], args: Any) -> None:
    if len(rows) != 1:
        raise RuntimeError(f"expected one row for {args!r}, got {len(rows)}")


# -- enqueue, debit ---------------------------------------------------------------


async def _prep_enqueue(t: Target, n: int) -> Args:
    return [(seed.BENCH_USER, t.url()) for _ in range(n)]


async def _prep_debit(t: Target, n: int) -> Args:
    return [(seed.BENCH_USER, t.key()) for _ in range(n)]


# -- claims -----------------------------------------------------------------------


def _prep_claim(batch: int) -> Callable[[Target, int], Awaitable[Args]]:
    async def prepare(t: Target, n: int) -> Args:
        await t.fill_queue(n * batch)
        await t.vacuum()
        return [batch] * n

    return prepare


# -- transition -------------------------------------------------------------------


async def _prep_transition(t: Target, n: int) -> Args:
    return await t.fetching_jobs(n)


async def _sdk_transition(db: datasdk.Database, args: Any) -> object:
    job_id, version = args
    return await db.scan_jobs.transition(job_id, JobState.ANALYZING, expected_version=version)


# -- reads ------------------------------------------------------------------------


async def _prep_get(t: Target, n: int) -> Args:
    return [t.job_ids[i % len(t.job_ids)] for i in range(n)]


async def _prep_dashboard(t: Target, n: int) -> Args:
    return [seed.dashboard_user(i, t.dataset) for i in range(n)]


OPS: tuple[Op, ...] = (
    Op(
        "enqueue",
        False,
        1,
        _prep_enqueue,
        lambda db, a: db.scan_jobs.enqueue(*a),
        _one_statement(_one_row),
    ),
    Op(
        "debit",
        False,
        1,
        _prep_debit,
        lambda db, a: db.wallets.debit(a[0], 1, idempotency_key=a[1]),
        _one_statement(_one_row),
    ),
    Op(
        "claim_next",
        False,
        1,
        _prep_claim(1),
        lambda db, a: db.scan_jobs.claim_next(),
        _one_statement(_rows_of_batch),
    ),
    Op(
        f"claim_batch({BATCH})",
        False,
        1,
        _prep_claim(BATCH),
        lambda db, a: db.scan_jobs.claim_batch(a),
        _one_statement(_rows_of_batch),
    ),
    Op("transition", False, 1, _prep_transition, _sdk_transition, _one_statement(_one_row)),
    Op("get", True, 1, _prep_get, lambda db, a: db.scan_jobs.get(a), _one_statement(_some_row)),
    Op(
        "dashboard",
        True,
        1,
        _prep_dashboard,
        lambda db, a: db.domains.dashboard(a),
        _one_statement(_one_row),
    ),
)
