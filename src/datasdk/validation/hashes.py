"""Content hashes: SHA-256 as 64 lower-case hex characters, as the database checks."""

from __future__ import annotations

import re

from datasdk.errors import ValidationError

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def is_sha256_hex(value: str) -> bool:
    return isinstance(value, str) and _SHA256_HEX.fullmatch(value) is not None


def check_sha256_hex(value: object, *, field: str = "content_hash") -> str:
    if not isinstance(value, str) or not is_sha256_hex(value):
        raise ValidationError(
            f"{field}: must be a SHA-256 digest as 64 lower-case hex characters", field=field
        )
    return value
