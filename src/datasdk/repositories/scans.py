"""scans and scan_modules: monitoring scans of a domain and their per-module findings."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, delete, exists, insert, or_, select, update

from datasdk.errors import InvalidStateTransition
from datasdk.ids import new_id
from datasdk.models import PAGE_SIZE, Domain, Page, Scan, ScanModule, ScanOutcome, ScanStatus
from datasdk.repositories._sql import (
    PageRequest,
    by_id,
    fetch_one,
    fetch_page,
    insert_one,
    keyset,
    page_request,
)
from datasdk.repositories._unit import Units
from datasdk.schema.enums import SCAN_TRANSITIONS
from datasdk.schema.tables import domains, reports, scan_modules, scans
from datasdk.schema.types import utc_now
from datasdk.validation import arguments as check

if TYPE_CHECKING:
    from datasdk.database import Transaction

SCAN_RETENTION_DAYS = 90


def domain_scans(domain_id: uuid.UUID, page: PageRequest) -> Select[Any]:
    statement = select(scans).where(scans.c.domain_id == domain_id)
    return keyset(statement, scans.c.created_at, page)


def scan_module_page(scan_id: uuid.UUID, page: PageRequest) -> Select[Any]:
    statement = select(scan_modules).where(scan_modules.c.scan_id == scan_id)
    return keyset(statement, scan_modules.c.created_at, page)


class SqlScans:
    def __init__(self, units: Units) -> None:
        self._units = units

    async def start(self, domain_id: uuid.UUID | str) -> Scan:
        """A pending scan of the domain, owned by the domain's user."""
        domain_id = check.row_id(domain_id, "domain_id")
        async with self._units.write() as tx:
            domain = await fetch_one(tx, by_id(domains, domain_id), Domain, f"domain {domain_id}")
            return await insert_one(tx, scans, Scan, domain_id=domain.id, user_id=domain.user_id)

    async def get(self, scan_id: uuid.UUID | str) -> Scan:
        scan_id = check.row_id(scan_id, "scan_id")
        async with self._units.read() as tx:
            return await fetch_one(tx, by_id(scans, scan_id), Scan, f"scan {scan_id}")

    async def list_for_domain(
        self, domain_id: uuid.UUID | str, *, limit: int = PAGE_SIZE, cursor: str | None = None
    ) -> Page[Scan]:
        """The domain's scans, newest first."""
        domain_id = check.row_id(domain_id, "domain_id")
        page = page_request(limit, cursor)
        async with self._units.read() as tx:
            return await fetch_page(tx, domain_scans(domain_id, page), Scan, page)

    async def mark_running(self, scan_id: uuid.UUID | str) -> Scan:
        scan_id = check.row_id(scan_id, "scan_id")
        async with self._units.write() as tx:
            scan = await _moving(tx, scan_id, ScanStatus.RUNNING)
            await _set(tx, scan.id, status=ScanStatus.RUNNING, started_at=utc_now())
            return await fetch_one(tx, by_id(scans, scan.id), Scan, f"scan {scan.id}")

    async def complete(self, scan_id: uuid.UUID | str, outcome: ScanOutcome) -> Scan:
        """Record the modules, finish the scan and update its domain's last scan, as one unit:
        if any part fails, none of it is written."""
        scan_id = check.row_id(scan_id, "scan_id")
        check.instance(outcome, ScanOutcome, "outcome")
        async with self._units.write() as tx:
            scan = await _moving(tx, scan_id, ScanStatus.COMPLETED)
            if outcome.modules:
                await tx.execute(
                    insert(scan_modules).values(
                        [
                            {
                                "id": new_id(),
                                "scan_id": scan.id,
                                # Every column, so that one row's missing optional
                                # field cannot shape the others (a multi-row VALUES
                                # takes its columns from the first row).
                                **module.model_dump(),
                            }
                            for module in outcome.modules
                        ]
                    )
                )
            fields = outcome.model_dump(exclude_none=True, exclude={"modules"})
            await _set(tx, scan.id, status=ScanStatus.COMPLETED, completed_at=utc_now(), **fields)
            done = await fetch_one(tx, by_id(scans, scan.id), Scan, f"scan {scan.id}")
            # A scan that finishes after a newer one does not overwrite the newer result.
            await tx.execute(
                update(domains)
                .where(
                    domains.c.id == scan.domain_id,
                    or_(
                        domains.c.last_scan_at.is_(None),
                        domains.c.last_scan_at <= done.completed_at,
                    ),
                )
                .values(last_scan_at=done.completed_at, last_scan_score=done.total_score)
            )
            return done

    async def fail(self, scan_id: uuid.UUID | str, error_message: str) -> Scan:
        scan_id = check.row_id(scan_id, "scan_id")
        error_message = check.text(error_message, "error_message", max_length=10_000)
        async with self._units.write() as tx:
            scan = await _moving(tx, scan_id, ScanStatus.FAILED)
            await _set(
                tx,
                scan.id,
                status=ScanStatus.FAILED,
                completed_at=utc_now(),
                error_message=error_message,
            )
            return await fetch_one(tx, by_id(scans, scan.id), Scan, f"scan {scan.id}")

    async def purge_older_than(self, *, days: int = SCAN_RETENTION_DAYS) -> int:
        """Delete scans (and their modules) created more than `days` ago; returns how many.

        A scan that still has a report is kept until the report's own retention removes
        it: deleting the scan would cascade to a report younger than a year.
        """
        days = check.days(days)
        has_report = exists().where(reports.c.scan_id == scans.c.id)
        statement = delete(scans).where(scans.c.created_at < utc_now(days=-days), ~has_report)
        async with self._units.write() as tx:
            return (await tx.execute(statement)).rowcount


class SqlScanModules:
    def __init__(self, units: Units) -> None:
        self._units = units

    async def list_for_scan(
        self, scan_id: uuid.UUID | str, *, limit: int = PAGE_SIZE, cursor: str | None = None
    ) -> Page[ScanModule]:
        """The scan's module findings, newest first."""
        scan_id = check.row_id(scan_id, "scan_id")
        page = page_request(limit, cursor)
        async with self._units.read() as tx:
            return await fetch_page(tx, scan_module_page(scan_id, page), ScanModule, page)


async def _moving(tx: Transaction, scan_id: uuid.UUID, target: ScanStatus) -> Scan:
    """The scan, locked, if the status machine lets it move to `target`."""
    scan = await fetch_one(tx, by_id(scans, scan_id, lock=True), Scan, f"scan {scan_id}")
    if (scan.status, target) not in SCAN_TRANSITIONS:
        raise InvalidStateTransition(
            f"scans may not move from {scan.status} to {target}",
            table="scans",
            rule="scan_status_machine",
        )
    return scan


async def _set(tx: Transaction, scan_id: uuid.UUID, **values: Any) -> None:
    await tx.execute(update(scans).where(scans.c.id == scan_id).values(**values))
