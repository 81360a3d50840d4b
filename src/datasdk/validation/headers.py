"""Response headers worth keeping from a scan; credentials and sessions never stored."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from datasdk.errors import ValidationError
from datasdk.validation.secrets import is_secret_name

ALLOWED_HEADERS: frozenset[str] = frozenset(
    {
        "content-type",
        "content-length",
        "content-encoding",
        "content-language",
        "server",
        "x-powered-by",
        "strict-transport-security",
        "content-security-policy",
        "content-security-policy-report-only",
        "x-frame-options",
        "x-content-type-options",
        "x-xss-protection",
        "referrer-policy",
        "permissions-policy",
        "feature-policy",
        "cross-origin-opener-policy",
        "cross-origin-embedder-policy",
        "cross-origin-resource-policy",
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "cache-control",
        "pragma",
        "expires",
        "etag",
        "last-modified",
        "location",
        "vary",
        "x-dns-prefetch-control",
        "expect-ct",
        "report-to",
        "nel",
        "alt-svc",
        "via",
        "date",
    }
)

NEVER_STORED: frozenset[str] = frozenset(
    {
        "set-cookie",
        "set-cookie2",
        "cookie",
        "authorization",
        "proxy-authorization",
        "proxy-authenticate",
        "www-authenticate",
        "x-api-key",
        "x-auth-token",
        "x-csrf-token",
        "x-xsrf-token",
        "x-amz-security-token",
    }
)
# RFC 9110 token characters.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_secret_header(name: str) -> bool:
    """True for a header that may carry a credential, whatever an allow-list says."""
    return name.strip().lower() in NEVER_STORED or is_secret_name(name)


def sanitize_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    *,
    allowed: frozenset[str] = ALLOWED_HEADERS,
    max_value_length: int = 1024,
) -> dict[str, str]:
    """The allowed headers, names lower-cased, values stripped of controls and capped."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    kept: dict[str, list[str]] = {}
    try:
        pairs = list(items)
    except TypeError:
        raise ValidationError(
            "http_headers: must be a mapping of names to values", field="http_headers"
        ) from None
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise ValidationError("http_headers: must be (name, value) pairs", field="http_headers")
        name, value = pair
        if not isinstance(name, str) or not isinstance(value, str):
            # The value is not quoted: it may be a credential.
            raise ValidationError(
                "http_headers: names and values must be strings", field="http_headers"
            )
        name = name.strip().lower()
        if not _TOKEN.fullmatch(name) or name not in allowed or is_secret_header(name):
            continue
        if not value.isascii():
            try:
                value.encode()
            except UnicodeEncodeError:
                # A lone surrogate: text no backend stores alike, refused like NUL elsewhere.
                raise ValidationError(
                    f"http_headers: the value of {name} holds a lone surrogate",
                    field="http_headers",
                ) from None
        kept.setdefault(name, []).append(_CONTROL.sub("", value).strip())
    return {name: ", ".join(values)[:max_value_length] for name, values in sorted(kept.items())}
