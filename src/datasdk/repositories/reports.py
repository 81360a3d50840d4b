"""reports and error_logs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select

from datasdk.models import (
    PAGE_SIZE,
    ErrorLog,
    ErrorType,
    NewErrorLog,
    NewReport,
    Page,
    Report,
    Scan,
    Severity,
)
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
from datasdk.schema.tables import error_logs, reports, scans
from datasdk.schema.types import utc_now
from datasdk.validation import arguments as check

REPORT_RETENTION_DAYS = 365


def user_reports(user_id: str, page: PageRequest) -> Select[Any]:
    statement = select(reports).where(reports.c.user_id == user_id)
    return keyset(statement, reports.c.generated_at, page)


class SqlReports:
    def __init__(self, units: Units) -> None:
        self._units = units

    async def create(self, scan_id: uuid.UUID | str, report: NewReport) -> Report:
        """A report of a scan, owned by the scan's user."""
        scan_id = check.row_id(scan_id, "scan_id")
        check.instance(report, NewReport, "report")
        async with self._units.write() as tx:
            scan = await fetch_one(tx, by_id(scans, scan_id), Scan, f"scan {scan_id}")
            return await insert_one(
                tx,
                reports,
                Report,
                scan_id=scan.id,
                user_id=scan.user_id,
                **report.model_dump(exclude_none=True),
            )

    async def list_for_user(
        self, user_id: str, *, limit: int = PAGE_SIZE, cursor: str | None = None
    ) -> Page[Report]:
        """The user's reports, newest generated first."""
        user_id = check.user_id(user_id)
        page = page_request(limit, cursor)
        async with self._units.read() as tx:
            return await fetch_page(tx, user_reports(user_id, page), Report, page)

    async def purge_older_than(self, *, days: int = REPORT_RETENTION_DAYS) -> int:
        """Delete reports generated more than `days` ago; returns how many."""
        days = check.days(days)
        statement = delete(reports).where(reports.c.generated_at < utc_now(days=-days))
        async with self._units.write() as tx:
            return (await tx.execute(statement)).rowcount


class SqlErrorLogs:
    def __init__(self, units: Units) -> None:
        self._units = units

    async def log(self, entry: NewErrorLog) -> ErrorLog:
        """Record an error; credential-like keys in `context` are stored redacted."""
        check.instance(entry, NewErrorLog, "entry")
        async with self._units.write() as tx:
            return await insert_one(tx, error_logs, ErrorLog, **entry.model_dump(exclude_none=True))

    async def query(
        self,
        *,
        type: ErrorType | str | None = None,
        severity: Severity | str | None = None,
        user_id: str | None = None,
        since: datetime | None = None,
        limit: int = PAGE_SIZE,
        cursor: str | None = None,
    ) -> Page[ErrorLog]:
        """Newest first, filtered by whichever arguments are given."""
        page = page_request(limit, cursor)
        statement = select(error_logs)
        if type is not None:
            statement = statement.where(error_logs.c.type == check.member(ErrorType, type, "type"))
        if severity is not None:
            statement = statement.where(
                error_logs.c.severity == check.member(Severity, severity, "severity")
            )
        if user_id is not None:
            statement = statement.where(error_logs.c.user_id == check.user_id(user_id))
        if since is not None:
            statement = statement.where(error_logs.c.created_at >= check.aware(since, "since"))
        async with self._units.read() as tx:
            return await fetch_page(
                tx, keyset(statement, error_logs.c.created_at, page), ErrorLog, page
            )
