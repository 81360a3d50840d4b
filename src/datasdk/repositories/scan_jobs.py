"""scan_jobs: URL scan jobs, claimed by workers and moved through their state machine."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BindParameter,
    Integer,
    Select,
    String,
    bindparam,
    column,
    exists,
    insert,
    select,
    update,
    values,
)

from datasdk.errors import InvalidStateTransition, NotFoundError, StaleVersionError, ValidationError
from datasdk.ids import new_id
from datasdk.models import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    BatchResult,
    JobState,
    NewScanResult,
    Page,
    RefusalReason,
    RefusedMove,
    ScanJob,
)
from datasdk.prepared import Prepared
from datasdk.repositories._sql import (
    PageRequest,
    fetch_all,
    fetch_one,
    fetch_page,
    keyset,
    locked,
    page_request,
)
from datasdk.repositories._unit import Units
from datasdk.schema.enums import JOB_TRANSITIONS
from datasdk.schema.tables import scan_jobs, scan_results, users
from datasdk.schema.types import UUIDType, utc_now
from datasdk.validation import arguments as check
from datasdk.validation import check_resolves_public, normalize_scan_url

if TYPE_CHECKING:
    from datasdk.database import Transaction

_ACTIVE = (JobState.FETCHING, JobState.ANALYZING)
# At most this many moves per transition_many call: three parameters each stay well
# inside SQLite's and asyncpg's parameter limits.
MAX_BATCH = 1000

Move = tuple[uuid.UUID | str, int, JobState | str]
Completion = tuple[uuid.UUID | str, int, NewScanResult]


def claim_candidates(n: int | BindParameter[int]) -> Select[Any]:
    """The n oldest QUEUED jobs, locked; rows another worker holds are skipped (PostgreSQL)."""
    return locked(
        select(scan_jobs.c.id)
        .where(scan_jobs.c.state == JobState.QUEUED)
        .order_by(scan_jobs.c.created_at, scan_jobs.c.id)
        .limit(n),
        skip_locked=True,
    )


def stale_candidates(older_than: timedelta) -> Select[Any]:
    """Active jobs untouched for `older_than` by the database's clock; locked rows skipped."""
    cutoff = utc_now(seconds=-older_than.total_seconds())
    return locked(
        select(scan_jobs.c.id).where(
            scan_jobs.c.state.in_(_ACTIVE), scan_jobs.c.updated_at < cutoff
        ),
        skip_locked=True,
    )


def _moved(target: JobState) -> dict[str, Any]:
    """SET clause of a state move. updated_at is set by the statement itself, so that
    RETURNING shows it (SQLite's touch trigger would rewrite it after RETURNING)."""
    return {"state": target, "version": scan_jobs.c.version + 1, "updated_at": utc_now()}


def _enqueue() -> tuple[Any, Any]:
    """(without an owner, with one): INSERT ... RETURNING; with an owner, no row unless
    the owner exists."""
    names = ("id", "user_id", "url")
    plain = insert(scan_jobs).values({n: bindparam(n) for n in names})
    row = select(*(bindparam(n, type_=scan_jobs.c[n].type).label(n) for n in names))
    owner = select(users.c.id).where(users.c.id == bindparam("user_id")).exists()
    owned = insert(scan_jobs).from_select(list(names), row.where(owner))
    return plain.returning(*scan_jobs.c), owned.returning(*scan_jobs.c)


def _transitions() -> dict[JobState, Any]:
    """Per target state: move the job if it is at the expected version and the move is
    legal; RETURNING it."""
    statements = {}
    for target in JobState:
        sources = sorted(a for a, b in JOB_TRANSITIONS if b == target)
        statements[target] = (
            update(scan_jobs)
            .where(
                scan_jobs.c.id == bindparam("job_id"),
                scan_jobs.c.version == bindparam("expected_version"),
                scan_jobs.c.state.in_(sources),
            )
            .values(**_moved(target))
            .returning(*scan_jobs.c)
        )
    return statements


