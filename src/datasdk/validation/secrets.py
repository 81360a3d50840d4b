"""Credentials never reach storage: names that may carry one, and their values redacted."""

from __future__ import annotations

import urllib.parse
from typing import Any

from datasdk.errors import ValidationError
from datasdk.validation.json_shape import MAX_JSON_DEPTH

REDACTED = "[redacted]"
# In a URL the marker must stay a valid query value.
REDACTED_IN_URL = "REDACTED"
# A name with one of these in it is taken for a credential. Errs towards redacting:
# "author" and "monkey" are caught too.
SECRET_WORDS = ("token", "secret", "session", "password", "passwd", "auth", "cookie", "key")
_MAX_DEPTH = MAX_JSON_DEPTH


def is_secret_name(name: str) -> bool:
    lowered = name.strip().lower()
    return any(word in lowered for word in SECRET_WORDS)


def redact_json(value: Any, *, field: str = "context", depth: int = 0) -> Any:
    """`value` with every value under a credential-like key replaced by REDACTED."""
    if depth > _MAX_DEPTH:
        raise ValidationError(f"{field}: nested more than {_MAX_DEPTH} levels", field=field)
    if isinstance(value, dict):
        return {
            key: REDACTED
            if isinstance(key, str) and is_secret_name(key)
            else redact_json(item, field=field, depth=depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_json(item, field=field, depth=depth + 1) for item in value]
    return value


def redact_url(url: str) -> str:
    """`url` without user info, and with credential-like query parameters' values redacted."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    query = "&".join(_redact_parameter(p) for p in parts.query.split("&")) if parts.query else ""
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=query))


def _redact_parameter(parameter: str) -> str:
    name = parameter.partition("=")[0]
    if is_secret_name(urllib.parse.unquote_plus(name)):
        return f"{name}={REDACTED_IN_URL}"
    return parameter
