"""domains, scans, scan_modules, reports and error_logs through the repositories."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from api_support import new_user, outcomes, race
from sqlalchemy import insert, update

import datasdk
from datasdk import ScanStatus, errors
from datasdk.schema import DOMAIN_LIMIT
from datasdk.schema.tables import domains, reports, scan_modules, scans

MODULES = [
    datasdk.NewScanModule(module="ssl_tls", status="ok", score=90),
    datasdk.NewScanModule(module="security_headers", status="warn", score=55, raw={"csp": None}),
]


async def _domain(db: datasdk.Database, user_id: str, n: int = 0) -> datasdk.Domain:
    return await db.domains.add(
        user_id, datasdk.NewDomain(url=f"https://site{n}.example.com", display_name=f"Site {n}")
    )


async def _scored(db: datasdk.Database, domain: datasdk.Domain, score: int) -> datasdk.Scan:
    scan = await db.scans.start(domain.id)
    await db.scans.mark_running(scan.id)
    return await db.scans.complete(scan.id, datasdk.ScanOutcome(total_score=score, modules=MODULES))


async def test_domains_are_https_origins(database: datasdk.Database) -> None:
    user = await new_user(database)
    domain = await database.domains.add(
        user.id, datasdk.NewDomain(url="HTTPS://Example.COM/", display_name="Example")
    )
    assert domain.url == "https://example.com"
    assert domain.is_active
    for url in ("http://example.com", "https://example.com/path", "https://10.0.0.1"):
        with pytest.raises(errors.ValidationError) as caught:
            datasdk.NewDomain(url=url, display_name="x")
        assert caught.value.field == "url"
    with pytest.raises(errors.UniqueViolation) as dup:
        await database.domains.add(
            user.id, datasdk.NewDomain(url="https://example.com", display_name="Again")
        )
    assert dup.value.constraint == "uq_domains_user_id_url"


async def test_the_eleventh_domain_is_refused(database: datasdk.Database) -> None:
    user = await new_user(database)
    for n in range(DOMAIN_LIMIT):
        await _domain(database, user.id, n)
    with pytest.raises(errors.DomainLimitExceeded) as caught:
        await _domain(database, user.id, 99)
    assert (caught.value.rule, caught.value.table) == ("domain_limit", "domains")


async def test_racing_adds_stop_at_the_limit(database: datasdk.Database) -> None:
    user = await new_user(database)
    ok, failed = outcomes(await race(25, lambda n: _domain(database, user.id, n)))
    assert len(ok) == DOMAIN_LIMIT
    assert all(isinstance(e, errors.DomainLimitExceeded) for e in failed), failed
    assert len((await database.domains.list_for_user(user.id)).items) == DOMAIN_LIMIT


async def test_deactivate_and_remove(database: datasdk.Database) -> None:
    user = await new_user(database)
    kept, paused, gone = [await _domain(database, user.id, n) for n in range(3)]
    assert not (await database.domains.deactivate(paused.id)).is_active
    scan = await database.scans.start(gone.id)
    await database.domains.remove(gone.id)
    assert [d.id for d in (await database.domains.list_for_user(user.id)).items] == [kept.id]
    listed = await database.domains.list_for_user(user.id, include_inactive=True)
    assert [d.id for d in listed.items] == [paused.id, kept.id]
    with pytest.raises(errors.NotFoundError):
        await database.scans.get(scan.id)
    with pytest.raises(errors.NotFoundError):
        await database.domains.remove(gone.id)


async def test_dashboard_in_one_query(database: datasdk.Database) -> None:
    user = await new_user(database)
    empty = await database.domains.dashboard(user.id)
    assert (empty.total_domains, empty.avg_score, empty.critical_issues) == (0, None, 0)
    a, b, c, d, inactive = [await _domain(database, user.id, n) for n in range(5)]
    await _scored(database, a, 90)
    await _scored(database, b, 59)
    await _scored(database, c, 60)
    await _scored(database, inactive, 10)
    await database.domains.deactivate(inactive.id)
    board = await database.domains.dashboard(user.id)
    assert board.total_domains == 4
    assert board.avg_score == 70  # (90 + 59 + 60) / 3 = 69.67, half up
    assert board.critical_issues == 1
    assert board.last_scan_at == (await database.domains.get(c.id)).last_scan_at
    assert (await database.domains.get(d.id)).last_scan_at is None


async def test_dashboard_rounds_half_up(database: datasdk.Database) -> None:
    user = await new_user(database)
    a, b = [await _domain(database, user.id, n) for n in range(2)]
    await _scored(database, a, 70)
    await _scored(database, b, 71)
    assert (await database.domains.dashboard(user.id)).avg_score == 71


async def test_scan_life_cycle(database: datasdk.Database) -> None:
    user = await new_user(database)
    domain = await _domain(database, user.id)
    scan = await database.scans.start(domain.id)
    assert (scan.status, scan.user_id, scan.started_at) == (ScanStatus.PENDING, user.id, None)
    running = await database.scans.mark_running(scan.id)
    assert running.status == ScanStatus.RUNNING
    assert running.started_at is not None
    done = await database.scans.complete(
        scan.id, datasdk.ScanOutcome(total_score=77, grade="B", modules=MODULES)
    )
    assert (done.status, done.total_score, done.grade) == (ScanStatus.COMPLETED, 77, "B")
    modules = {m.module: m for m in (await database.scan_modules.list_for_scan(scan.id)).items}
    assert sorted(modules) == ["security_headers", "ssl_tls"]
    assert modules["security_headers"].raw == {"csp": None}
    refreshed = await database.domains.get(domain.id)
    assert (refreshed.last_scan_at, refreshed.last_scan_score) == (done.completed_at, 77)
    with pytest.raises(errors.InvalidStateTransition) as caught:
        await database.scans.fail(scan.id, "too late")
    assert caught.value.rule == "scan_status_machine"
    assert [s.id for s in (await database.scans.list_for_domain(domain.id)).items] == [scan.id]


async def test_fail_from_pending_or_running(database: datasdk.Database) -> None:
    user = await new_user(database)
    domain = await _domain(database, user.id)
    pending = await database.scans.start(domain.id)
    failed = await database.scans.fail(pending.id, "dns timeout")
    assert (failed.status, failed.error_message) == (ScanStatus.FAILED, "dns timeout")
    with pytest.raises(errors.InvalidStateTransition):
        await database.scans.complete(pending.id, datasdk.ScanOutcome(total_score=1))


async def test_complete_writes_all_or_nothing(database: datasdk.Database) -> None:
    user = await new_user(database)
    domain = await _domain(database, user.id)
    scan = await database.scans.start(domain.id)
    await database.scans.mark_running(scan.id)
    # A module row that is already there makes the module insert fail part-way.
    await database.execute(
        insert(scan_modules).values(
            id=uuid.uuid4(), scan_id=scan.id, module="security_headers", status="ok"
        )
    )
    with pytest.raises(errors.UniqueViolation):
        await database.scans.complete(scan.id, datasdk.ScanOutcome(total_score=50, modules=MODULES))
    assert (await database.scans.get(scan.id)).status == ScanStatus.RUNNING
    assert len((await database.scan_modules.list_for_scan(scan.id)).items) == 1
    assert (await database.domains.get(domain.id)).last_scan_at is None


async def test_an_older_scan_finishing_late_keeps_the_newer_result(
    database: datasdk.Database,
) -> None:
    user = await new_user(database)
    domain = await _domain(database, user.id)
    older = await database.scans.start(domain.id)
    await database.scans.mark_running(older.id)
    await _scored(database, domain, 80)
    # The newer result is stamped ahead of anything the late scan can finish at.
    ahead = datetime.now(UTC) + timedelta(days=1)
    await _backdate(database, domains, domain.id, "last_scan_at", -1)
    await database.scans.complete(older.id, datasdk.ScanOutcome(total_score=10))
    after = await database.domains.get(domain.id)
    assert after.last_scan_score == 80
    assert after.last_scan_at is not None
    assert after.last_scan_at > ahead - timedelta(minutes=1)


async def _backdate(
    db: datasdk.Database, table: object, row_id: uuid.UUID, column: str, days: int
) -> None:
    when = datetime.now(UTC) - timedelta(days=days)
    async with db.transaction() as tx:
        await tx.execute(
            update(table).where(table.c.id == row_id).values({column: when})  # type: ignore[attr-defined]
        )


async def test_retention_purges_old_scans_and_reports(database: datasdk.Database) -> None:
    user = await new_user(database)
    domain = await _domain(database, user.id)
    old, recent, reported = [await database.scans.start(domain.id) for _ in range(3)]
    for scan in (old, reported):
        await _backdate(database, scans, scan.id, "created_at", 91)
    report = await database.reports.create(
        reported.id, datasdk.NewReport(filename="r.pdf", s3_path="s3://b/r.pdf", file_size=10)
    )
    assert await database.scans.purge_older_than() == 1
    remaining = {s.id for s in (await database.scans.list_for_domain(domain.id)).items}
    # A scan with a report younger than a year stays with it.
    assert remaining == {recent.id, reported.id}
    assert await database.reports.purge_older_than() == 0
    await _backdate(database, reports, report.id, "generated_at", 366)
    assert await database.reports.purge_older_than() == 1
    assert (await database.reports.list_for_user(user.id)).items == []
    assert await database.scans.purge_older_than(days=90) == 1
    with pytest.raises(errors.ValidationError):
        await database.scans.purge_older_than(days=0)


async def test_reports_belong_to_the_scans_user(database: datasdk.Database) -> None:
    user = await new_user(database)
    scan = await database.scans.start((await _domain(database, user.id)).id)
    first = await database.reports.create(
        scan.id, datasdk.NewReport(filename="a.pdf", s3_path="s3://b/a")
    )
    second = await database.reports.create(
        scan.id, datasdk.NewReport(filename="b.pdf", s3_path="s3://b/b")
    )
    assert first.user_id == user.id
    listed = await database.reports.list_for_user(user.id)
    assert {r.id for r in listed.items} == {first.id, second.id}
    with pytest.raises(errors.NotFoundError):
        await database.reports.create(
            uuid.uuid4(), datasdk.NewReport(filename="c", s3_path="s3://c")
        )


async def test_error_logs_redact_and_query(database: datasdk.Database) -> None:
    user = await new_user(database)
    logged = await database.error_logs.log(
        datasdk.NewErrorLog(
            type="client_error",
            severity="warning",
            message="upstream refused",
            context={"request": {"Authorization": "Bearer abc", "path": "/x"}, "api_key": "k"},
            user_id=user.id,
            url="https://admin:pw@example.com/login?next=/&password=hunter2",
            ip="203.0.113.7",
        )
    )
    assert logged.context == {
        "request": {"Authorization": "[redacted]", "path": "/x"},
        "api_key": "[redacted]",
    }
    assert logged.url == "https://example.com/login?next=/&password=REDACTED"
    assert logged.ip == ipaddress.ip_address("203.0.113.7")
    await database.error_logs.log(
        datasdk.NewErrorLog(type="scanner_error", severity="error", message="boom")
    )
    assert [e.id for e in (await database.error_logs.query(user_id=user.id)).items] == [logged.id]
    assert len((await database.error_logs.query(type="scanner_error")).items) == 1
    assert len((await database.error_logs.query()).items) == 2
    with pytest.raises(errors.ValidationError) as caught:
        await database.error_logs.query(severity="loud")
    assert caught.value.field == "severity"
