"""Cases for scans, scan modules, reports and error logs."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

import datasdk
from differential import oracle as o
from differential import rows
from differential.cases_jobs import FRESH, ID_REF, _found, _ref
from differential.paging import check_pages, page_spec
from differential.runner import Recorder, case, observe
from differential.values import (
    ints,
    json_objects,
    spoiled,
    texts,
    valid_json_objects,
    valid_texts,
)

_STATUS_PATHS = ([], ["running"], ["failed"], ["running", "completed"])


def scan_value(scan: Any, **changes: Any) -> dict[str, Any]:
    value = {
        "id": "<scan>",
        "domain_id": "<domain>",
        "user_id": scan.user_id,
        "status": "pending",
        "total_score": None,
        "grade": None,
        "scoring_version": None,
        "weights_used": None,
        "started_at": None,
        "completed_at": None,
        "error_message": None,
        "created_at": o.NOW,
        "updated_at": o.NOW,
    }
    return {**value, **changes}


def _scan_names(scan: Any) -> dict[Any, str]:
    return {scan.id: "<scan>", scan.domain_id: "<domain>"}


def _status_after(path: list[str]) -> dict[str, Any]:
    """What a scan moved along `path` holds."""
    if not path:
        return {}
    if path == ["failed"]:
        return {"status": "failed", "completed_at": o.NOW, "error_message": "failed"}
    if path == ["running"]:
        return {"status": "running", "started_at": o.NOW}
    return {"status": "completed", "started_at": o.NOW, "completed_at": o.NOW, "total_score": 50}


@case("scans.start", st.fixed_dictionaries({"domain": ID_REF}))
async def start(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    domain = await rows.domain(db)
    ref = _ref(spec["domain"], domain.id)
    names = lambda scan: {scan.id: "<scan>", domain.id: "<domain>"}  # noqa: E731
    want = o.expect(lambda: _found(ref, domain.id, scan_value(domain)))
    got = await observe(lambda: db.scans.start(ref), names)
    rec.check("scans.start", spec, want, got)
    if got.ok:
        rec.check(
            "scans.start/get", spec, want, await observe(lambda: db.scans.get(got.value.id), names)
        )


@case("scans.get", st.fixed_dictionaries({"scan": ID_REF, "path": st.sampled_from(_STATUS_PATHS)}))
async def get(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    scan = await rows.scan(db, spec["path"])
    ref = _ref(spec["scan"], scan.id)
    want = o.expect(lambda: _found(ref, scan.id, scan_value(scan, **_status_after(spec["path"]))))
    rec.check("scans.get", spec, want, await observe(lambda: db.scans.get(ref), _scan_names(scan)))


_MODULE = st.fixed_dictionaries(
    {
        "module": st.sampled_from(("ssl_tls", "security_headers", "dns_email")),
        "status": st.sampled_from(("ok", "warn", "fail", "error")),
    },
    optional={
        "score": st.integers(0, 100),
        "confidence": st.sampled_from(("high", "low")),
        "platform": valid_texts(50),
        "raw": valid_json_objects(),
    },
)
_BAD_MODULE = st.fixed_dictionaries(
    {"module": st.one_of(texts(), st.just("SSL_TLS")), "status": st.sampled_from(("ok", "OK"))},
    optional={"score": ints(), "platform": texts(), "raw": json_objects()},
)
OUTCOME = spoiled(
    {
        "total_score": st.integers(0, 100),
        "path": st.sampled_from(_STATUS_PATHS),
        "scan": st.sampled_from(("str", "uuid")),
    },
    {
        "grade": valid_texts(3),
        "scoring_version": valid_texts(10),
        "weights_used": valid_json_objects(),
        "modules": st.lists(_MODULE, max_size=3, unique_by=lambda m: m["module"]),
    },
    {
        "total_score": ints(),
        "grade": texts(),
        "scoring_version": texts(),
        "weights_used": json_objects(),
        "modules": st.lists(_BAD_MODULE, min_size=1, max_size=2),
        "scan": ID_REF,
    },
)


def _module_value(fields: dict[str, Any]) -> dict[str, Any]:
    new = o.model(datasdk.NewScanModule, fields)
    return {
        "id": "<uuid>",
        "scan_id": "<scan>",
        "created_at": o.NOW,
        "updated_at": o.NOW,
        **new.model_dump(),
    }


@case("scans.complete", OUTCOME)
async def complete(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    scan = await rows.scan(db, spec["path"])
    ref = _ref(spec["scan"], scan.id)
    fields = {
        k: spec[k]
        for k in ("total_score", "grade", "scoring_version", "weights_used", "modules")
        if k in spec
    }
    names = _scan_names(scan)

    def expected() -> Any:
        o.json_field(fields.get("weights_used"))
        for module in fields.get("modules", []):
            o.json_field(module.get("raw"))
        new = o.model(datasdk.ScanOutcome, fields)
        if o.row_id(ref) != scan.id:
            raise o.Refused("NotFoundError")
        if spec["path"] != ["running"]:
            raise o.Refused("InvalidStateTransition")
        done = new.model_dump(exclude={"modules"})
        return scan_value(scan, status="completed", started_at=o.NOW, completed_at=o.NOW, **done)

    want = o.expect(expected)
    got = await observe(lambda: db.scans.complete(ref, datasdk.ScanOutcome(**fields)), names)
    rec.check("scans.complete", spec, want, got)
    if want.error is None:
        modules = [_module_value(m) for m in fields.get("modules", [])]
        page = o.expect(lambda: {"items": list(reversed(modules)), "next_cursor": None})
        rec.check(
            "scans.complete/modules",
            spec,
            page,
            await observe(lambda: db.scan_modules.list_for_scan(scan.id), names),
        )


@case(
    "scans.mark_running",
    st.fixed_dictionaries({"scan": ID_REF, "path": st.sampled_from(_STATUS_PATHS)}),
)
async def mark_running(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    scan = await rows.scan(db, spec["path"])
    ref = _ref(spec["scan"], scan.id)

    def expected() -> Any:
        _found(ref, scan.id, None)
        if spec["path"]:
            raise o.Refused("InvalidStateTransition")
        return scan_value(scan, status="running", started_at=o.NOW)

    rec.check(
        "scans.mark_running",
        spec,
        o.expect(expected),
        await observe(lambda: db.scans.mark_running(ref), _scan_names(scan)),
    )


@case(
    "scans.fail",
    spoiled(
        {
            "scan": st.sampled_from(("str", "uuid")),
            "path": st.sampled_from(_STATUS_PATHS),
            "message": valid_texts(10_000),
        },
        {},
        {"scan": ID_REF, "message": st.one_of(texts(), ints())},
    ),
)
async def fail(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    scan = await rows.scan(db, spec["path"])
    ref = _ref(spec["scan"], scan.id)
    message = spec["message"]

    def expected() -> Any:
        o.bounded_text(message, 1, 10_000, printable=False)
        _found(ref, scan.id, None)
        if spec["path"] not in ([], ["running"]):
            raise o.Refused("InvalidStateTransition")
        changes = {**_status_after(spec["path"]), "status": "failed", "completed_at": o.NOW}
        return scan_value(scan, **changes, error_message=message)

    rec.check(
        "scans.fail",
        spec,
        o.expect(expected),
        await observe(lambda: db.scans.fail(ref, message), _scan_names(scan)),
    )


_DAYS = spoiled(
    {"days": st.integers(1, o.MAX_DAYS) | st.just(o.MAX_DAYS)},
    {},
    {
        "days": st.one_of(
            ints(),
            st.integers(o.MAX_DAYS + 1, 2**63),
            st.sampled_from((o.MAX_DAYS + 1, 10**8, 2**31, 2**63)),
        )
    },
)


@case("scans.purge_older_than", _DAYS)
async def purge_scans(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    await rows.scan(db)
    # Every scan of this test is new: none is older than a day.
    rec.check(
        "scans.purge_older_than",
        spec,
        o.expect(lambda: o.days(spec["days"]) and 0),
        await observe(lambda: db.scans.purge_older_than(days=spec["days"])),
    )


@case("reports.purge_older_than", _DAYS)
async def purge_reports(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    scan = await rows.scan(db)
    await db.reports.create(scan.id, datasdk.NewReport(filename="r", s3_path="s3://b/r"))
    rec.check(
        "reports.purge_older_than",
        spec,
        o.expect(lambda: o.days(spec["days"]) and 0),
        await observe(lambda: db.reports.purge_older_than(days=spec["days"])),
    )


@case("scans.list_for_domain", page_spec(ID_REF))
async def list_for_domain(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    domain = await rows.domain(db)
    made = [await db.scans.start(domain.id) for _ in range(spec["rows"])]
    owner = domain.id if spec["owner"] == FRESH else _ref(spec["owner"], domain.id)
    await check_pages(
        rec,
        "scans.list_for_domain",
        spec,
        [scan_value(s) for s in made],
        owner,
        lambda: o.row_id(owner) == domain.id,
        lambda ref, limit, cursor: db.scans.list_for_domain(ref, limit=limit, cursor=cursor),
        lambda page: {domain.id: "<domain>", **{s.id: "<scan>" for s in page.items}},
    )


@case(
    "scan_modules.list_for_scan", page_spec(ID_REF).map(lambda s: {**s, "rows": min(s["rows"], 3)})
)
async def list_for_scan(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    scan = await rows.scan(db, ["running"])
    modules = [
        {"module": name, "status": "ok", "score": i}
        for i, name in enumerate(("ssl_tls", "security_headers", "dns_email")[: spec["rows"]])
    ]
    await db.scans.complete(scan.id, datasdk.ScanOutcome(total_score=1, modules=modules))
    owner = scan.id if spec["owner"] == FRESH else _ref(spec["owner"], scan.id)
    await check_pages(
        rec,
        "scan_modules.list_for_scan",
        spec,
        [_module_value(m) for m in modules],
        owner,
        lambda: o.row_id(owner) == scan.id,
        lambda ref, limit, cursor: db.scan_modules.list_for_scan(ref, limit=limit, cursor=cursor),
        _scan_names(scan),
    )
