"""Cases for reports and error logs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

import datasdk
from differential import oracle as o
from differential import rows
from differential.cases_jobs import FRESH, ID_REF, _ref
from differential.paging import check_pages, page_spec
from differential.runner import Recorder, case, observe
from differential.values import (
    _OFFSETS,
    EDGE_INTS,
    datetimes_any,
    ints,
    json_objects,
    spoiled,
    texts,
    urls_any,
    user_ids_any,
    valid_json_objects,
    valid_texts,
)


def report_value(fields: dict[str, Any], uid: str) -> dict[str, Any]:
    new = o.model(datasdk.NewReport, fields)
    if new.file_size is not None:
        o.integer(new.file_size, *o.BIGINT)  # numbers fit their column
    return {
        "id": "<uuid>",
        "scan_id": "<scan>",
        "user_id": uid,
        "generated_at": o.NOW,
        "created_at": o.NOW,
        **new.model_dump(),
    }


@case(
    "reports.create",
    spoiled(
        {
            "scan": st.sampled_from(("str", "uuid")),
            "filename": valid_texts(255),
            "s3_path": valid_texts(500),
        },
        {"file_size": st.one_of(st.integers(0, 2**40), st.sampled_from((0, 2**53 + 1, 2**63 - 1)))},
        {
            "scan": ID_REF,
            "filename": texts(),
            "s3_path": texts(),
            "file_size": st.one_of(ints(), st.sampled_from((2**63, 2**64))),
        },
    ),
)
async def create(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    scan = await rows.scan(db)
    ref = _ref(spec["scan"], scan.id)
    fields = {k: spec[k] for k in ("filename", "s3_path", "file_size") if k in spec}
    names = {scan.id: "<scan>"}

    def expected() -> Any:
        value = report_value(fields, scan.user_id)
        if o.row_id(ref) != scan.id:
            raise o.Refused("NotFoundError")
        return value

    want = o.expect(expected)
    rec.check(
        "reports.create",
        spec,
        want,
        await observe(lambda: db.reports.create(ref, datasdk.NewReport(**fields)), names),
    )
    if want.error is None:
        page = o.expect(lambda: {"items": [expected()], "next_cursor": None})
        back = await observe(lambda: db.reports.list_for_user(scan.user_id), names)
        rec.check("reports.create/list", spec, page, back)


@case("reports.list_for_user", page_spec(user_ids_any()))
async def list_for_user(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    scan = await rows.scan(db)
    made = []
    for i in range(spec["rows"]):
        fields = {"filename": f"r{i}", "s3_path": f"s3://b/{i}", "file_size": i}
        await db.reports.create(scan.id, datasdk.NewReport(**fields))
        made.append(report_value(fields, scan.user_id))
    owner = scan.user_id if spec["owner"] == FRESH else spec["owner"]
    await check_pages(
        rec,
        "reports.list_for_user",
        spec,
        made,
        owner,
        lambda: o.user_id(owner) == scan.user_id,
        lambda who, limit, cursor: db.reports.list_for_user(who, limit=limit, cursor=cursor),
        {scan.id: "<scan>"},
    )


_IPS = (
    "8.8.8.8",
    "2001:db8::1",
    "::ffff:1.2.3.4",
    "fe80::1%eth0",
    "fe80::1%25",
    "1.2.3",
    "::",
    "0.0.0.0",
    "2001:DB8::1",
)


def log_value(fields: dict[str, Any]) -> dict[str, Any]:
    o.json_field(fields.get("context"))
    new = o.model(datasdk.NewErrorLog, fields)
    return {"id": "<uuid>", "created_at": o.NOW, **new.model_dump()}


@case(
    "error_logs.log",
    spoiled(
        {
            "type": st.sampled_from([t.value for t in datasdk.ErrorType]),
            "severity": st.sampled_from([s.value for s in datasdk.Severity]),
            "message": valid_texts(10_000),
            "user_id": st.sampled_from((FRESH, None)),
        },
        {
            "context": valid_json_objects(),
            "url": st.sampled_from(
                (
                    "https://u:p@example.com/a?token=x&b=1",
                    "not a url",
                    "/relative",
                    "https://example.com/é",
                )
            ),
            "ip": st.sampled_from(_IPS[:4] + _IPS[6:]),
            "user_agent": valid_texts(1024),
        },
        {
            "type": st.one_of(texts(), st.just("SCANNER_ERROR")),
            "severity": st.one_of(texts(), ints()),
            "message": texts(),
            "context": st.one_of(json_objects(), st.just({"api_key": "\x00"})),
            "user_id": user_ids_any(),
            "url": urls_any(),
            "ip": st.one_of(st.sampled_from(_IPS), texts(), st.sampled_from((1, 2**32, 2**128))),
            "user_agent": texts(),
        },
    ),
)
async def log(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    uid = await rows.user(db)
    fields = {**spec, "user_id": uid if spec["user_id"] == FRESH else spec["user_id"]}
    if fields["user_id"] is None:
        del fields["user_id"]

    def expected() -> Any:
        value = log_value(fields)
        if value.get("user_id") not in (None, uid):
            raise o.Refused("ForeignKeyViolation")
        return value

    want = o.expect(expected)
    rec.check(
        "error_logs.log",
        spec,
        want,
        await observe(lambda: db.error_logs.log(datasdk.NewErrorLog(**fields))),
    )
    if want.error is None and fields.get("user_id") == uid:
        page = o.expect(lambda: {"items": [expected()], "next_cursor": None})
        rec.check(
            "error_logs.log/query",
            spec,
            page,
            await observe(lambda: db.error_logs.query(user_id=uid)),
        )


_FAR = st.one_of(
    st.datetimes(max_value=datetime(1900, 1, 1)), st.datetimes(min_value=datetime(2200, 1, 1))
)
_SINCE = st.one_of(
    st.none(), st.builds(lambda d, z: d.replace(tzinfo=z), _FAR, st.one_of(st.just(UTC), _OFFSETS))
)
_TYPES = [t.value for t in datasdk.ErrorType]
_SEVERITIES = [s.value for s in datasdk.Severity]


@case(
    "error_logs.query",
    page_spec().flatmap(
        lambda page: spoiled(
            {
                "type": st.sampled_from((None, *_TYPES)),
                "severity": st.sampled_from((None, *_SEVERITIES)),
                "since": _SINCE,
            },
            {},
            {
                "type": st.one_of(texts(), ints()),
                "severity": st.one_of(texts(), ints()),
                "since": st.one_of(
                    datetimes_any(), st.sampled_from(("2024-01-01", 0, EDGE_INTS[-1]))
                ),
                "user": user_ids_any(),
            },
        ).map(lambda filters: {**page, **filters})
    ),
)
async def query(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    uid = await rows.user(db)
    made = []
    for i in range(spec["rows"]):
        fields = {
            "type": _TYPES[i % 3],
            "severity": _SEVERITIES[i % 5],
            "message": f"m{i}",
            "user_id": uid,
        }
        await db.error_logs.log(datasdk.NewErrorLog(**fields))
        made.append((fields, log_value(fields)))
    user = spec.get("user", uid)
    since = spec["since"]

    def owner_ok() -> bool:
        for name, enum in (("type", datasdk.ErrorType), ("severity", datasdk.Severity)):
            if spec[name] is not None:
                o.member(enum, spec[name])
        if since is not None and o.aware(since) > o._NOW:
            return False
        return o.user_id(user) == uid

    wanted = [
        value
        for fields, value in made
        if spec["type"] in (None, fields["type"]) and spec["severity"] in (None, fields["severity"])
    ]
    await check_pages(
        rec,
        "error_logs.query",
        spec,
        wanted,
        user,
        owner_ok,
        lambda who, limit, cursor: db.error_logs.query(
            type=spec["type"],
            severity=spec["severity"],
            user_id=who,
            since=since,
            limit=limit,
            cursor=cursor,
        ),
    )
