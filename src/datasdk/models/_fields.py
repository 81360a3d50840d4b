"""Field types shared by the models: the database's checks, made before any SQL."""

from __future__ import annotations

import re
import urllib.parse
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    Strict,
    StrictInt,
    StrictStr,
    StringConstraints,
)

from datasdk.validation import (
    check_sha256_hex,
    normalize_domain_url,
    redact_url,
    refuse_content_keys,
    sanitize_headers,
)
from datasdk.validation.json_shape import json_problem

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _printable(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


def _audit_url(value: str) -> str:
    """The URL a fetch reached (after redirects), minus credentials: user info and the
    values of credential-like query parameters (`?token=...`) never reach the trail."""
    _printable(value)
    parts = urllib.parse.urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http or https URL")
    return redact_url(value)


def _json_capped(max_bytes: int) -> BeforeValidator:
    # Before pydantic's own validation: neither it nor anything after it (redaction,
    # model_dump, the JSON column's json.dumps) meets a value nested too deep to walk.
    def check(value: Any) -> Any:
        problem = json_problem(value, max_bytes=max_bytes)
        if problem is not None:
            raise ValueError(problem)
        return value

    return BeforeValidator(check)


def _utc_representable(value: datetime) -> datetime:
    # Stored in UTC: datetime.min with a positive offset has no UTC form (OverflowError).
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range in UTC") from None
    return value


def _no_content(field: str) -> AfterValidator:
    def check(value: Any) -> Any:
        refuse_content_keys(value, field=field)
        return value

    return AfterValidator(check)


# Bounded, printable, non-empty text (`length(col) <= n` on every backend).
Name = Annotated[str, StringConstraints(min_length=1, max_length=255), AfterValidator(_printable)]
ShortName = Annotated[
    str, StringConstraints(min_length=1, max_length=50), AfterValidator(_printable)
]
Text = Annotated[str, StringConstraints(max_length=10_000)]
UserId = Annotated[
    StrictStr, StringConstraints(min_length=1, max_length=255), AfterValidator(_printable)
]
Score = Annotated[StrictInt, Field(ge=0, le=100)]
HttpStatus = Annotated[StrictInt, Field(ge=100, le=599)]
# A datetime instance (not a string or a number of seconds) with a time zone.
Timestamp = Annotated[AwareDatetime, Strict(), AfterValidator(_utc_representable)]
# Sizes in a BIGINT column.
BigCount = Annotated[StrictInt, Field(ge=0, le=2**63 - 1)]
ContentHash = Annotated[str, AfterValidator(check_sha256_hex)]
DomainURL = Annotated[str, AfterValidator(normalize_domain_url)]
AuditURL = Annotated[
    str, StringConstraints(min_length=1, max_length=2048), AfterValidator(_audit_url)
]
Headers = Annotated[
    dict[str, str],
    BeforeValidator(lambda v: sanitize_headers(v) if v is not None else {}),
]
JsonObject = Annotated[dict[str, Any], _json_capped(64 * 1024)]
JsonList = Annotated[list[Any], _json_capped(64 * 1024)]
# Summaries in the audit trail: small, and never page content.
AuditSummary = Annotated[
    dict[str, Any], _json_capped(16 * 1024), _no_content("risk_assessment_summary")
]