def _claim() -> Any:
    """The :n oldest QUEUED jobs to FETCHING in one statement; RETURNING them."""
    chosen = claim_candidates(bindparam("n", type_=Integer))
    return (
        update(scan_jobs)
        .where(scan_jobs.c.id.in_(chosen), scan_jobs.c.state == JobState.QUEUED)
        .values(**_moved(JobState.FETCHING))
        .returning(*scan_jobs.c)
    )


# Built and compiled once: the hot path only binds values.
_ENQUEUE, _ENQUEUE_OWNED = (Prepared(statement) for statement in _enqueue())
_TRANSITION = {target: Prepared(statement) for target, statement in _transitions().items()}
_CLAIM = Prepared(_claim())
_GET = Prepared(select(scan_jobs).where(scan_jobs.c.id == bindparam("job_id")), read=True)


@lru_cache(maxsize=64)
def move_many(n: int) -> Prepared:
    """One UPDATE making each of n moves (`id<i>`, `expected<i>`, `target<i>`) whose job
    is at its expected version and whose transition is legal, returning the moved rows;
    other moves match no row, so the state machine's trigger never sees an illegal one
    (which would abort them all). One per batch size, compiled once: a worker's batches
    are mostly of one size.

    updated_at is set here, to the time the touch rule would set: SQLite's RETURNING
    would otherwise show the value from before its touch trigger ran.
    """
    wanted = (
        values(
            column("id", UUIDType()),
            column("expected", Integer()),
            column("target", String()),
            name="moves",
        )
        .data(
            [
                (
                    bindparam(f"id{i}", type_=UUIDType()),
                    bindparam(f"expected{i}", type_=Integer()),
                    bindparam(f"target{i}", type_=String()),
                )
                for i in range(n)
            ]
        )
        .cte("moves")
    )
    legal = (
        values(
            column("source", String()),
            column("target", String()),
            name="legal",
            literal_binds=True,
        )
        .data(sorted((str(a), str(b)) for a, b in JOB_TRANSITIONS))
        .cte("legal")
    )
    return Prepared(
        update(scan_jobs)
        .where(
            scan_jobs.c.id == wanted.c.id,
            scan_jobs.c.version == wanted.c.expected,
            exists().where(legal.c.source == scan_jobs.c.state, legal.c.target == wanted.c.target),
        )
        .values(state=wanted.c.target, version=scan_jobs.c.version + 1, updated_at=utc_now())
        .returning(*scan_jobs.c)
    )


