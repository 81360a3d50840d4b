"""reports and error_logs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select

from datasdk.errors import ValidationError
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
    as_uuid,
    by_id,
    fetch_one,
    fetch_page,
    insert_one,
    keyset,
    member,
    page_request,
)
from datasdk.repositories._unit import Units
from datasdk.repositories.scans import _positive_days
from datasdk.schema.tables import error_logs, reports, scans
from datasdk.schema.types import utc_now

REPORT_RETENTION_DAYS = 365


def user_reports(user_id: str, page: PageRequest) -> Select[Any]:
    statement = select(reports).where(reports.c.user_id == user_id)
    return keyset(statement, reports.c.generated_at, page)


class SqlReports:
    def __init__(self, units: Units) -> None:
        self._units = units

    async def create(self, scan_id: uuid.UUID | str, report: NewReport) -> Report:
        """A report of a scan, owned by the scan's user."""
        scan_id = as_uuid(scan_id, "scan_id")
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
        page = page_request(limit, cursor)
        async with self._units.read() as tx:
            return await fetch_page(tx, user_reports(user_id, page), Report, page)

    async def purge_older_than(self, *, days: int = REPORT_RETENTION_DAYS) -> int:
        """Delete reports generated more than `days` ago; returns how many."""
        _positive_days(days)
        statement = delete(reports).where(reports.c.generated_at < utc_now(days=-days))
        async with self._units.write() as tx:
            return (await tx.execute(statement)).rowcount


class SqlErrorLogs:
    def __init__(self, units: Units) -> None:
        self._units = units

    async def log(self, entry: NewErrorLog) -> ErrorLog:
        """Record an error; credential-like keys in `context` are stored redacted."""
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
            statement = statement.where(error_logs.c.type == member(ErrorType, type, "type"))
        if severity is not None:
            statement = statement.where(
                error_logs.c.severity == member(Severity, severity, "severity")
            )
        if user_id is not None:
            statement = statement.where(error_logs.c.user_id == user_id)
        if since is not None:
            if since.tzinfo is None:
                raise ValidationError("since: must be timezone-aware", field="since")
            statement = statement.where(error_logs.c.created_at >= since)
        async with self._units.read() as tx:
            return await fetch_page(
                tx, keyset(statement, error_logs.c.created_at, page), ErrorLog, page
            )
