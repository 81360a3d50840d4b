"""The oracle: the SDK's intended rules, stated without a database.

It answers, for one call, either the error a caller gets (a datasdk class name; for
refused input, "ValidationError or a subclass") or the canonical value read back. It
uses the SDK's own input models and URL rules, which run before any SQL and so cannot
differ per backend, and states the argument rules of docs/errors.md ("Arguments:
checked before any SQL") on top of them: wrong types and out-of-range numbers, row ids
in any spelling but a UUID's 36-character form, user ids no user can have, naive
datetimes, JSON nested more than 64 levels, and NUL or lone surrogates in any stored or
compared string are ValidationError; JSON numbers come back as given (a float stays a
float, an int an exact int).
"""

from __future__ import annotations

import enum
import ipaddress
import json
import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

import datasdk
from datasdk.models._base import decode_cursor
from datasdk.models.credits import CREDIT_KINDS, DEBIT_KINDS

# JSON nested more than this many levels (the top level is level 1) is refused, as
# docs/errors.md states; values.EDGE draws depths either side of it.
MAX_JSON_DEPTH = 64
# Where `stored` stops walking (a value this deep is refused by MAX_JSON_DEPTH anyway).
_WALK_LIMIT = 500
INT4 = (-(2**31), 2**31 - 1)
# An expected version: what the version column (int4, starting at 1) can hold.
VERSION = (1, INT4[1])
BIGINT = (-(2**63), 2**63 - 1)
# Retention and staleness windows: 1 to 36,500 days (a century), as docs/errors.md
# states; a timedelta above zero and at most as long.
MAX_DAYS = 36_500
# Server-set times fall in this window (now .. a trial's 14 days later, with slack).
_NOW = datetime.now(UTC)
_WINDOW = (_NOW - timedelta(days=1), _NOW + timedelta(days=30))


class Refused(Exception):
    """What the oracle expects instead of a value: `name`, or any subclass when `family`."""

    def __init__(self, name: str = "ValidationError", *, family: bool = False) -> None:
        super().__init__(name)
        self.name = name
        self.family = family


def invalid() -> Refused:
    """Input refused before any SQL: ValidationError or one of its subclasses."""
    return Refused("ValidationError", family=True)


@dataclass(frozen=True)
class Expected:
    error: str | None = None
    family: bool = False
    value: str | None = None

    def __str__(self) -> str:
        if self.error is None:
            return f"ok {self.value}"
        return f"{self.error}{'+' if self.family else ''}"


def expect(compute: Callable[[], Any]) -> Expected:
    """The oracle's answer: `compute()`'s canonical value, or the error it refuses with."""
    try:
        return Expected(value=canon(compute()))
    except Refused as refused:
        return Expected(error=refused.name, family=refused.family)


# --- arguments -------------------------------------------------------------------


