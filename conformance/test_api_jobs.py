"""scan_jobs, scan_results and audit_logs through the repositories, on every backend."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from api_support import HASH, new_user, outcomes, race, statements_sent
from sqlalchemy import func, select

import datasdk
from datasdk import JobState, errors
from datasdk.schema.tables import scan_jobs


async def _job_count(db: datasdk.Database) -> int:
    rows = (await db.execute(select(func.count()).select_from(scan_jobs))).rows
    return int(next(iter(rows[0].values())))


async def test_enqueue_normalises_and_starts_queued(database: datasdk.Database) -> None:
    user = await new_user(database)
    job = await database.scan_jobs.enqueue(user.id, "HTTPS://Example.COM:443")
    assert (job.url, job.state, job.version) == ("https://example.com/", JobState.QUEUED, 1)
    assert isinstance(job.id, uuid.UUID)
    assert job.created_at.tzinfo is not None
    assert await database.scan_jobs.get(job.id) == job


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://100.64.0.1/",
        "http://localhost/",
        "ftp://example.com/",
        "http://user:pass@example.com/",
        "http://example.com\\@evil.com/",
    ],
)
async def test_unsafe_urls_are_refused_before_sql(database: datasdk.Database, url: str) -> None:
    user = await new_user(database)
    with pytest.raises(errors.UnsafeURLError) as caught:
        await database.scan_jobs.enqueue(user.id, url)
    assert caught.value.field == "url"
    assert await _job_count(database) == 0


async def test_resolver_refuses_names_that_point_inside(
    open_database: object, new_url: object
) -> None:
    async def resolver(host: str) -> list[str]:
        return {"inside.example.com": ["93.184.216.34", "10.1.2.3"]}.get(host, ["93.184.216.34"])

    db = await open_database(resolver=resolver)  # type: ignore[operator]
    await db.migrate()
    user = await new_user(db)
    await db.scan_jobs.enqueue(user.id, "https://outside.example.com/")
    with pytest.raises(errors.UnsafeURLError):
        await db.scan_jobs.enqueue(user.id, "https://inside.example.com/")
    assert await _job_count(db) == 1


async def test_enqueue_for_a_missing_user_is_not_found(database: datasdk.Database) -> None:
    with pytest.raises(errors.NotFoundError):
        await database.scan_jobs.enqueue("user_nobody", "https://example.com/")


async def test_transition_follows_the_machine(database: datasdk.Database) -> None:
    job = await database.scan_jobs.enqueue(None, "https://example.com/")
    fetching = await database.scan_jobs.transition(job.id, "FETCHING", expected_version=1)
    assert (fetching.state, fetching.version) == (JobState.FETCHING, 2)
    assert fetching.updated_at >= job.updated_at
    analyzing = await database.scan_jobs.transition(job.id, JobState.ANALYZING, expected_version=2)
    done = await database.scan_jobs.transition(job.id, JobState.COMPLETED, expected_version=3)
    assert (analyzing.version, done.state, done.version) == (3, JobState.COMPLETED, 4)


async def test_stale_version_names_expected_and_actual(database: datasdk.Database) -> None:
    job = await database.scan_jobs.enqueue(None, "https://example.com/")
    await database.scan_jobs.transition(job.id, JobState.FETCHING, expected_version=1)
    with pytest.raises(errors.StaleVersionError) as caught:
        await database.scan_jobs.transition(job.id, JobState.ANALYZING, expected_version=1)
    assert (caught.value.expected, caught.value.actual) == (1, 2)
    assert (await database.scan_jobs.get(job.id)).state == JobState.FETCHING


async def test_illegal_moves_are_refused(database: datasdk.Database) -> None:
    job = await database.scan_jobs.enqueue(None, "https://example.com/")
    with pytest.raises(errors.InvalidStateTransition) as caught:
        await database.scan_jobs.transition(job.id, JobState.COMPLETED, expected_version=1)
    assert (caught.value.rule, caught.value.table) == ("job_state_machine", "scan_jobs")
    with pytest.raises(errors.ValidationError):
        await database.scan_jobs.transition(job.id, "DONE", expected_version=1)
    with pytest.raises(errors.NotFoundError):
        await database.scan_jobs.transition(uuid.uuid4(), JobState.FAILED, expected_version=1)


async def test_racing_transitions_let_exactly_one_win(database: datasdk.Database) -> None:
    job = await database.scan_jobs.enqueue(None, "https://example.com/")
    results = await race(
        8, lambda i: database.scan_jobs.transition(job.id, JobState.FETCHING, expected_version=1)
    )
    ok, failed = outcomes(results)
    assert len(ok) == 1
    assert all(isinstance(e, errors.StaleVersionError) for e in failed), failed
    assert (await database.scan_jobs.get(job.id)).version == 2


async def _mixed_batch(
    db: datasdk.Database,
) -> tuple[list[tuple[object, int, str]], dict[str, datasdk.ScanJob]]:
    jobs = {
        name: await db.scan_jobs.enqueue(None, f"https://{name}.example.com/")
        for name in ("queued", "fetching", "stale", "illegal", "finished")
    }
    for name in ("fetching", "stale"):
        jobs[name] = await db.scan_jobs.transition(jobs[name].id, "FETCHING", expected_version=1)
    jobs["finished"] = await db.scan_jobs.transition(
        jobs["finished"].id, "FAILED", expected_version=1
    )
    moves: list[tuple[object, int, str]] = [
        (jobs["stale"].id, 1, "ANALYZING"),
        (jobs["queued"].id, 1, "FETCHING"),
        (str(uuid.UUID(int=7)), 1, "FAILED"),
        (jobs["illegal"].id, 1, "COMPLETED"),
        (jobs["fetching"].id, 2, "ANALYZING"),
        (jobs["finished"].id, 2, "QUEUED"),
    ]
    return moves, jobs


async def test_transition_many_moves_exactly_the_legal_current_moves(
    database: datasdk.Database,
) -> None:
    moves, jobs = await _mixed_batch(database)
    result = await database.scan_jobs.transition_many(moves)
    assert [(j.id, j.state, j.version) for j in result.moved] == [
        (jobs["queued"].id, JobState.FETCHING, 2),
        (jobs["fetching"].id, JobState.ANALYZING, 3),
    ]
    for job in result.moved:
        assert await database.scan_jobs.get(job.id) == job
        assert job.updated_at >= jobs["queued"].updated_at
    assert [
        (r.job_id, r.reason, r.expected_version, r.actual_version, r.from_state, r.to_state)
        for r in result.refused
    ] == [
        (jobs["stale"].id, "stale_version", 1, 2, JobState.FETCHING, JobState.ANALYZING),
        (uuid.UUID(int=7), "not_found", 1, None, None, JobState.FAILED),
        (jobs["illegal"].id, "invalid_transition", 1, 1, JobState.QUEUED, JobState.COMPLETED),
        (jobs["finished"].id, "invalid_transition", 2, 2, JobState.FAILED, JobState.QUEUED),
    ]
    for name in ("stale", "illegal", "finished"):
        assert await database.scan_jobs.get(jobs[name].id) == jobs[name]


async def test_transition_many_takes_one_statement(database: datasdk.Database) -> None:
    jobs = [await database.scan_jobs.enqueue(None, f"https://s{i}.example.com/") for i in range(5)]
    with statements_sent(database) as statements:
        result = await database.scan_jobs.transition_many([(j.id, 1, "FETCHING") for j in jobs])
        assert len(result.moved) == 5
        assert result.refused == []
        assert len(statements) == 1, statements
        statements.clear()
        # Refusals cost one more read, only then.
        result = await database.scan_jobs.transition_many([(j.id, 1, "ANALYZING") for j in jobs])
        assert result.moved == []
        assert len(result.refused) == 5
        assert len(statements) == 2, statements
        statements.clear()
        empty = await database.scan_jobs.transition_many([])
        assert (empty.moved, empty.refused, statements) == ([], [], [])


@pytest.mark.parametrize(
    "moves",
    [
        [(uuid.UUID(int=1), 1, "FETCHING"), (str(uuid.UUID(int=1)), 2, "FAILED")],
        [(uuid.UUID(int=1), 1, "DONE")],
        [(uuid.UUID(int=1), "1", "FETCHING")],
        [("not-a-uuid", 1, "FETCHING")],
        [(uuid.UUID(int=1), 1)],
        [(uuid.UUID(int=n), 1, "FETCHING") for n in range(1001)],
    ],
)
async def test_transition_many_refuses_malformed_batches(
    database: datasdk.Database, moves: list[tuple[object, ...]]
) -> None:
    with pytest.raises(errors.ValidationError):
        await database.scan_jobs.transition_many(moves)  # type: ignore[arg-type]


async def test_racing_batches_move_each_job_once(database: datasdk.Database) -> None:
    jobs = [await database.scan_jobs.enqueue(None, f"https://r{i}.example.com/") for i in range(6)]
    batch = [(j.id, 1, "FETCHING") for j in jobs]
    results = await race(4, lambda i: database.scan_jobs.transition_many(batch[i:] + batch[:i]))
    done, failed = outcomes(results)
    assert failed == []
    moved = [job.id for result in done for job in result.moved]
    assert sorted(moved) == sorted(j.id for j in jobs)
    refused = [r for result in done for r in result.refused]
    assert len(refused) == 3 * len(jobs)
    assert {(r.reason, r.actual_version) for r in refused} == {("stale_version", 2)}
    assert {(await database.scan_jobs.get(j.id)).version for j in jobs} == {2}


async def _analyzing(db: datasdk.Database, n: int) -> list[datasdk.ScanJob]:
    jobs = [await db.scan_jobs.enqueue(None, f"https://c{i}.example.com/") for i in range(n)]
    moved = await db.scan_jobs.transition_many([(j.id, 1, "FETCHING") for j in jobs])
    moved = await db.scan_jobs.transition_many([(j.id, 2, "ANALYZING") for j in moved.moved])
    return moved.moved


async def test_complete_many_records_results_of_the_completed_jobs(
    database: datasdk.Database,
) -> None:
    ready = await _analyzing(database, 3)
    early = await database.scan_jobs.enqueue(None, "https://early.example.com/")
    completions = [
        (ready[0].id, 3, datasdk.NewScanResult(risk_score=10, content_hash=HASH)),
        (early.id, 1, datasdk.NewScanResult(risk_score=20, content_hash=HASH)),
        (ready[1].id, 2, datasdk.NewScanResult(risk_score=30, content_hash=HASH)),
        (
            ready[2].id,
            3,
            datasdk.NewScanResult(
                risk_score=40, content_hash=HASH, http_headers={"Content-Type": "text/html"}
            ),
        ),
    ]
    with statements_sent(database) as statements:
        result = await database.scan_jobs.complete_many(completions)
    # The move, the results' insert, and the read that explains the refusals.
    assert len(statements) == 3, statements
    assert [(j.id, j.state, j.version) for j in result.moved] == [
        (ready[0].id, JobState.COMPLETED, 4),
        (ready[2].id, JobState.COMPLETED, 4),
    ]
    assert [(r.job_id, r.reason) for r in result.refused] == [
        (early.id, "invalid_transition"),
        (ready[1].id, "stale_version"),
    ]
    recorded = await database.scan_results.get(ready[2].id)
    assert (recorded.risk_score, recorded.http_headers) == (40, {"content-type": "text/html"})
    assert (await database.scan_results.get(ready[0].id)).risk_score == 10
    for job in (early, ready[1]):
        with pytest.raises(errors.NotFoundError):
            await database.scan_results.get(job.id)


async def test_complete_many_refuses_a_second_result_for_the_whole_batch(
    database: datasdk.Database,
) -> None:
    ready = await _analyzing(database, 2)
    first = datasdk.NewScanResult(risk_score=1, content_hash=HASH)
    await database.scan_results.record(ready[1].id, first)
    with pytest.raises(errors.UniqueViolation):
        await database.scan_jobs.complete_many([(j.id, 3, first) for j in ready])
    assert {(await database.scan_jobs.get(j.id)).state for j in ready} == {JobState.ANALYZING}
    with pytest.raises(errors.NotFoundError):
        await database.scan_results.get(ready[0].id)
    with pytest.raises(errors.ValidationError):
        await database.scan_jobs.complete_many([(ready[0].id, 3, {"risk_score": 1})])  # type: ignore[list-item]


@pytest.mark.parametrize(("workers", "jobs", "batch"), [(6, 40, 1), (5, 60, 7)])
async def test_workers_claim_every_job_exactly_once(
    database: datasdk.Database, workers: int, jobs: int, batch: int
) -> None:
    enqueued = {
        (await database.scan_jobs.enqueue(None, f"https://e{i}.example.com/")).id
        for i in range(jobs)
    }
    claimed: list[uuid.UUID] = []

    async def worker(i: int) -> None:
        while True:
            got = await database.scan_jobs.claim_batch(batch)
            if not got:
                return
            assert all(j.state == JobState.FETCHING and j.version == 2 for j in got)
            claimed.extend(j.id for j in got)
            await asyncio.sleep(0)

    _ok, failed = outcomes(await race(workers, worker))
    assert failed == []
    assert sorted(claimed) == sorted(enqueued)
    assert await database.scan_jobs.claim_next() is None


async def test_claim_takes_the_oldest_first(database: datasdk.Database) -> None:
    first = await database.scan_jobs.enqueue(None, "https://one.example.com/")
    second = await database.scan_jobs.enqueue(None, "https://two.example.com/")
    assert [j.id for j in await database.scan_jobs.claim_batch(5)] == [first.id, second.id]


async def test_time_out_stale_leaves_fresh_and_finished_jobs(database: datasdk.Database) -> None:
    stale = await database.scan_jobs.enqueue(None, "https://stale.example.com/")
    fresh = await database.scan_jobs.enqueue(None, "https://fresh.example.com/")
    queued = await database.scan_jobs.enqueue(None, "https://queued.example.com/")
    await database.scan_jobs.transition(stale.id, JobState.FETCHING, expected_version=1)
    await asyncio.sleep(1.2)
    await database.scan_jobs.transition(fresh.id, JobState.FETCHING, expected_version=1)
    timed_out = await database.scan_jobs.time_out_stale(older_than=timedelta(seconds=1))
    assert [j.id for j in timed_out] == [stale.id]
    assert timed_out[0].state == JobState.TIMED_OUT
    assert timed_out[0].version == 3
    assert (await database.scan_jobs.get(fresh.id)).state == JobState.FETCHING
    assert (await database.scan_jobs.get(queued.id)).state == JobState.QUEUED


async def test_time_out_never_overrides_a_racing_worker(database: datasdk.Database) -> None:
    jobs = [await database.scan_jobs.enqueue(None, f"https://r{i}.example.com/") for i in range(10)]
    for job in jobs:
        await database.scan_jobs.transition(job.id, JobState.FETCHING, expected_version=1)
    await asyncio.sleep(1.1)

    async def act(i: int) -> object:
        if i == 0:
            return await database.scan_jobs.time_out_stale(older_than=timedelta(seconds=1))
        return await database.scan_jobs.transition(
            jobs[i - 1].id, JobState.ANALYZING, expected_version=2
        )

    results = await race(len(jobs) + 1, act)
    timed_out = {j.id for j in results[0]}  # type: ignore[union-attr]
    for job, result in zip(jobs, results[1:], strict=True):
        final = await database.scan_jobs.get(job.id)
        if job.id in timed_out:
            # The sweep won: the worker saw a stale version, never a silent overwrite.
            assert isinstance(result, errors.StaleVersionError), result
            assert (final.state, final.version) == (JobState.TIMED_OUT, 3)
        else:
            assert not isinstance(result, BaseException), result
            assert (final.state, final.version) == (JobState.ANALYZING, 3)


async def test_list_for_user_pages_by_keyset(database: datasdk.Database) -> None:
    user = await new_user(database)
    other = await new_user(database)
    ids = [
        (await database.scan_jobs.enqueue(user.id, f"https://p{i}.example.com/")).id
        for i in range(7)
    ]
    await database.scan_jobs.enqueue(other.id, "https://other.example.com/")
    seen: list[uuid.UUID] = []
    cursor = None
    pages = 0
    while True:
        page = await database.scan_jobs.list_for_user(user.id, limit=3, cursor=cursor)
        seen.extend(j.id for j in page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(ids))
    # A job enqueued after the first page does not shift the pages that follow.
    first = await database.scan_jobs.list_for_user(user.id, limit=3)
    await database.scan_jobs.enqueue(user.id, "https://late.example.com/")
    second = await database.scan_jobs.list_for_user(user.id, limit=3, cursor=first.next_cursor)
    assert [j.id for j in second.items] == list(reversed(ids))[3:6]
    with pytest.raises(errors.ValidationError) as caught:
        await database.scan_jobs.list_for_user(user.id, cursor="not-a-cursor")
    assert caught.value.field == "cursor"


async def test_results_are_recorded_once(database: datasdk.Database) -> None:
    job = await database.scan_jobs.enqueue(None, "https://example.com/")
    result = await database.scan_results.record(
        job.id,
        datasdk.NewScanResult(
            risk_score=42,
            content_hash=HASH,
            categories=["phishing"],
            http_status=200,
            http_headers={"Content-Type": "text/html", "Set-Cookie": "session=secret"},
        ),
    )
    assert result.http_headers == {"content-type": "text/html"}
    assert await database.scan_results.get(job.id) == result
    with pytest.raises(errors.UniqueViolation) as caught:
        await database.scan_results.record(
            job.id, datasdk.NewScanResult(risk_score=1, content_hash=HASH)
        )
    assert caught.value.constraint == "uq_scan_results_job_id"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"risk_score": 101, "content_hash": HASH}, "risk_score"),
        ({"risk_score": 1, "content_hash": "A" * 64}, "content_hash"),
        ({"risk_score": 1, "content_hash": HASH, "http_status": 99}, "http_status"),
        ({"risk_score": 1, "content_hash": HASH, "categories": "x"}, "categories"),
    ],
)
def test_bad_results_are_refused(fields: dict[str, object], field: str) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        datasdk.NewScanResult(**fields)  # type: ignore[arg-type]
    assert caught.value.field == field


async def test_audit_trail_is_append_only_and_content_free(database: datasdk.Database) -> None:
    job = await database.scan_jobs.enqueue(None, "https://example.com/")
    first = await database.audit_logs.append(
        job.id,
        datasdk.NewAuditEntry(
            url_accessed="https://user:pw@example.com/a?sig=1&token=secret",
            content_hash=HASH,
            http_headers={"Authorization": "Bearer x", "Server": "nginx"},
            risk_assessment_summary={"verdict": "benign"},
        ),
    )
    assert first.url_accessed == "https://example.com/a?sig=1&token=REDACTED"
    assert first.http_headers == {"server": "nginx"}
    second = await database.audit_logs.append(
        job.id, datasdk.NewAuditEntry(url_accessed="https://example.com/b", content_hash=HASH)
    )
    trail = await database.audit_logs.list_for_job(job.id)
    assert [e.id for e in trail.items] == [second.id, first.id]
    assert not hasattr(database.audit_logs, "update")
    assert not hasattr(database.audit_logs, "delete")
    with pytest.raises(errors.ValidationError) as caught:
        datasdk.NewAuditEntry(
            url_accessed="https://example.com/",
            content_hash=HASH,
            risk_assessment_summary={"evidence": {"page_html": "<html>"}},
        )
    assert caught.value.field == "risk_assessment_summary.evidence.page_html"
    with pytest.raises(errors.AppendOnlyViolation):
        await database.execute(
            f"UPDATE audit_logs SET content_type = 'x' WHERE content_hash = '{HASH}'"
        )
