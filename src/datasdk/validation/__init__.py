"""Input checks that need no database: URLs (SSRF), response headers, audit content, hashes.

Pure functions; the only I/O is the optional DNS check `check_resolves_public`.
"""

from __future__ import annotations

from datasdk.validation.content import check_json_size, is_content_key, refuse_content_keys
from datasdk.validation.hashes import check_sha256_hex, is_sha256_hex
from datasdk.validation.headers import (
    ALLOWED_HEADERS,
    NEVER_STORED,
    is_secret_header,
    sanitize_headers,
)
from datasdk.validation.secrets import REDACTED, is_secret_name, redact_json, redact_url
from datasdk.validation.urls import (
    Resolver,
    check_resolves_public,
    is_public_address,
    normalize_domain_url,
    normalize_scan_url,
    parse_ip_literal,
)

__all__ = [
    "ALLOWED_HEADERS",
    "NEVER_STORED",
    "REDACTED",
    "Resolver",
    "check_json_size",
    "check_resolves_public",
    "check_sha256_hex",
    "is_content_key",
    "is_public_address",
    "is_secret_header",
    "is_secret_name",
    "is_sha256_hex",
    "normalize_domain_url",
    "normalize_scan_url",
    "parse_ip_literal",
    "redact_json",
    "redact_url",
    "refuse_content_keys",
    "sanitize_headers",
]