def _move_params(moves: Sequence[tuple[uuid.UUID, int, JobState]]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for i, (job_id, version, state) in enumerate(moves):
        params[f"id{i}"], params[f"expected{i}"], params[f"target{i}"] = job_id, version, str(state)
    return params


def user_page(user_id: str, page: PageRequest) -> Select[Any]:
    statement = select(scan_jobs).where(scan_jobs.c.user_id == user_id)
    return keyset(statement, scan_jobs.c.created_at, page)


class SqlScanJobs:
    def __init__(self, units: Units) -> None:
        self._units = units

    async def enqueue(self, user_id: str | None, url: str) -> ScanJob:
        """A QUEUED job for `url`, refused unless the URL is safe to fetch."""
        user_id = check.optional_user_id(user_id)
        url = normalize_scan_url(url)
        if self._units.resolver is not None:
            await check_resolves_public(url, resolver=self._units.resolver)
        values = {"id": new_id(), "user_id": user_id, "url": url}
        statement = _ENQUEUE if user_id is None else _ENQUEUE_OWNED
        async with self._units.statement() as tx:
            rows = await fetch_all(tx, statement, ScanJob, values)
        if not rows:  # the owner's row was missing: the statement inserted nothing
            raise NotFoundError(f"user {user_id!r} does not exist", table="users")
        return rows[0]

    async def get(self, job_id: uuid.UUID | str) -> ScanJob:
        job_id = check.row_id(job_id, "job_id")
        async with self._units.read() as tx:
            return await fetch_one(tx, _GET, ScanJob, f"scan job {job_id}", {"job_id": job_id})

    async def transition(
        self, job_id: uuid.UUID | str, state: JobState | str, *, expected_version: int
    ) -> ScanJob:
        """Move a job to `state` if it is still at `expected_version`.

        One statement decides; only when it moves nothing is the job read again, to say
        why (missing, stale version, or a move the state machine does not allow).
        """
        job_id = check.row_id(job_id, "job_id")
        target = check.member(JobState, state, "state")
        expected_version = _version(expected_version)
        async with self._units.statement() as tx:
            params = {"job_id": job_id, "expected_version": expected_version}
            moved = await fetch_all(tx, _TRANSITION[target], ScanJob, params)
            if moved:
                return moved[0]
            current = await fetch_one(tx, _GET, ScanJob, f"scan job {job_id}", params)
        if current.version != expected_version:
            raise StaleVersionError(
                f"scan job {job_id} is at version {current.version}, not {expected_version}",
                expected=expected_version,
                actual=current.version,
            )
        raise InvalidStateTransition(
            f"scan_jobs may not move from {current.state} to {target}",
            table="scan_jobs",
            rule="job_state_machine",
        )

    async def transition_many(self, moves: Sequence[Move]) -> BatchResult:
        """Make each (job_id, expected_version, state) move that transition would make.

        One statement moves every job at its expected version whose move is legal
        (each by version + 1); the others stay as they are and come back refused, with
        the reason transition would have raised.
        """
        checked = _checked_moves(moves)
        if not checked:
            return BatchResult(moved=[], refused=[])
        # One statement on the success path: it commits by itself.
        async with self._units.statement() as tx:
            return await _move_batch(tx, checked)

    async def complete_many(self, completions: Sequence[Completion]) -> BatchResult:
        """Record each (job_id, expected_version, NewScanResult) and complete the job.

        As transition_many to COMPLETED, then one INSERT of the moved jobs' results; a
        refused job gets no result. A moved job that already has a result fails the
        whole call with UniqueViolation, as a second `scan_results.record` would.
        """
        checked = _checked_moves(
            [_completion_move(completion) for completion in _sequence(completions, "completions")]
        )
        if not checked:
            return BatchResult(moved=[], refused=[])
        results = {check.row_id(job_id, "job_id"): result for job_id, _, result in completions}
        async with self._units.write() as tx:
            batch = await _move_batch(tx, checked)
            if batch.moved:
                rows = [
                    {"id": new_id(), "job_id": job.id, **results[job.id].model_dump()}
                    for job in batch.moved
                ]
                await tx.execute(insert(scan_results).values(rows))
            return batch

    async def claim_next(self) -> ScanJob | None:
        """The oldest QUEUED job, moved to FETCHING; never handed to two workers."""
        claimed = await self.claim_batch(1)
        return claimed[0] if claimed else None

    async def claim_batch(self, n: int) -> list[ScanJob]:
        """Up to n of the oldest QUEUED jobs, moved to FETCHING, oldest first."""
        n = check.integer(n, "n", low=1, high=MAX_PAGE_SIZE)
        async with self._units.statement() as tx:
            claimed = await fetch_all(tx, _CLAIM, ScanJob, {"n": n})
        return sorted(claimed, key=lambda job: (job.created_at, job.id))

    async def time_out_stale(self, *, older_than: timedelta) -> list[ScanJob]:
        """Move FETCHING/ANALYZING jobs not updated for `older_than` to TIMED_OUT."""
        older_than = check.age(older_than, "older_than")
        async with self._units.write() as tx:
            ids = [row["id"] for row in (await tx.execute(stale_candidates(older_than))).rows]
            return await _move_all(tx, ids, _ACTIVE, JobState.TIMED_OUT)

    async def list_for_user(
        self, user_id: str, *, limit: int = PAGE_SIZE, cursor: str | None = None
    ) -> Page[ScanJob]:
        """A user's jobs, newest first."""
        user_id = check.user_id(user_id)
        page = page_request(limit, cursor)
        async with self._units.read() as tx:
            return await fetch_page(tx, user_page(user_id, page), ScanJob, page)


async def _move_all(
    tx: Transaction,
    ids: list[uuid.UUID],
    source: JobState | tuple[JobState, ...],
    target: JobState,
) -> list[ScanJob]:
    if not ids:
        return []
    sources = source if isinstance(source, tuple) else (source,)
    await tx.execute(
        update(scan_jobs)
        .where(scan_jobs.c.id.in_(ids), scan_jobs.c.state.in_(sources))
        .values(state=target, version=scan_jobs.c.version + 1)
    )
    statement = (
        select(scan_jobs)
        .where(scan_jobs.c.id.in_(ids))
        .order_by(scan_jobs.c.created_at, scan_jobs.c.id)
    )
    return await fetch_all(tx, statement, ScanJob)


def _sequence(moves: object, field: str = "moves") -> Sequence[Any]:
    if isinstance(moves, str | bytes) or not isinstance(moves, Sequence):
        raise ValidationError(f"{field}: must be a sequence of moves", field=field)
    return moves


def _completion_move(completion: object) -> Move:
    if (
        not isinstance(completion, tuple | list)
        or len(completion) != 3
        or not isinstance(completion[2], NewScanResult)
    ):
        raise ValidationError(
            "completions: each is (job_id, expected_version, NewScanResult)", field="completions"
        )
    return (completion[0], completion[1], JobState.COMPLETED)


async def _move_batch(
    tx: Transaction, checked: list[tuple[uuid.UUID, int, JobState]]
) -> BatchResult:
    rows = await fetch_all(tx, move_many(len(checked)), ScanJob, _move_params(checked))
    moved = {job.id: job for job in rows}
    left = [move for move in checked if move[0] not in moved]
    refused = await _refusals(tx, left) if left else []
    order = {move[0]: n for n, move in enumerate(checked)}
    return BatchResult(moved=sorted(moved.values(), key=lambda job: order[job.id]), refused=refused)


def _checked_moves(moves: Sequence[Move]) -> list[tuple[uuid.UUID, int, JobState]]:
    _sequence(moves)
    if len(moves) > MAX_BATCH:
        raise ValidationError(f"moves: at most {MAX_BATCH} per call", field="moves")
    checked: list[tuple[uuid.UUID, int, JobState]] = []
    for move in moves:
        if not isinstance(move, tuple | list) or len(move) != 3:
            raise ValidationError(
                "moves: each move is (job_id, expected_version, state)", field="moves"
            )
        job_id, version, state = move
        checked.append(
            (
                check.row_id(job_id, "job_id"),
                _version(version),
                check.member(JobState, state, "state"),
            )
        )
    if len({job_id for job_id, _, _ in checked}) != len(checked):
        # One UPDATE can apply only one move per row.
        raise ValidationError("moves: a job may appear only once per batch", field="moves")
    return checked


def _version(value: object) -> int:
    """An expected version: an int the version column (int4, at least 1) can hold."""
    return check.integer(value, "expected_version", low=1, high=check.INT4_MAX)


async def _refusals(
    tx: Transaction, left: list[tuple[uuid.UUID, int, JobState]]
) -> list[RefusedMove]:
    """Why each move was not made, read once (the failure path)."""
    statement = select(scan_jobs.c.id, scan_jobs.c.state, scan_jobs.c.version).where(
        scan_jobs.c.id.in_([job_id for job_id, _, _ in left])
    )
    found = {row["id"]: row for row in (await tx.execute(statement)).rows}
    refused = []
    for job_id, expected, target in left:
        row = found.get(job_id)
        if row is None:
            reason, actual, source = RefusalReason.NOT_FOUND, None, None
        else:
            actual, source = int(row["version"]), JobState(row["state"])
            # Checked in transition's order. A job that looks movable now changed after
            # the batch's statement read it: to the caller, a stale version.
            legal = actual == expected and (source, target) in JOB_TRANSITIONS
            reason = (
                RefusalReason.INVALID_TRANSITION
                if actual == expected and not legal
                else RefusalReason.STALE_VERSION
            )
        refused.append(
            RefusedMove(
                job_id=job_id,
                reason=reason,
                expected_version=expected,
                actual_version=actual,
                from_state=source,
                to_state=target,
            )
        )
    return refused
