"""The closed vocabularies of the schema, and the two state machines."""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    QUEUED = "QUEUED"
    FETCHING = "FETCHING"
    ANALYZING = "ANALYZING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"


class ScanStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class SubscriptionStatus(StrEnum):
    """Stripe's subscription statuses."""

    TRIALING = "trialing"
    ACTIVE = "active"
    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    UNPAID = "unpaid"
    PAUSED = "paused"


class CreditKind(StrEnum):
    GRANT = "grant"
    PURCHASE = "purchase"
    SCAN_CHARGE = "scan_charge"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"


class EmailMode(StrEnum):
    EXPECTED = "expected"
    NONE = "none"


class ScanModuleName(StrEnum):
    SSL_TLS = "ssl_tls"
    SECURITY_HEADERS = "security_headers"
    DNS_EMAIL = "dns_email"


class ModuleStatus(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ErrorType(StrEnum):
    SCANNER_ERROR = "scanner_error"
    CLIENT_ERROR = "client_error"
    APPLICATION_ERROR = "application_error"


class Severity(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


JOB_TRANSITIONS: frozenset[tuple[JobState, JobState]] = frozenset(
    {
        (JobState.QUEUED, JobState.FETCHING),
        (JobState.FETCHING, JobState.ANALYZING),
        (JobState.ANALYZING, JobState.COMPLETED),
    }
    | {
        (state, final)
        for state in (JobState.QUEUED, JobState.FETCHING, JobState.ANALYZING)
        for final in (JobState.FAILED, JobState.TIMED_OUT)
    }
)

SCAN_TRANSITIONS: frozenset[tuple[ScanStatus, ScanStatus]] = frozenset(
    {
        (ScanStatus.PENDING, ScanStatus.RUNNING),
        (ScanStatus.RUNNING, ScanStatus.COMPLETED),
        (ScanStatus.PENDING, ScanStatus.FAILED),
        (ScanStatus.RUNNING, ScanStatus.FAILED),
    }
)
