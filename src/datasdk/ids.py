"""Identifiers the SDK makes: time-ordered UUIDs (RFC 9562 version 7)."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last = 0


def new_id() -> uuid.UUID:
    """A version-7 UUID: Unix milliseconds, then a 12-bit sub-millisecond fraction
    (RFC 9562 method 3), then random bits.

    Ids from one process strictly increase, so rows stamped within the same clock tick
    still sort in creation order (listings break time ties by id). Time order also
    keeps B-tree inserts at the right edge of the index on every backend.
    """
    global _last
    now = time.time_ns()
    millis, nanos = divmod(now, 1_000_000)
    fraction = nanos * 4096 // 1_000_000
    # 61 random bits: the top bit of rand_b stays 0, so the +1 below cannot overflow it.
    rand_b = int.from_bytes(os.urandom(8), "big") >> 3
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | fraction << 64 | 0b10 << 62 | rand_b
    with _lock:
        if value <= _last:
            value = _last + 1
        _last = value
    return uuid.UUID(int=value)
