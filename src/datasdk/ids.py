"""Identifiers the SDK makes: time-ordered UUIDs (RFC 9562 version 7)."""

from __future__ import annotations

import os
import time
import uuid


def new_id() -> uuid.UUID:
    """A version-7 UUID: 48 bits of Unix milliseconds, then 74 random bits.

    Time-ordered ids keep B-tree inserts at the right edge of the index on every backend.
    """
    millis = (time.time_ns() // 1_000_000) & ((1 << 48) - 1)
    random = int.from_bytes(os.urandom(10), "big")
    rand_a = random >> 68  # 12 bits
    rand_b = random & ((1 << 62) - 1)
    return uuid.UUID(int=millis << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b)
