"""scan_jobs: URL scan jobs, claimed by workers and moved through their state machine."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import BindParameter, Integer, Select, bindparam, insert, select, update

from datasdk.errors import InvalidStateTransition, NotFoundError, StaleVersionError, ValidationError
from datasdk.ids import new_id
from datasdk.models import PAGE_SIZE, JobState, Page, ScanJob
from datasdk.repositories._sql import (
    PageRequest,
    as_uuid,
    fetch_all,
    fetch_one,
    fetch_page,
    keyset,
    locked,
    member,
    page_request,
    positive_limit,
)
from datasdk.repositories._unit import Units
from datasdk.schema.enums import JOB_TRANSITIONS
from datasdk.schema.tables import scan_jobs, users
from datasdk.schema.types import utc_now
from datasdk.validation import check_resolves_public, normalize_scan_url

if TYPE_CHECKING:
    from datasdk.database import Transaction

_ACTIVE = (JobState.FETCHING, JobState.ANALYZING)


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


# Built once: the hot path only binds values.
_ENQUEUE, _ENQUEUE_OWNED = _enqueue()
_TRANSITION = _transitions()
_CLAIM = _claim()
_GET = select(scan_jobs).where(scan_jobs.c.id == bindparam("job_id"))


def user_page(user_id: str, page: PageRequest) -> Select[Any]:
    statement = select(scan_jobs).where(scan_jobs.c.user_id == user_id)
    return keyset(statement, scan_jobs.c.created_at, page)


class SqlScanJobs:
    def __init__(self, units: Units) -> None:
        self._units = units

    async def enqueue(self, user_id: str | None, url: str) -> ScanJob:
        """A QUEUED job for `url`, refused unless the URL is safe to fetch."""
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
        job_id = as_uuid(job_id, "job_id")
        async with self._units.read() as tx:
            return await fetch_one(tx, _GET, ScanJob, f"scan job {job_id}", {"job_id": job_id})

    async def transition(
        self, job_id: uuid.UUID | str, state: JobState | str, *, expected_version: int
    ) -> ScanJob:
        """Move a job to `state` if it is still at `expected_version`.

        One statement decides; only when it moves nothing is the job read again, to say
        why (missing, stale version, or a move the state machine does not allow).
        """
        job_id = as_uuid(job_id, "job_id")
        target = member(JobState, state, "state")
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

    async def claim_next(self) -> ScanJob | None:
        """The oldest QUEUED job, moved to FETCHING; never handed to two workers."""
        claimed = await self.claim_batch(1)
        return claimed[0] if claimed else None

    async def claim_batch(self, n: int) -> list[ScanJob]:
        """Up to n of the oldest QUEUED jobs, moved to FETCHING, oldest first."""
        positive_limit(n, field="n")
        async with self._units.statement() as tx:
            claimed = await fetch_all(tx, _CLAIM, ScanJob, {"n": n})
        return sorted(claimed, key=lambda job: (job.created_at, job.id))

    async def time_out_stale(self, *, older_than: timedelta) -> list[ScanJob]:
        """Move FETCHING/ANALYZING jobs not updated for `older_than` to TIMED_OUT."""
        if not isinstance(older_than, timedelta) or older_than <= timedelta(0):
            raise ValidationError("older_than: must be a positive timedelta", field="older_than")
        async with self._units.write() as tx:
            ids = [row["id"] for row in (await tx.execute(stale_candidates(older_than))).rows]
            return await _move_all(tx, ids, _ACTIVE, JobState.TIMED_OUT)

    async def list_for_user(
        self, user_id: str, *, limit: int = PAGE_SIZE, cursor: str | None = None
    ) -> Page[ScanJob]:
        """A user's jobs, newest first."""
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
