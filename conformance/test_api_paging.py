"""Every list method pages the same way: a limit and an opaque cursor, newest first."""

from __future__ import annotations

import base64
import inspect
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from api_support import HASH, new_user

import datasdk
from datasdk import MAX_PAGE_SIZE, PAGE_SIZE, errors

ROWS = 7
MODULES = [
    datasdk.NewScanModule(module=name, status="ok")
    for name in ("ssl_tls", "security_headers", "dns_email")
]

ListCall = Callable[..., Awaitable[datasdk.Page[Any]]]


@dataclass
class Listing:
    call: ListCall
    # Ids in the order the rows were written; the listing returns them newest first.
    ids: list[uuid.UUID]
    # The time column the listing orders by (ties broken by id).
    at: str
    # Writes one more row, newer than every listed one; None where the rows are fixed.
    add: Callable[[], Awaitable[uuid.UUID]] | None = None


async def _history(db: datasdk.Database) -> Listing:
    user = await new_user(db)
    n = iter(range(1000))

    async def add() -> uuid.UUID:
        return (await db.wallets.credit(user.id, 1, idempotency_key=f"k{next(n)}")).id

    ids = [await add() for _ in range(ROWS)]
    return Listing(lambda **kw: db.wallets.history(user.id, **kw), ids, "created_at", add)


async def _jobs(db: datasdk.Database) -> Listing:
    user = await new_user(db)
    n = iter(range(1000))

    async def add() -> uuid.UUID:
        return (await db.scan_jobs.enqueue(user.id, f"https://j{next(n)}.example.com/")).id

    ids = [await add() for _ in range(ROWS)]
    return Listing(lambda **kw: db.scan_jobs.list_for_user(user.id, **kw), ids, "created_at", add)


async def _audit(db: datasdk.Database) -> Listing:
    job = await db.scan_jobs.enqueue(None, "https://audit.example.com/")
    n = iter(range(1000))

    async def add() -> uuid.UUID:
        entry = datasdk.NewAuditEntry(
            url_accessed=f"https://a{next(n)}.example/", content_hash=HASH
        )
        return (await db.audit_logs.append(job.id, entry)).id

    ids = [await add() for _ in range(ROWS)]
    return Listing(lambda **kw: db.audit_logs.list_for_job(job.id, **kw), ids, "timestamp", add)


async def _domains(db: datasdk.Database) -> Listing:
    user = await new_user(db)
    n = iter(range(1000))

    async def add() -> uuid.UUID:
        domain = datasdk.NewDomain(url=f"https://d{next(n)}.example.com", display_name="d")
        return (await db.domains.add(user.id, domain)).id

    ids = [await add() for _ in range(ROWS)]
    return Listing(lambda **kw: db.domains.list_for_user(user.id, **kw), ids, "created_at", add)


async def _scan_setup(db: datasdk.Database) -> tuple[datasdk.User, datasdk.Domain]:
    user = await new_user(db)
    domain = datasdk.NewDomain(url="https://scanned.example.com", display_name="s")
    return user, await db.domains.add(user.id, domain)


async def _scans(db: datasdk.Database) -> Listing:
    _, domain = await _scan_setup(db)

    async def add() -> uuid.UUID:
        return (await db.scans.start(domain.id)).id

    ids = [await add() for _ in range(ROWS)]
    return Listing(lambda **kw: db.scans.list_for_domain(domain.id, **kw), ids, "created_at", add)


async def _modules(db: datasdk.Database) -> Listing:
    _, domain = await _scan_setup(db)
    scan = await db.scans.start(domain.id)
    await db.scans.mark_running(scan.id)
    await db.scans.complete(scan.id, datasdk.ScanOutcome(total_score=80, modules=MODULES))
    # Written by one statement: one time, told apart by id.
    written = (await db.scan_modules.list_for_scan(scan.id)).items
    by_name = {m.module: m.id for m in written}
    ids = [by_name[m.module] for m in MODULES]
    return Listing(lambda **kw: db.scan_modules.list_for_scan(scan.id, **kw), ids, "created_at")


async def _reports(db: datasdk.Database) -> Listing:
    user, domain = await _scan_setup(db)
    scan = await db.scans.start(domain.id)
    n = iter(range(1000))

    async def add() -> uuid.UUID:
        report = datasdk.NewReport(filename=f"r{next(n)}.pdf", s3_path="s3://b/r")
        return (await db.reports.create(scan.id, report)).id

    ids = [await add() for _ in range(ROWS)]
    return Listing(lambda **kw: db.reports.list_for_user(user.id, **kw), ids, "generated_at", add)


