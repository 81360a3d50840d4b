"""Pydantic models: `New*` inputs are checked before any SQL; the rest are what comes back."""

from __future__ import annotations

from datasdk.models._base import MAX_PAGE_SIZE, PAGE_SIZE, InputModel, OutputModel, Page
from datasdk.models.credits import CreditTransaction, Wallet
from datasdk.models.jobs import (
    AuditEntry,
    BatchResult,
    NewAuditEntry,
    NewScanResult,
    RefusalReason,
    RefusedMove,
    ScanJob,
    ScanResult,
)
from datasdk.models.monitoring import (
    Dashboard,
    Domain,
    ErrorLog,
    NewDomain,
    NewErrorLog,
    NewReport,
    NewScanModule,
    Report,
    Scan,
    ScanModule,
    ScanOutcome,
)
from datasdk.models.users import NewUser, User
from datasdk.schema.enums import (
    Confidence,
    CreditKind,
    EmailMode,
    ErrorType,
    JobState,
    ModuleStatus,
    ScanModuleName,
    ScanStatus,
    Severity,
    SubscriptionStatus,
)

__all__ = [
    "MAX_PAGE_SIZE",
    "PAGE_SIZE",
    "AuditEntry",
    "BatchResult",
    "Confidence",
    "CreditKind",
    "CreditTransaction",
    "Dashboard",
    "Domain",
    "EmailMode",
    "ErrorLog",
    "ErrorType",
    "InputModel",
    "JobState",
    "ModuleStatus",
    "NewAuditEntry",
    "NewDomain",
    "NewErrorLog",
    "NewReport",
    "NewScanModule",
    "NewScanResult",
    "NewUser",
    "OutputModel",
    "Page",
    "RefusalReason",
    "RefusedMove",
    "Report",
    "Scan",
    "ScanJob",
    "ScanModule",
    "ScanModuleName",
    "ScanOutcome",
    "ScanResult",
    "ScanStatus",
    "Severity",
    "SubscriptionStatus",
    "User",
    "Wallet",
]
