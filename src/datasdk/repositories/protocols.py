"""The repository interfaces. `db.<name>` and `tx.<name>` satisfy these; nothing else is public.

Every list method pages the same way: `limit` (PAGE_SIZE by default, at most
MAX_PAGE_SIZE) and an opaque `cursor`, newest first; it returns a `Page`.

Every method checks its arguments before any SQL (datasdk.validation.arguments):
user ids are `str`, other ids a `uuid.UUID` or its 36-character string form,
integers `int` within their column's range, models instances of their class;
anything else is a ValidationError naming the argument (docs/errors.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from datasdk.models import (
    AuditEntry,
    BatchResult,
    CreditKind,
    CreditTransaction,
    Dashboard,
    Domain,
    ErrorLog,
    ErrorType,
    JobState,
    NewAuditEntry,
    NewDomain,
    NewErrorLog,
    NewReport,
    NewScanResult,
    NewUser,
    Page,
    Report,
    Scan,
    ScanJob,
    ScanModule,
    ScanOutcome,
    ScanResult,
    Severity,
    User,
    Wallet,
)

ID = uuid.UUID | str


class UsersRepository(Protocol):
    async def create(self, user: NewUser) -> User: ...
    async def get(self, user_id: str) -> User: ...
    async def get_by_email(self, email: str) -> User: ...
    async def delete(self, user_id: str) -> None: ...


class WalletsRepository(Protocol):
    async def open(self, user_id: str) -> Wallet: ...
    async def get(self, user_id: str) -> Wallet: ...
    async def credit(
        self,
        user_id: str,
        amount: int,
        *,
        kind: CreditKind | str = ...,
        idempotency_key: str,
        scan_job_id: ID | None = ...,
    ) -> CreditTransaction: ...
    async def debit(
        self,
        user_id: str,
        amount: int,
        *,
        kind: CreditKind | str = ...,
        idempotency_key: str,
        scan_job_id: ID | None = ...,
    ) -> CreditTransaction: ...
    async def history(
        self, user_id: str, *, limit: int = ..., cursor: str | None = ...
    ) -> Page[CreditTransaction]: ...


class ScanJobsRepository(Protocol):
    async def enqueue(self, user_id: str | None, url: str) -> ScanJob: ...
    async def get(self, job_id: ID) -> ScanJob: ...
    async def transition(
        self, job_id: ID, state: JobState | str, *, expected_version: int
    ) -> ScanJob: ...
    async def transition_many(
        self, moves: Sequence[tuple[ID, int, JobState | str]]
    ) -> BatchResult: ...
    async def complete_many(
        self, completions: Sequence[tuple[ID, int, NewScanResult]]
    ) -> BatchResult: ...
    async def claim_next(self) -> ScanJob | None: ...
    async def claim_batch(self, n: int) -> list[ScanJob]: ...
    async def time_out_stale(self, *, older_than: timedelta) -> list[ScanJob]: ...
    async def list_for_user(
        self, user_id: str, *, limit: int = ..., cursor: str | None = ...
    ) -> Page[ScanJob]: ...


class ScanResultsRepository(Protocol):
    async def record(self, job_id: ID, result: NewScanResult) -> ScanResult: ...
    async def get(self, job_id: ID) -> ScanResult: ...


class AuditLogsRepository(Protocol):
    """Append-only: there is no update or delete."""

    async def append(self, job_id: ID, entry: NewAuditEntry) -> AuditEntry: ...
    async def list_for_job(
        self, job_id: ID, *, limit: int = ..., cursor: str | None = ...
    ) -> Page[AuditEntry]: ...


class DomainsRepository(Protocol):
    async def add(self, user_id: str, domain: NewDomain) -> Domain: ...
    async def get(self, domain_id: ID) -> Domain: ...
    async def list_for_user(
        self,
        user_id: str,
        *,
        include_inactive: bool = ...,
        limit: int = ...,
        cursor: str | None = ...,
    ) -> Page[Domain]: ...
    async def deactivate(self, domain_id: ID) -> Domain: ...
    async def remove(self, domain_id: ID) -> None: ...
    async def dashboard(self, user_id: str) -> Dashboard: ...


class ScansRepository(Protocol):
    async def start(self, domain_id: ID) -> Scan: ...
    async def get(self, scan_id: ID) -> Scan: ...
    async def list_for_domain(
        self, domain_id: ID, *, limit: int = ..., cursor: str | None = ...
    ) -> Page[Scan]: ...
    async def mark_running(self, scan_id: ID) -> Scan: ...
    async def complete(self, scan_id: ID, outcome: ScanOutcome) -> Scan: ...
    async def fail(self, scan_id: ID, error_message: str) -> Scan: ...
    async def purge_older_than(self, *, days: int = ...) -> int: ...


class ScanModulesRepository(Protocol):
    async def list_for_scan(
        self, scan_id: ID, *, limit: int = ..., cursor: str | None = ...
    ) -> Page[ScanModule]: ...


class ReportsRepository(Protocol):
    async def create(self, scan_id: ID, report: NewReport) -> Report: ...
    async def list_for_user(
        self, user_id: str, *, limit: int = ..., cursor: str | None = ...
    ) -> Page[Report]: ...
    async def purge_older_than(self, *, days: int = ...) -> int: ...


class ErrorLogsRepository(Protocol):
    async def log(self, entry: NewErrorLog) -> ErrorLog: ...
    async def query(
        self,
        *,
        type: ErrorType | str | None = ...,
        severity: Severity | str | None = ...,
        user_id: str | None = ...,
        since: datetime | None = ...,
        limit: int = ...,
        cursor: str | None = ...,
    ) -> Page[ErrorLog]: ...
