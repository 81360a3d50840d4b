"""Cases for the queue side of scan jobs (completions, claims, time-outs, listings) and the
audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import strategies as st

import datasdk
from differential import oracle as o
from differential import rows
from differential.cases_jobs import (
    _PATHS,
    _VALID_URLS,
    FRESH,
    ID_REF,
    RESULT_HOSTILE,
    RESULT_OPTIONAL,
    _batch,
    _job,
    _job_names,
    _ref,
    _result_value,
)
from differential.paging import check_pages, page_spec
from differential.runner import Recorder, case, observe
from differential.values import (
    CONTENT_HASH,
    ints,
    json_objects,
    spoiled,
    texts,
    urls_any,
    user_ids_any,
    uuids_any,
    valid_json_objects,
    valid_texts,
)

_COMPLETION = st.tuples(
    st.one_of(st.integers(0, 2), uuids_any()),
    st.one_of(st.sampled_from(("current", "stale")), ints()),
    st.one_of(
        st.just({}),
        st.sampled_from(sorted(RESULT_HOSTILE)).flatmap(
            lambda k: RESULT_HOSTILE[k].map(lambda v: {k: v})
        ),
    ),
)


@case(
    "scan_jobs.complete_many",
    st.fixed_dictionaries(
        {
            "paths": st.lists(st.sampled_from(_PATHS), min_size=3, max_size=3),
            "completions": st.lists(_COMPLETION, max_size=3),
        }
    ),
)
async def complete_many(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    jobs = [await rows.job_at(db, path) for path in spec["paths"]]
    names = {job.id: f"<job{i}>" for i, job in enumerate(jobs)}
    completions, fields_of = [], {}
    for target, version, extra in spec["completions"]:
        job = jobs[target] if isinstance(target, int) and 0 <= target <= 2 else None
        ref = job.id if job else target
        if isinstance(version, str):
            version = (job.version if job else 1) - (version == "stale")
        fields = {**rows.result_fields(), **extra}
        completions.append((ref, version, fields))
        if job:
            fields_of[job.id] = fields

    def expected() -> Any:
        built = [
            (ref, version, o.model(datasdk.NewScanResult, f)) for ref, version, f in completions
        ]
        for _, _, f in completions:
            for name in ("categories", "analysis_metadata", "indicators"):
                o.json_field(f.get(name))
        return _batch(
            jobs, names, [(r, v, "COMPLETED") for r, v, _ in built], datasdk.JobState.COMPLETED
        )

    want = o.expect(expected)

    def call():
        return db.scan_jobs.complete_many(
            [(r, v, datasdk.NewScanResult(**f)) for r, v, f in completions]
        )

    got = await observe(call, names)
    rec.check("scan_jobs.complete_many", spec, want, got)
    if want.error is None and got.ok:
        for job in got.value.moved:
            value = o.expect(lambda job=job: _result_value(fields_of[job.id]))
            back = await observe(lambda job=job: db.scan_results.get(job.id), {job.id: "<job>"})
            rec.check("scan_jobs.complete_many/result", spec, value, back)


async def _drain(db: datasdk.Database) -> None:
    """Claim whatever is queued: the next example starts with an empty queue."""
    while await db.scan_jobs.claim_batch(1000):
        pass


@case(
    "scan_jobs.claim_batch",
    spoiled(
        {"k": st.integers(0, 3), "n": st.one_of(st.integers(1, 4), st.just(1000))},
        {},
        {"n": ints()},
    ),
)
async def claim_batch(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    await _drain(db)
    jobs = [await rows.job(db) for _ in range(spec["k"])]
    names = {job.id: f"<job{i}>" for i, job in enumerate(jobs)}

    def expected() -> Any:
        n = o.integer(spec["n"], 1, datasdk.MAX_PAGE_SIZE)
        return [_job(j.url, None, "FETCHING", 2, names[j.id]) for j in jobs[:n]]

    rec.check(
        "scan_jobs.claim_batch",
        spec,
        o.expect(expected),
        await observe(lambda: db.scan_jobs.claim_batch(spec["n"]), names),
    )
    await _drain(db)


@case("scan_jobs.claim_next", st.fixed_dictionaries({"k": st.integers(0, 2)}))
async def claim_next(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    await _drain(db)
    jobs = [await rows.job(db) for _ in range(spec["k"])]
    want = o.expect(lambda: _job(jobs[0].url, None, "FETCHING", 2) if jobs else None)
    rec.check(
        "scan_jobs.claim_next", spec, want, await observe(db.scan_jobs.claim_next, _job_names)
    )
    await _drain(db)


_DELTAS = st.one_of(
    st.integers(1, 10**6).map(lambda s: timedelta(seconds=s)),
    st.integers(1, o.MAX_DAYS).map(lambda d: timedelta(days=d)),
    st.sampled_from((timedelta(microseconds=1), timedelta(days=o.MAX_DAYS))),
)
_BAD_DELTAS = st.one_of(
    st.sampled_from((timedelta(0), timedelta(seconds=-1), timedelta.max, timedelta.min)),
    st.sampled_from((timedelta(days=o.MAX_DAYS, microseconds=1), timedelta(days=o.MAX_DAYS + 1))),
    st.integers(o.MAX_DAYS + 1, timedelta.max.days).map(lambda d: timedelta(days=d)),
    ints(),
    st.sampled_from(("1 day", None)),
)


@case("scan_jobs.time_out_stale", spoiled({"older_than": _DELTAS}, {}, {"older_than": _BAD_DELTAS}))
async def time_out_stale(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    value = spec["older_than"]

    def expected() -> Any:
        # This test's database holds no active job: the answer is an empty list.
        o.age(value)
        return []

    rec.check(
        "scan_jobs.time_out_stale",
        spec,
        o.expect(expected),
        await observe(lambda: db.scan_jobs.time_out_stale(older_than=value)),
    )


def _owner(spec: dict[str, Any], uid: str) -> Any:
    return uid if spec["owner"] == FRESH else spec["owner"]


@case("scan_jobs.list_for_user", page_spec(user_ids_any()))
async def jobs_for_user(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    uid = await rows.user(db)
    jobs = [await rows.job(db, uid, path=f"p{i}") for i in range(spec["rows"])]
    owner = _owner(spec, uid)
    expected = [_job(j.url, uid) for j in jobs]
    names = {j.id: "<job>" for j in jobs}
    await check_pages(
        rec,
        "scan_jobs.list_for_user",
        spec,
        expected,
        owner,
        lambda: o.user_id(owner) == uid,
        lambda who, limit, cursor: db.scan_jobs.list_for_user(who, limit=limit, cursor=cursor),
        names,
    )


# --- audit trail ---------------------------------------------------------------------

AUDIT_OPTIONAL = {
    "http_status": st.integers(100, 599),
    "http_headers": RESULT_OPTIONAL["http_headers"],
    "content_type": valid_texts(255),
    "risk_assessment_summary": valid_json_objects(),
}
AUDIT_HOSTILE = {
    "url_accessed": urls_any(),
    "content_hash": RESULT_HOSTILE["content_hash"],
    "http_status": ints(),
    "http_headers": RESULT_HOSTILE["http_headers"],
    "content_type": texts(),
    "risk_assessment_summary": st.one_of(json_objects(), st.just({"page_html": "x"})),
    "job": uuids_any(),
}


def _audit_value(fields: dict[str, Any]) -> Any:
    o.json_field(fields.get("risk_assessment_summary"))
    new = o.model(datasdk.NewAuditEntry, fields)
    return {"id": "<uuid>", "scan_job_id": "<job>", "timestamp": o.NOW, **new.model_dump()}


@case(
    "audit_logs.append",
    spoiled(
        {
            "url_accessed": _VALID_URLS,
            "content_hash": st.just(CONTENT_HASH),
            "job": st.sampled_from(("str", "uuid")),
        },
        AUDIT_OPTIONAL,
        AUDIT_HOSTILE,
    ),
)
async def append(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    job = await rows.job(db)
    ref = _ref(spec["job"], job.id)
    fields = {k: v for k, v in spec.items() if k != "job"}

    def expected() -> Any:
        value = _audit_value(fields)
        if o.row_id(ref) != job.id:
            raise o.Refused("ForeignKeyViolation")
        return value

    want = o.expect(expected)
    got = await observe(
        lambda: db.audit_logs.append(ref, datasdk.NewAuditEntry(**fields)), _job_names(job)
    )
    rec.check("audit_logs.append", spec, want, got)
    if want.error is None:
        page = o.expect(lambda: {"items": [_audit_value(fields)], "next_cursor": None})
        back = await observe(lambda: db.audit_logs.list_for_job(job.id), _job_names(job))
        rec.check("audit_logs.append/list", spec, page, back)


@case("audit_logs.list_for_job", page_spec(ID_REF))
async def list_for_job(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    job = await rows.job(db)
    entries = []
    for i in range(spec["rows"]):
        fields = {"url_accessed": f"https://example.com/{i}", "content_hash": CONTENT_HASH}
        await db.audit_logs.append(job.id, datasdk.NewAuditEntry(**fields))
        entries.append(_audit_value(fields))
    owner = job.id if spec["owner"] == FRESH else _ref(spec["owner"], job.id)
    await check_pages(
        rec,
        "audit_logs.list_for_job",
        spec,
        entries,
        owner,
        lambda: o.row_id(owner) == job.id,
        lambda ref, limit, cursor: db.audit_logs.list_for_job(ref, limit=limit, cursor=cursor),
        _job_names(job),
    )
