"""Checks of repository arguments that are not models: the same on every backend.

Every public repository method passes each argument through one of these before
any SQL, so wrong input is a ValidationError naming the argument, never a Python,
driver or backend error, and never a value one backend takes and another refuses.
They are plain type and range tests (a hot path calls them): no pydantic.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar, cast

from datasdk.errors import ValidationError

# The ranges of the columns' integer types, on every backend (PostgreSQL's int4, int8).
INT4_MIN, INT4_MAX = -(2**31), 2**31 - 1
INT8_MIN, INT8_MAX = -(2**63), 2**63 - 1
# A retention or age in days: at most a century, so that `now - days` is a
# timestamp every backend can compute and store.
MAX_DAYS = 36_500
MAX_AGE = timedelta(days=MAX_DAYS)
# Strings that identify a row (user ids) and other bounded text arguments.
MAX_USER_ID = 255

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A UUID's 36-character form (hex digits in either case); what str(uuid.UUID) gives.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

E = TypeVar("E", bound=StrEnum)
M = TypeVar("M")


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field}: {message}", field=field)


def integer(value: object, field: str, *, low: int, high: int) -> int:
    """An int (not a bool, float or Decimal) from `low` to `high`."""
    if type(value) is not int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _refuse(field, "must be an integer")
        value = int(value)  # an int subclass (IntEnum): its plain value
    if not low <= value <= high:
        raise _refuse(field, f"must be an integer from {low} to {high}")
    return value


def text(
    value: object, field: str, *, max_length: int, min_length: int = 1, printable: bool = False
) -> str:
    """A str of `min_length` to `max_length` characters; `printable`: no control characters.
    NUL and lone surrogates (text no backend stores alike) are refused whatever `printable`."""
    if type(value) is not str:
        if not isinstance(value, str):
            raise _refuse(field, "must be a string")
        value = str.__str__(value)  # a str subclass (a StrEnum member): its plain value
    if not min_length <= len(value) <= max_length:
        raise _refuse(field, f"must be {min_length} to {max_length} characters")
    if printable and _CONTROL.search(value):
        raise _refuse(field, "control characters are not allowed")
    if "\x00" in value:
        raise _refuse(field, "the NUL character is not allowed")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            raise _refuse(field, "lone surrogates are not allowed") from None
    return value


def user_id(value: object, field: str = "user_id") -> str:
    """A user id as NewUser.id takes it: a str of 1 to 255 characters, none a control
    character. An id no user can have is refused, not looked up."""
    return text(value, field, max_length=MAX_USER_ID, printable=True)


def optional_user_id(value: object, field: str = "user_id") -> str | None:
    return None if value is None else user_id(value, field)


def row_id(value: object, field: str) -> uuid.UUID:
    """A job, scan, domain or other row id: a uuid.UUID, or its 36-character string
    form (8-4-4-4-12 hex digits, either case). Braces, `urn:uuid:` and other
    spellings are refused."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str) and _UUID.fullmatch(value):
        return uuid.UUID(value)
    raise _refuse(field, "must be a UUID (a uuid.UUID or its 36-character string form)")


def aware(value: object, field: str) -> datetime:
    """A timezone-aware datetime, as UTC."""
    if not isinstance(value, datetime):
        raise _refuse(field, "must be a datetime")
    try:
        if value.utcoffset() is None:
            raise _refuse(field, "must be timezone-aware")
        return value.astimezone(UTC)
    except OverflowError:  # datetime.min with a positive offset, say
        raise _refuse(field, "is out of range in UTC") from None


def flag(value: object, field: str) -> bool:
    """True or False itself, not a truthy value."""
    if value is not True and value is not False:
        raise _refuse(field, "must be True or False")
    return value


def member(enum: type[E], value: object, field: str) -> E:
    """A member of `enum`, given as the member or its str value."""
    if isinstance(value, enum):
        return value
    if isinstance(value, str):
        # The enum's own value table: what enum(value) looks up first, without its
        # exception machinery for a miss.
        found = enum._value2member_map_.get(str.__str__(value))
        if found is not None:
            return cast(E, found)
    raise _refuse(field, f"must be one of {', '.join(enum)}")


def days(value: object, field: str = "days") -> int:
    """A whole number of days from 1 to MAX_DAYS."""
    return integer(value, field, low=1, high=MAX_DAYS)


def age(value: object, field: str) -> timedelta:
    """A positive timedelta of at most MAX_AGE."""
    if not isinstance(value, timedelta) or not timedelta(0) < value <= MAX_AGE:
        raise _refuse(field, f"must be a timedelta above zero and at most {MAX_DAYS} days")
    return value


def instance(value: M, model: type[Any], field: str) -> M:
    """`value` itself, if it is a `model` (build one with `model(...)` first)."""
    if not isinstance(value, model):
        raise _refuse(field, f"must be a {model.__name__}")
    return value
