"""Cases for domains, scans and scan modules."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

import datasdk
from datasdk.schema import DOMAIN_LIMIT
from differential import oracle as o
from differential import rows
from differential.cases_jobs import FRESH, ID_REF, _found, _ref
from differential.paging import check_pages, page_spec
from differential.runner import Recorder, case, observe
from differential.values import (
    spoiled,
    texts,
    urls_any,
    user_ids_any,
    valid_texts,
)

_DOMAIN_URLS = st.sampled_from(
    (
        "https://example.com",
        "HTTPS://EXAMPLE.COM:443",
        "https://bücher.example",
        "https://8.8.8.8",
        "https://[2001:4860:4860::8888]",
        "https://x.example:8443",
        "https://" + "a" * 63 + ".example",
    )
)


def domain_value(fields: dict[str, Any], uid: str, **changes: Any) -> dict[str, Any]:
    new = o.model(datasdk.NewDomain, fields)
    value = {
        "id": "<domain>",
        "user_id": uid,
        "last_scan_at": None,
        "last_scan_score": None,
        "is_active": True,
        "created_at": o.NOW,
        "updated_at": o.NOW,
        **new.model_dump(),
    }
    return {**value, **changes}


def _domain_names(domain: Any) -> dict[Any, str]:
    return {domain.id: "<domain>"}


@case(
    "domains.add",
    spoiled(
        {
            "user": st.just(FRESH),
            "url": _DOMAIN_URLS,
            "display_name": valid_texts(255),
            "prefill": st.sampled_from((0,) * 9 + (10,)),
        },
        {"email_mode": st.sampled_from(("expected", "none")), "dkim_selector": valid_texts(50)},
        {
            "user": user_ids_any(),
            "url": urls_any(),
            "display_name": texts(),
            "email_mode": st.one_of(texts(), st.just("NONE")),
            "dkim_selector": texts(),
        },
    ),
)
async def add(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    uid = await rows.user(db)
    for _ in range(spec["prefill"]):
        await rows.domain(db, uid)
    user = uid if spec["user"] == FRESH else spec["user"]
    fields = {
        k: spec[k] for k in ("url", "display_name", "email_mode", "dkim_selector") if k in spec
    }

    def expected() -> Any:
        value = domain_value(fields, uid)
        if o.user_id(user) != uid:
            raise o.Refused("NotFoundError")
        if spec["prefill"] >= DOMAIN_LIMIT:
            raise o.Refused("DomainLimitExceeded")
        return value

    want = o.expect(expected)
    got = await observe(lambda: db.domains.add(user, datasdk.NewDomain(**fields)), _domain_names)
    rec.check("domains.add", spec, want, got)
    if got.ok:
        rec.check(
            "domains.add/get",
            spec,
            want,
            await observe(lambda: db.domains.get(got.value.id), _domain_names),
        )


_PLAIN = {"url": "https://example.com", "display_name": "d"}


async def _plain_domain(db: datasdk.Database) -> tuple[Any, str]:
    uid = await rows.user(db)
    return await db.domains.add(uid, datasdk.NewDomain(**_PLAIN)), uid


@case("domains.get", st.fixed_dictionaries({"domain": ID_REF}))
async def get(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    domain, uid = await _plain_domain(db)
    ref = _ref(spec["domain"], domain.id)
    want = o.expect(lambda: _found(ref, domain.id, domain_value(_PLAIN, uid)))
    rec.check(
        "domains.get", spec, want, await observe(lambda: db.domains.get(ref), _domain_names(domain))
    )


@case("domains.deactivate", st.fixed_dictionaries({"domain": ID_REF}))
async def deactivate(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    domain, uid = await _plain_domain(db)
    ref = _ref(spec["domain"], domain.id)
    names = _domain_names(domain)
    want = o.expect(lambda: _found(ref, domain.id, domain_value(_PLAIN, uid, is_active=False)))
    rec.check(
        "domains.deactivate", spec, want, await observe(lambda: db.domains.deactivate(ref), names)
    )
    after = domain_value(_PLAIN, uid, is_active=want.error is not None)
    rec.check(
        "domains.deactivate/get",
        spec,
        o.expect(lambda: after),
        await observe(lambda: db.domains.get(domain.id), names),
    )


@case("domains.remove", st.fixed_dictionaries({"domain": ID_REF}))
async def remove(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    domain, uid = await _plain_domain(db)
    await db.scans.start(domain.id)
    ref = _ref(spec["domain"], domain.id)
    names = _domain_names(domain)
    want = o.expect(lambda: _found(ref, domain.id, None))
    rec.check("domains.remove", spec, want, await observe(lambda: db.domains.remove(ref), names))
    gone = want.error is None
    after = o.expect(
        lambda: _found(domain.id, None if gone else domain.id, domain_value(_PLAIN, uid))
    )
    rec.check(
        "domains.remove/get", spec, after, await observe(lambda: db.domains.get(domain.id), names)
    )


_INCLUDE = st.one_of(st.booleans(), st.sampled_from((1, 0, "yes", None)))


@case(
    "domains.list_for_user",
    page_spec(user_ids_any()).flatmap(
        lambda s: _INCLUDE.map(lambda i: {**s, "include_inactive": i})
    ),
)
async def list_for_user(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    uid = await rows.user(db)
    made = []
    for i in range(spec["rows"]):
        fields = {"url": f"https://d{i}.example", "display_name": f"d{i}"}
        domain = await db.domains.add(uid, datasdk.NewDomain(**fields))
        inactive = i == 0
        if inactive:
            await db.domains.deactivate(domain.id)
        made.append((inactive, domain_value(fields, uid, is_active=not inactive)))
    include = spec["include_inactive"]
    owner = uid if spec["owner"] == FRESH else spec["owner"]
    expected = [value for inactive, value in made if include is True or not inactive]

    def owner_ok() -> bool:
        if not isinstance(include, bool):
            raise o.invalid()
        return o.user_id(owner) == uid

    await check_pages(
        rec,
        "domains.list_for_user",
        spec,
        expected,
        owner,
        owner_ok,
        lambda who, limit, cursor: db.domains.list_for_user(
            who, include_inactive=include, limit=limit, cursor=cursor
        ),
        lambda page: {item.id: "<domain>" for item in page.items},
    )


@case(
    "domains.dashboard",
    spoiled(
        {
            "user": st.just(FRESH),
            "scores": st.lists(st.one_of(st.none(), st.integers(0, 100)), max_size=3),
        },
        {},
        {"user": user_ids_any()},
    ),
)
async def dashboard(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    uid = await rows.user(db)
    for score in spec["scores"]:
        domain = await rows.domain(db, uid)
        if score is not None:
            scan = await db.scans.mark_running((await db.scans.start(domain.id)).id)
            await db.scans.complete(scan.id, datasdk.ScanOutcome(total_score=score))
    user = uid if spec["user"] == FRESH else spec["user"]

    def expected() -> Any:
        scores = [s for s in spec["scores"] if s is not None] if o.user_id(user) == uid else []
        total = len(spec["scores"]) if user == uid else 0
        average = (2 * sum(scores) + len(scores)) // (2 * len(scores)) if scores else None
        return {
            "total_domains": total,
            "avg_score": average,
            "critical_issues": sum(s < 60 for s in scores),
            "last_scan_at": o.NOW if scores else None,
        }

    rec.check(
        "domains.dashboard",
        spec,
        o.expect(expected),
        await observe(lambda: db.domains.dashboard(user)),
    )
