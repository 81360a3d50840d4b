"""scan_results and audit_logs: what a job found, and the append-only trail of what it fetched."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select

from datasdk.models import PAGE_SIZE, AuditEntry, NewAuditEntry, NewScanResult, Page, ScanResult
from datasdk.repositories._sql import (
    PageRequest,
    fetch_one,
    fetch_page,
    insert_one,
    keyset,
    page_request,
)
from datasdk.repositories._unit import Units
from datasdk.schema.tables import audit_logs, scan_results
from datasdk.validation import arguments as check


def audit_for_job(job_id: uuid.UUID, page: PageRequest) -> Select[Any]:
    statement = select(audit_logs).where(audit_logs.c.scan_job_id == job_id)
    return keyset(statement, audit_logs.c.timestamp, page)


class SqlScanResults:
    def __init__(self, units: Units) -> None:
        self._units = units

    async def record(self, job_id: uuid.UUID | str, result: NewScanResult) -> ScanResult:
        """The job's one result; a second one for the same job is a UniqueViolation."""
        job_id = check.row_id(job_id, "job_id")
        values = check.instance(result, NewScanResult, "result").model_dump(exclude_none=True)
        async with self._units.write() as tx:
            return await insert_one(tx, scan_results, ScanResult, job_id=job_id, **values)

    async def get(self, job_id: uuid.UUID | str) -> ScanResult:
        job_id = check.row_id(job_id, "job_id")
        async with self._units.read() as tx:
            statement = select(scan_results).where(scan_results.c.job_id == job_id)
            return await fetch_one(tx, statement, ScanResult, f"the result of job {job_id}")


class SqlAuditLogs:
    """Append and read; the table refuses UPDATE and DELETE, so no method offers them."""

    def __init__(self, units: Units) -> None:
        self._units = units

    async def append(self, job_id: uuid.UUID | str, entry: NewAuditEntry) -> AuditEntry:
        job_id = check.row_id(job_id, "job_id")
        values = check.instance(entry, NewAuditEntry, "entry").model_dump(exclude_none=True)
        async with self._units.write() as tx:
            return await insert_one(tx, audit_logs, AuditEntry, scan_job_id=job_id, **values)

    async def list_for_job(
        self, job_id: uuid.UUID | str, *, limit: int = PAGE_SIZE, cursor: str | None = None
    ) -> Page[AuditEntry]:
        """The job's trail, newest first."""
        job_id = check.row_id(job_id, "job_id")
        page = page_request(limit, cursor)
        async with self._units.read() as tx:
            return await fetch_page(tx, audit_for_job(job_id, page), AuditEntry, page)