def bad_string(value: str) -> bool:
    """NUL, or a lone surrogate (text no database encoding can hold)."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def text(value: object) -> str:
    """A text argument: a str with no NUL or lone surrogate."""
    if not isinstance(value, str) or bad_string(value):
        raise invalid()
    return value


def integer(value: object, low: int, high: int) -> int:
    """An int (not a bool, float or Decimal) that fits [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise invalid()
    return value


# A UUID's one string spelling: 8-4-4-4-12 hex digits, either case (str(uuid.UUID)).
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def row_id(value: object) -> uuid.UUID:
    """A row id: a UUID, or its 36-character string form (hex digits in either case);
    braces, `urn:uuid:`, bare hex and numbers are refused."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise invalid()
    return uuid.UUID(value)


def user_id(value: object) -> str:
    """A user id, wherever one is an argument: 1 to 255 characters, none a control
    character (an id no user can have is refused, not looked up)."""
    return bounded_text(value, 1, 255)


def member(enum_type: type[enum.StrEnum], value: object) -> Any:
    if not isinstance(value, str) or value not in enum_type._value2member_map_:
        raise invalid()
    return enum_type(value)


def version(value: object) -> int:
    """An expected version: an int from 1 to 2**31 - 1 (0 names no version a row has)."""
    return integer(value, *VERSION)


def days(value: object) -> int:
    return integer(value, 1, MAX_DAYS)


def age(value: object) -> timedelta:
    """A timedelta above zero and at most MAX_DAYS days."""
    if not isinstance(value, timedelta) or not timedelta(0) < value <= timedelta(days=MAX_DAYS):
        raise invalid()
    return value


def aware(value: object) -> datetime:
    """An aware datetime whose UTC instant exists (no overflow past year 1 or 9999)."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise invalid()
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise invalid() from None


def page(limit: object, cursor: object) -> tuple[int, tuple[datetime, uuid.UUID] | None]:
    """A page request: limit 1..1000, and a cursor this SDK could have written."""
    integer(limit, 1, datasdk.MAX_PAGE_SIZE)
    if cursor is None:
        return limit, None  # type: ignore[return-value]
    if not isinstance(cursor, str):
        raise invalid()
    try:
        at, after = decode_cursor(cursor)
    except datasdk.ValidationError:
        raise invalid() from None
    except Exception:
        raise invalid() from None
    return limit, (aware(at), after)  # type: ignore[return-value]


def kind(value: object, debit: bool) -> datasdk.CreditKind:
    chosen: datasdk.CreditKind = member(datasdk.CreditKind, value)
    if chosen not in (DEBIT_KINDS if debit else CREDIT_KINDS):
        raise invalid()
    return chosen


# --- input models and what they store --------------------------------------------


def model(cls: type[BaseModel], fields: Mapping[str, Any]) -> Any:
    """The SDK's own input model; any failure to build it is refused input."""
    try:
        built = cls(**fields)
        dumped = built.model_dump()
    except Exception:
        raise invalid() from None
    stored(dumped)
    return built


def stored(value: object, depth: int = 0) -> None:
    """The rules for a value about to be stored: strings without NUL or lone surrogates;
    JSON of finite numbers, plain types, string keys and bounded depth; datetimes aware
    and in range."""
    if depth > _WALK_LIMIT:
        raise invalid()
    if isinstance(value, str):
        if bad_string(value):
            raise invalid()
    elif isinstance(value, bool | None | int | enum.Enum | uuid.UUID):
        return
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise invalid()
    elif isinstance(value, datetime):
        aware(value)
    elif isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        if getattr(value, "scope_id", None) is not None:
            # An IPv6 zone id (fe80::1%eth0): PostgreSQL's inet cannot hold one, so the
            # one rule every backend can keep is to refuse it.
            raise invalid()
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise invalid()
            stored(key, depth + 1)
            stored(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            stored(item, depth + 1)
    else:
        raise invalid()


def json_depth(value: object) -> int:
    """Levels of containers in `value` (a scalar 0, `[]` 1, `[[1]]` 2), counted
    iteratively: the value may be deeper than Python's recursion limit."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list | tuple):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in item)
    return deepest


def json_field(value: object) -> None:
    """JSON nested more than MAX_JSON_DEPTH levels is refused, whatever the model did."""
    if json_depth(value) > MAX_JSON_DEPTH:
        raise invalid()


# --- canonical values ------------------------------------------------------------


def canon(value: object, names: Mapping[Any, str] | None = None) -> str:
    """One string per value, the same for equal values on every backend: floats stay
    floats, ints stay ints, datetimes are UTC instants, server times are "<now>", and
    ids are their names in `names` (else "<uuid>")."""
    return json.dumps(_plain(value, names or {}), sort_keys=True, ensure_ascii=True)


def _plain(value: Any, names: Mapping[Any, str]) -> Any:
    if isinstance(value, str | uuid.UUID) and value in names:
        return names[value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return _plain(value.value, names)
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return {"float": repr(0.0 if value == 0 else value)}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, uuid.UUID):
        return "<uuid>"
    if isinstance(value, datetime):
        return _time(value)
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return {"ip": value.compressed}
    if isinstance(value, datasdk.Page):
        return {
            "items": [_plain(item, names) for item in value.items],
            "next_cursor": None if value.next_cursor is None else "<cursor>",
        }
    if isinstance(value, BaseModel):
        return {k: _plain(getattr(value, k), names) for k in type(value).model_fields}
    if isinstance(value, Mapping):
        return {str(k): _plain(v, names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, names) for item in value]
    return {"type": type(value).__name__, "repr": repr(value)[:80]}


def _time(value: datetime) -> Any:
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        return {"not_utc": value.isoformat()}
    if _WINDOW[0] <= value <= _WINDOW[1]:
        return "<now>"
    return value.isoformat()


NOW = "<now>"  # a server-set time, as canon writes it


def utc(value: Any) -> Any:
    """`value` with every datetime in it as its UTC instant (as a backend hands it back)."""
    if isinstance(value, datetime):
        return aware(value)
    if isinstance(value, dict):
        return {k: utc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [utc(v) for v in value]
    return value


_CONTROL = frozenset(map(chr, [*range(32), 127]))


def bounded_text(value: object, low: int, high: int, *, printable: bool = True) -> str:
    """A text argument of low..high characters (without control characters)."""
    checked = text(value)
    if not low <= len(checked) <= high or (printable and _CONTROL & set(checked)):
        raise invalid()
    return checked
