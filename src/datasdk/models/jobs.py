"""URL scan jobs, their results and their audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from datasdk.models._base import InputModel, OutputModel
from datasdk.models._fields import (
    AuditSummary,
    AuditURL,
    ContentHash,
    Headers,
    HttpStatus,
    JsonList,
    JsonObject,
    Name,
    Score,
    Text,
)
from datasdk.schema.enums import JobState


class ScanJob(OutputModel):
    id: uuid.UUID
    user_id: str | None
    url: str
    state: JobState
    version: int
    created_at: datetime
    updated_at: datetime


class RefusalReason(StrEnum):
    """Why transition_many left a job where it was."""

    NOT_FOUND = "not_found"
    STALE_VERSION = "stale_version"
    INVALID_TRANSITION = "invalid_transition"


class RefusedMove(OutputModel):
    """One move of a batch that was not made: the job as it was found, and why.

    `actual_version` and `from_state` are None when no such job exists.
    """

    job_id: uuid.UUID
    reason: RefusalReason
    expected_version: int
    actual_version: int | None
    from_state: JobState | None
    to_state: JobState


class BatchResult(OutputModel):
    """What transition_many did: the jobs it moved and the moves it refused, both in
    the order the moves were given."""

    moved: list[ScanJob]
    refused: list[RefusedMove]


class NewScanResult(InputModel):
    """What analysing a page found. Headers are sanitized; the page itself is never stored."""

    risk_score: Score
    content_hash: ContentHash
    categories: JsonList = Field(default_factory=list)
    http_status: HttpStatus | None = None
    http_headers: Headers = Field(default_factory=dict)
    content_type: Name | None = None
    model_used: Name | None = None
    analysis_metadata: JsonObject | None = None
    reasoning: Text | None = None
    indicators: JsonList = Field(default_factory=list)


class ScanResult(OutputModel):
    id: uuid.UUID
    job_id: uuid.UUID
    risk_score: int
    categories: list[Any]
    content_hash: str
    http_status: int | None
    http_headers: dict[str, str]
    content_type: str | None
    model_used: str | None
    analysis_metadata: dict[str, Any] | None
    reasoning: str | None
    indicators: list[Any]
    created_at: datetime


class NewAuditEntry(InputModel):
    """One access to a URL: its hash and metadata, never its content."""

    url_accessed: AuditURL
    content_hash: ContentHash
    http_status: HttpStatus | None = None
    http_headers: Headers = Field(default_factory=dict)
    content_type: Name | None = None
    risk_assessment_summary: AuditSummary | None = None


class AuditEntry(OutputModel):
    id: uuid.UUID
    scan_job_id: uuid.UUID
    url_accessed: str
    timestamp: datetime
    content_hash: str
    http_status: int | None
    http_headers: dict[str, str]
    content_type: str | None
    risk_assessment_summary: dict[str, Any] | None