def _error(user_id: str) -> datasdk.NewErrorLog:
    return datasdk.NewErrorLog(type="client_error", severity="info", message="m", user_id=user_id)


async def _error_logs(db: datasdk.Database) -> Listing:
    user = await new_user(db)

    async def add() -> uuid.UUID:
        entry = datasdk.NewErrorLog(
            type="client_error", severity="info", message="m", user_id=user.id
        )
        return (await db.error_logs.log(entry)).id

    ids = [await add() for _ in range(ROWS)]
    return Listing(lambda **kw: db.error_logs.query(user_id=user.id, **kw), ids, "created_at", add)


LISTINGS: dict[str, Callable[[datasdk.Database], Awaitable[Listing]]] = {
    "wallets.history": _history,
    "scan_jobs.list_for_user": _jobs,
    "audit_logs.list_for_job": _audit,
    "domains.list_for_user": _domains,
    "scans.list_for_domain": _scans,
    "scan_modules.list_for_scan": _modules,
    "reports.list_for_user": _reports,
    "error_logs.query": _error_logs,
}
LIST_METHODS = [name.split(".") for name in LISTINGS]


@pytest.fixture(params=sorted(LISTINGS))
async def listing(request: pytest.FixtureRequest, database: datasdk.Database) -> Listing:
    return await LISTINGS[request.param](database)


def _newest_first(items: list[Any], at: str) -> bool:
    keys = [(getattr(item, at), str(item.id)) for item in items]
    return keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)


async def test_pages_cover_every_row_once_newest_first(listing: Listing) -> None:
    limit = 2 if len(listing.ids) < 5 else 3
    seen: list[Any] = []
    cursor = None
    pages = 0
    while True:
        page = await listing.call(limit=limit, cursor=cursor)
        assert len(page.items) <= limit
        seen.extend(page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
        assert isinstance(cursor, str)
    assert [item.id for item in seen] == list(reversed(listing.ids))
    assert _newest_first(seen, listing.at)
    assert pages == -(-len(listing.ids) // limit)
    whole = await listing.call()
    assert ([item.id for item in whole.items], whole.next_cursor) == ([i.id for i in seen], None)


async def test_a_row_written_between_pages_does_not_shift_them(listing: Listing) -> None:
    if listing.add is None:
        return  # a scan's modules are written once, all together
    first = await listing.call(limit=3)
    await listing.add()
    second = await listing.call(limit=3, cursor=first.next_cursor)
    assert [item.id for item in second.items] == list(reversed(listing.ids))[3:6]


async def test_limits_are_bounded(listing: Listing) -> None:
    assert len((await listing.call(limit=MAX_PAGE_SIZE)).items) == len(listing.ids)
    for bad in (0, -1, MAX_PAGE_SIZE + 1, True, 2.5, "3"):
        with pytest.raises(errors.ValidationError) as caught:
            await listing.call(limit=bad)
        assert caught.value.field == "limit"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BAD_CURSORS = [
    "not-a-cursor",
    "",
    "!!!",
    _b64(b"[1, 2]"),
    _b64(b'["2026-01-01T00:00:00", "01890000-0000-7000-8000-000000000000"]'),  # naive time
    _b64(b'["2026-01-01T00:00:00+00:00", "not-a-uuid"]'),
    _b64(b'{"at": 1}'),
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
async def test_a_bad_cursor_is_refused(listing: Listing, cursor: str) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        await listing.call(cursor=cursor)
    assert caught.value.field == "cursor"


async def test_the_default_page_is_bounded(database: datasdk.Database) -> None:
    user = await new_user(database)
    async with database.transaction() as tx:
        for _ in range(PAGE_SIZE + 1):
            await tx.error_logs.log(
                datasdk.NewErrorLog(
                    type="client_error", severity="info", message="m", user_id=user.id
                )
            )
    page = await database.error_logs.query(user_id=user.id)
    assert len(page.items) == PAGE_SIZE
    rest = await database.error_logs.query(user_id=user.id, cursor=page.next_cursor)
    assert (len(rest.items), rest.next_cursor) == (1, None)


@pytest.mark.parametrize(("repository", "method"), LIST_METHODS)
def test_every_list_method_takes_the_same_paging_arguments(
    database: datasdk.Database, repository: str, method: str
) -> None:
    parameters = inspect.signature(getattr(getattr(database, repository), method)).parameters
    assert parameters["limit"].default == PAGE_SIZE
    assert parameters["cursor"].default is None
    assert parameters["limit"].kind is parameters["cursor"].kind is inspect.Parameter.KEYWORD_ONLY
