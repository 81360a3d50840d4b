"""Cases for scan jobs, their results and the audit trail."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import strategies as st

import datasdk
from datasdk.schema.enums import JOB_TRANSITIONS
from datasdk.validation import normalize_scan_url
from differential import oracle as o
from differential import rows
from differential.runner import Recorder, case, observe
from differential.values import (
    CONTENT_HASH,
    ints,
    json_lists,
    json_objects,
    spoiled,
    texts,
    urls_any,
    user_ids_any,
    uuids_any,
    valid_json_lists,
    valid_json_objects,
    valid_texts,
)

FRESH = "<fresh>"
_STATES = [s.value for s in datasdk.JobState]
_PATHS = (
    [],
    ["FETCHING"],
    ["FETCHING", "ANALYZING"],
    ["FAILED"],
    ["FETCHING", "ANALYZING", "COMPLETED"],
)
_VALID_URLS = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}{path}",
    st.sampled_from(("https", "http", "HTTPS")),
    st.sampled_from(
        (
            "example.com",
            "EXAMPLE.com:443",
            "bücher.example",
            "8.8.8.8",
            "[2001:4860:4860::8888]",
            "example.com:8443",
        )
    ),
    st.sampled_from(("", "/", "/a/b?x=1&token=abc#frag", "/é", "/\u202e", "/" + "p" * 2000)),
)


def _url(value: object) -> str:
    """The stored form of a scan URL by the SDK's own rules (they run before any SQL)."""
    try:
        url = normalize_scan_url(value)  # type: ignore[arg-type]
    except Exception:
        raise o.invalid() from None
    o.stored(url)
    return url


def _job(
    url: str, user: str | None, state: str = "QUEUED", version: int = 1, name: str = "<job>"
) -> dict[str, Any]:
    return {
        "id": name,
        "user_id": user,
        "url": url,
        "state": state,
        "version": version,
        "created_at": o.NOW,
        "updated_at": o.NOW,
    }


def _job_names(job: Any) -> dict[Any, str]:
    return {job.id: "<job>"} if job is not None else {}


