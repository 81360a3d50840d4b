"""Monitored domains, their scans, scan modules, reports and error logs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, field_validator

from datasdk.models._base import InputModel, OutputModel
from datasdk.models._fields import BigCount, DomainURL, JsonObject, Name, Score, ShortName, UserId
from datasdk.schema.enums import (
    Confidence,
    EmailMode,
    ErrorType,
    ModuleStatus,
    ScanModuleName,
    ScanStatus,
    Severity,
)
from datasdk.schema.types import IPAddress
from datasdk.validation import redact_json, redact_url


class NewDomain(InputModel):
    """A site to monitor: an https origin."""

    url: DomainURL
    display_name: Name
    email_mode: EmailMode = EmailMode.EXPECTED
    dkim_selector: ShortName | None = None


class Domain(OutputModel):
    id: uuid.UUID
    user_id: str
    url: str
    display_name: str
    email_mode: EmailMode
    dkim_selector: str | None
    last_scan_at: datetime | None
    last_scan_score: int | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class Dashboard(OutputModel):
    """The dashboard's metrics over a user's active domains."""

    total_domains: int
    # Mean of the scored domains, rounded half up; None until one has a score.
    avg_score: int | None
    # Domains whose last score is below 60.
    critical_issues: int
    last_scan_at: datetime | None


class NewScanModule(InputModel):
    """One module's finding, written by `scans.complete`."""

    module: ScanModuleName
    status: ModuleStatus
    score: Score | None = None
    confidence: Confidence = Confidence.HIGH
    platform: ShortName | None = None
    raw: JsonObject = Field(default_factory=dict)


class ScanOutcome(InputModel):
    """A finished scan: its score and every module's finding."""

    total_score: Score
    grade: Annotated[str, Field(min_length=1, max_length=3)] | None = None
    scoring_version: Annotated[str, Field(min_length=1, max_length=10)] | None = None
    weights_used: JsonObject | None = None
    modules: list[NewScanModule] = Field(default_factory=list)

    @field_validator("modules")
    @classmethod
    def _one_per_module(cls, modules: list[NewScanModule]) -> list[NewScanModule]:
        names = [m.module for m in modules]
        if len(names) != len(set(names)):
            raise ValueError("each module appears at most once")
        return modules


class Scan(OutputModel):
    id: uuid.UUID
    domain_id: uuid.UUID
    user_id: str
    status: ScanStatus
    total_score: int | None
    grade: str | None
    scoring_version: str | None
    weights_used: dict[str, Any] | None
    started_at: datetime | None
    completed_at: datetime | None
    error_message: str | None
    created_at: datetime
    updated_at: datetime


class ScanModule(OutputModel):
    id: uuid.UUID
    scan_id: uuid.UUID
    module: ScanModuleName
    score: int | None
    status: ModuleStatus
    confidence: Confidence
    platform: str | None
    raw: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class NewReport(InputModel):
    filename: Name
    s3_path: Annotated[str, Field(min_length=1, max_length=500)]
    file_size: BigCount | None = None


class Report(OutputModel):
    id: uuid.UUID
    scan_id: uuid.UUID
    user_id: str
    filename: str
    s3_path: str
    file_size: int | None
    generated_at: datetime
    created_at: datetime


class NewErrorLog(InputModel):
    type: ErrorType
    severity: Severity
    message: Annotated[str, Field(min_length=1, max_length=10_000)]
    context: JsonObject | None = None
    user_id: UserId | None = None
    url: Annotated[str, Field(max_length=2048)] | None = None
    ip: IPAddress | None = None
    user_agent: Annotated[str, Field(max_length=1024)] | None = None

    @field_validator("context")
    @classmethod
    def _redact_context(cls, context: dict[str, Any] | None) -> dict[str, Any] | None:
        # Secrets never reach the error log: values under credential-like keys go.
        return None if context is None else redact_json(context)

    @field_validator("url")
    @classmethod
    def _redact_url(cls, url: str | None) -> str | None:
        return None if url is None else redact_url(url)


class ErrorLog(OutputModel):
    id: uuid.UUID
    type: ErrorType
    severity: Severity
    message: str
    context: dict[str, Any] | None
    user_id: str | None
    url: str | None
    ip: IPAddress | None
    user_agent: str | None
    created_at: datetime
