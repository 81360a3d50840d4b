"""The list methods' shared case: k rows, one page (and the next), hostile limits and cursors."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from differential import oracle as o
from differential.runner import Recorder, observe
from differential.values import _OFFSETS, ints, spoiled, texts


def forged(at: datetime, row: uuid.UUID) -> str:
    """A cursor as the SDK writes one, for any datetime (naive ones included)."""
    raw = json.dumps([at.isoformat(), str(row)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Positions far from now: before every row, or after every row, of any example.
_PAST = st.datetimes(max_value=datetime(1900, 1, 1))
_FUTURE = st.datetimes(min_value=datetime(2200, 1, 1))
_ZONE = st.one_of(st.just(UTC), _OFFSETS)
_FORGED = st.builds(
    lambda d, z, u: forged(d.replace(tzinfo=z), u), _PAST | _FUTURE, _ZONE, st.uuids()
)
_NAIVE = st.builds(forged, _PAST | _FUTURE, st.uuids())


def cursors_any() -> st.SearchStrategy[Any]:
    return st.one_of(texts(), _FORGED, _NAIVE, st.sampled_from((0, b"x", "=", "e30")))


def page_spec(owner: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    hostile: dict[str, st.SearchStrategy[Any]] = {"limit": ints(), "cursor": cursors_any()}
    if owner is not None:
        hostile["owner"] = owner
    return spoiled(
        {
            "rows": st.integers(0, 4),
            "limit": st.one_of(st.integers(1, 5), st.just(1000)),
            "cursor": st.sampled_from((None, "next")),
            "owner": st.just("<fresh>"),
        },
        {},
        hostile,
    )


def _expected_page(
    rows: list[Any], owner_ok: Callable[[], bool], limit: object, cursor: object
) -> Any:
    size, after = o.page(limit, cursor)
    newest = list(reversed(rows))
    if not owner_ok():
        newest = []
    if after is not None:
        newest = newest if after[0] > o._NOW else []
    page = newest[:size]
    return {"items": page, "next_cursor": "<cursor>" if len(newest) > size else None}


async def check_pages(
    rec: Recorder,
    step: str,
    spec: dict[str, Any],
    rows: list[Any],
    owner: Any,
    owner_ok: Callable[[], bool],
    listing: Callable[[Any, Any, Any], Awaitable[Any]],
    names: Any = None,
) -> None:
    """`rows` (expected values, oldest first) listed by `listing(owner, limit, cursor)`."""
    cursor = None if spec["cursor"] in (None, "next") else spec["cursor"]
    limit = spec["limit"]
    expected = o.expect(lambda: _expected_page(rows, owner_ok, limit, cursor))
    first = await observe(lambda: listing(owner, limit, cursor), names)
    rec.check(step, spec, expected, first)
    if spec["cursor"] != "next" or expected.error or not first.ok or not first.value.next_cursor:
        return
    rest = list(reversed(rows))[limit:]
    following = o.expect(
        lambda: {
            "items": rest[:limit],
            "next_cursor": "<cursor>" if len(rest) > limit else None,
        }
    )
    nxt = first.value.next_cursor
    rec.check(
        f"{step}/next", spec, following, await observe(lambda: listing(owner, limit, nxt), names)
    )