@case(
    "scan_jobs.enqueue",
    spoiled(
        {"user": st.sampled_from((None, FRESH)), "url": _VALID_URLS},
        {},
        {"user": user_ids_any(), "url": urls_any()},
    ),
)
async def enqueue(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    uid = await rows.user(db)
    user = uid if spec["user"] == FRESH else spec["user"]

    def expected() -> Any:
        url = _url(spec["url"])
        if user is not None and o.user_id(user) != uid:
            raise o.Refused("NotFoundError")
        return _job(url, user)

    want = o.expect(expected)
    got = await observe(lambda: db.scan_jobs.enqueue(user, spec["url"]), _job_names)
    rec.check("scan_jobs.enqueue", spec, want, got)
    if got.ok:
        again = await observe(lambda: db.scan_jobs.get(got.value.id), _job_names)
        rec.check("scan_jobs.enqueue/get", spec, want, again)


_SPELLINGS = {
    "uuid": lambda u: u,
    "str": str,
    "upper": lambda u: str(u).upper(),
    "braced": lambda u: "{" + str(u) + "}",
    "urn": lambda u: u.urn,
    "hex": lambda u: u.hex,
}
ID_REF = st.one_of(st.sampled_from(sorted(_SPELLINGS)), uuids_any())


def _ref(spec_value: Any, real: Any) -> Any:
    """The id the spec names: a spelling of the real row's id, or a drawn value."""
    if isinstance(spec_value, str) and spec_value in _SPELLINGS:
        return _SPELLINGS[spec_value](real)
    return spec_value


def _found(ref: Any, real: Any, value: Any) -> Any:
    if o.row_id(ref) != real:
        raise o.Refused("NotFoundError")
    return value


@case("scan_jobs.get", st.fixed_dictionaries({"job": ID_REF}))
async def get(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    job = await rows.job(db)
    ref = _ref(spec["job"], job.id)
    want = o.expect(lambda: _found(ref, job.id, _job(job.url, None)))
    rec.check(
        "scan_jobs.get", spec, want, await observe(lambda: db.scan_jobs.get(ref), _job_names(job))
    )


_MOVE_HOSTILE = {
    "job": uuids_any(),
    "state": st.one_of(st.sampled_from(("queued", "fetching", "", " FETCHING")), texts(), ints()),
    "version": ints(),
}


@case(
    "scan_jobs.transition",
    spoiled(
        {
            "path": st.sampled_from(_PATHS),
            "job": st.sampled_from(sorted(_SPELLINGS)),
            "state": st.sampled_from(_STATES),
            "version": st.sampled_from(("current", "stale")),
        },
        {},
        _MOVE_HOSTILE,
    ),
)
async def transition(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    job = await rows.job_at(db, spec["path"])
    ref = _ref(spec["job"], job.id)
    version = {"current": job.version, "stale": job.version - 1}.get(
        spec["version"], spec["version"]
    )  # type: ignore[arg-type]
    moved = False

    def expected() -> Any:
        nonlocal moved
        job_id = o.row_id(ref)
        target = o.member(datasdk.JobState, spec["state"])
        o.version(version)
        if job_id != job.id:
            raise o.Refused("NotFoundError")
        if version != job.version:
            raise o.Refused("StaleVersionError")
        if (job.state, target) not in JOB_TRANSITIONS:
            raise o.Refused("InvalidStateTransition")
        moved = True
        return _job(job.url, None, target, job.version + 1)

    want = o.expect(expected)
    got = await observe(
        lambda: db.scan_jobs.transition(ref, spec["state"], expected_version=version),
        _job_names(job),
    )
    rec.check("scan_jobs.transition", spec, want, got)
    after = _job(job.url, None, spec["state"] if moved else job.state, job.version + moved)
    rec.check(
        "scan_jobs.transition/get",
        spec,
        o.expect(lambda: after),
        await observe(lambda: db.scan_jobs.get(job.id), _job_names(job)),
    )


_MOVE = st.tuples(
    st.one_of(st.integers(0, 2), st.just("missing"), uuids_any()),
    st.one_of(st.sampled_from(("current", "stale")), ints()),
    st.one_of(st.sampled_from(_STATES), _MOVE_HOSTILE["state"]),
)
BATCH = spoiled(
    {
        "paths": st.lists(st.sampled_from(_PATHS), min_size=3, max_size=3),
        "moves": st.lists(_MOVE, max_size=4),
    },
    {},
    {
        "moves": st.one_of(texts(), st.sampled_from((None, 1, {"a": 1}))),
        "shape": st.sampled_from(("short", "long", "set")),
    },
)


async def _batch_setup(
    db: datasdk.Database, spec: dict[str, Any]
) -> tuple[list[Any], Any, dict[Any, str]]:
    jobs = [await rows.job_at(db, path) for path in spec["paths"]]
    names = {job.id: f"<job{i}>" for i, job in enumerate(jobs)}
    missing = uuid.uuid4()
    names[missing] = "<missing>"

    def one(move: Any) -> Any:
        target, version, state_ = move
        job = (
            jobs[target]
            if isinstance(target, int) and not isinstance(target, bool) and 0 <= target <= 2
            else None
        )
        ref = job.id if job else (missing if target == "missing" else target)
        version = (
            {"current": job.version if job else 1, "stale": (job.version if job else 1) - 1}.get(
                version, version
            )
            if isinstance(version, str)
            else version
        )
        return (ref, version, state_)

    moves = spec["moves"]
    if spec.get("shape") == "short" and isinstance(moves, list):
        moves = [m[:2] for m in moves] or [(jobs[0].id,)]
    elif spec.get("shape") == "long" and isinstance(moves, list):
        moves = [(*one(m), 1) for m in moves] or [(jobs[0].id, 1, "FETCHING", 1)]
    elif spec.get("shape") == "set":
        moves = {(jobs[0].id, 1, "FETCHING")}
    elif isinstance(moves, list):
        moves = [one(m) for m in moves]
    return jobs, moves, names


def _batch(jobs: list[Any], names: dict[Any, str], moves: Any, target_of: Any = None) -> Any:
    if isinstance(moves, str | bytes) or not isinstance(moves, list | tuple):
        raise o.invalid()
    checked = []
    for move in moves:
        if not isinstance(move, tuple | list) or len(move) != 3:
            raise o.invalid()
        ref, version, state_ = move
        o.version(version)
        checked.append((o.row_id(ref), version, target_of or o.member(datasdk.JobState, state_)))
    if len({c[0] for c in checked}) != len(checked):
        raise o.invalid()
    by_id = {job.id: job for job in jobs}
    moved, refused = [], []
    for job_id, version, target in checked:
        job = by_id.get(job_id)
        if job is not None and job.version == version and (job.state, target) in JOB_TRANSITIONS:
            moved.append(_job(job.url, None, target, version + 1, names[job_id]))
            continue
        reason = (
            "not_found"
            if job is None
            else ("stale_version" if job.version != version else "invalid_transition")
        )
        refused.append(
            {
                "job_id": names.get(job_id, "<uuid>"),
                "reason": reason,
                "expected_version": version,
                "actual_version": None if job is None else job.version,
                "from_state": None if job is None else job.state,
                "to_state": target,
            }
        )
    return {"moved": moved, "refused": refused}


@case("scan_jobs.transition_many", BATCH)
async def transition_many(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    jobs, moves, names = await _batch_setup(db, spec)
    want = o.expect(lambda: _batch(jobs, names, moves))
    rec.check(
        "scan_jobs.transition_many",
        spec,
        want,
        await observe(lambda: db.scan_jobs.transition_many(moves), names),
    )


RESULT_VALID = {
    "risk_score": st.integers(0, 100),
    "content_hash": st.just(CONTENT_HASH),
}
RESULT_OPTIONAL = {
    "categories": valid_json_lists(),
    "http_status": st.integers(100, 599),
    "http_headers": st.dictionaries(
        st.sampled_from(("Content-Type", "server", "Set-Cookie", "x-api-key", "X-Frame-Options")),
        valid_texts(40),
        max_size=3,
    ),
    "content_type": valid_texts(255),
    "model_used": valid_texts(255),
    "analysis_metadata": valid_json_objects(),
    "reasoning": valid_texts(10_000),
    "indicators": valid_json_lists(),
}
RESULT_HOSTILE = {
    "risk_score": ints(),
    "content_hash": st.one_of(texts(), st.just(CONTENT_HASH.upper())),
    "categories": json_lists(),
    "http_status": ints(),
    "http_headers": st.one_of(
        st.dictionaries(texts(8), texts(), max_size=3), st.sampled_from(("x", 1, [("a",)]))
    ),
    "content_type": texts(),
    "model_used": texts(),
    "analysis_metadata": json_objects(),
    "reasoning": texts(),
    "indicators": json_lists(),
}


def _result_value(fields: dict[str, Any]) -> Any:
    for name in ("categories", "analysis_metadata", "indicators"):
        o.json_field(fields.get(name))
    new = o.model(datasdk.NewScanResult, fields)
    return {"id": "<uuid>", "job_id": "<job>", "created_at": o.NOW, **new.model_dump()}


@case(
    "scan_results.record",
    spoiled(
        {**RESULT_VALID, "job": st.sampled_from(("str", "uuid", "twice"))},
        RESULT_OPTIONAL,
        {**RESULT_HOSTILE, "job": uuids_any()},
    ),
)
async def record(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    job = await rows.job(db)
    ref = _ref(spec["job"] if spec["job"] != "twice" else "str", job.id)
    fields = {k: v for k, v in spec.items() if k != "job"}

    def expected() -> Any:
        value = _result_value(fields)
        if o.row_id(ref) != job.id:
            raise o.Refused("ForeignKeyViolation")
        return value

    want = o.expect(expected)
    call = lambda: db.scan_results.record(ref, datasdk.NewScanResult(**fields))  # noqa: E731
    got = await observe(call, _job_names(job))
    rec.check("scan_results.record", spec, want, got)
    if want.error is None:
        back = await observe(lambda: db.scan_results.get(job.id), _job_names(job))
        rec.check("scan_results.record/get", spec, want, back)
        if spec["job"] == "twice":
            rec.check(
                "scan_results.record/twice",
                spec,
                o.Expected(error="UniqueViolation"),
                await observe(call),
            )


@case("scan_results.get", st.fixed_dictionaries({"job": ID_REF, "has_result": st.booleans()}))
async def result_get(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    job = await rows.job(db)
    if spec["has_result"]:
        await db.scan_results.record(job.id, datasdk.NewScanResult(**rows.result_fields()))
    ref = _ref(spec["job"], job.id)

    def expected() -> Any:
        value = _found(ref, job.id, _result_value(rows.result_fields()))
        if not spec["has_result"]:
            raise o.Refused("NotFoundError")
        return value

    rec.check(
        "scan_results.get",
        spec,
        o.expect(expected),
        await observe(lambda: db.scan_results.get(ref), _job_names(job)),
    )
