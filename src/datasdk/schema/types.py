"""Portable column types and SQL expressions: one logical type, rendered per dialect.

The per-dialect renderings of the SQL expressions live in `datasdk.dialects`.
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine

from datasdk.schema.canonical import check_text, dumps, loads

# Fixed width, so that text order is time order on SQLite/libSQL.
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UUIDType(TypeDecorator[uuid.UUID]):
    """`uuid` on PostgreSQL; 36-char lowercase hyphenated TEXT elsewhere."""

    impl = String(36)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.UUID(as_uuid=True))
        return dialect.type_descriptor(String(36))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        parsed = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        return parsed if dialect.name == "postgresql" else str(parsed)

    def process_result_value(self, value: Any, dialect: Dialect) -> uuid.UUID | None:
        if value is None:
            return None
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def format_timestamp(value: datetime) -> str:
    """Fixed-width UTC text; strftime's %Y does not zero-pad years before 1000."""
    return f"{value.year:04d}-" + value.strftime(TIMESTAMP_FORMAT)[len(str(value.year)) + 1 :]


class UTCDateTime(TypeDecorator[datetime]):
    """`timestamptz` on PostgreSQL; fixed-width ISO-8601 UTC TEXT elsewhere."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else format_timestamp(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            # asyncpg writes the range's two ends (0001-01-01T00:00:00Z and
            # 9999-12-31T23:59:59.999999Z) as -infinity and infinity, and reads those
            # back as naive datetime.min and datetime.max: they are UTC.
            if value.tzinfo is None:
                return value.replace(tzinfo=UTC)
            return value if value.tzinfo is UTC else value.astimezone(UTC)
        # The stored form is fixed (its type check says so): fromisoformat reads it
        # exactly as strptime(TIMESTAMP_FORMAT) would, at a tenth of the cost.
        return datetime.fromisoformat(value)


class JSONType(TypeDecorator[Any]):
    """`jsonb` on PostgreSQL; JSON text (checked by `json_valid`) elsewhere."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB(none_as_null=True))
        return dialect.type_descriptor(JSON(none_as_null=True))

    def bind_processor(self, dialect: Dialect) -> Any:
        # The one JSON text (see `canonical`), whatever JSON serializer the engine has.
        return _bind_json

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        # Where rows hold JSON text (SQLite, libSQL), read it as jsonb keeps numbers,
        # whatever spelling raw SQL stored (see `canonical`). Where the driver decodes
        # the value itself (asyncpg's jsonb codec), the server already normalised it.
        if self.load_dialect_impl(dialect).result_processor(dialect, coltype) is None:
            return None
        return _result_json


def _result_json(value: Any) -> Any:
    return loads(value) if isinstance(value, str | bytes) else value


def _bind_json(value: Any) -> str | None:
    return None if value is None else dumps(value)


class InetType(TypeDecorator[IPAddress]):
    """`inet` on PostgreSQL; the address as TEXT elsewhere."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.INET())
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        text = str(ipaddress.ip_address(str(value)))
        if "%" in text:
            # PostgreSQL's inet drops a zone id without a word; no backend stores one.
            raise ValueError("an IPv6 zone id (fe80::1%eth0) is not stored: give the address")
        return text

    def process_result_value(self, value: Any, dialect: Dialect) -> IPAddress | None:
        if value is None:
            return None
        # asyncpg may hand back an interface (address/prefix) for inet.
        text = str(getattr(value, "ip", value))
        return ipaddress.ip_address(text)


class CheckedString(TypeDecorator[str]):
    """VARCHAR(n) whose values every backend can store: no NUL, no lone surrogate."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return check_text(value) if isinstance(value, str) else value


class CheckedText(TypeDecorator[str]):
    """TEXT whose values every backend can store: no NUL, no lone surrogate."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return check_text(value) if isinstance(value, str) else value


def json_literal(value: Any) -> str:
    """A JSON value as a SQL string literal, for server defaults."""
    return "'" + json.dumps(value, separators=(",", ":")).replace("'", "''") + "'"


class utc_now(FunctionElement[datetime]):
    """The statement's time in UTC, optionally shifted by whole days and seconds.

    Queries that compare with database-stamped times (`updated_at`) use this rather
    than the application's clock, which may disagree with the server's.
    """

    inherit_cache = False  # rendered as literal SQL: the offsets are not a cache key
    type = UTCDateTime()

    def __init__(self, days: int = 0, seconds: float = 0) -> None:
        self.days = days
        self.seconds = float(seconds)
        super().__init__()


def shift_terms(element: utc_now) -> list[tuple[str, str]]:
    """The non-zero offsets of `element` as signed SQL literals, e.g. ("-90.500000", "seconds")."""
    terms = [(f"{element.days:+d}", "days")] if element.days else []
    if element.seconds:
        terms.append((f"{element.seconds:+.6f}", "seconds"))
    return terms


class new_uuid(FunctionElement[uuid.UUID]):
    """A random (v4) UUID generated by the database, for rows inserted by raw SQL."""

    inherit_cache = False  # DDL-only; the instance attributes are not part of a cache key
    type = UUIDType()


class is_sha256_hex(ColumnElement[bool]):
    """True when a column holds exactly 64 lowercase hexadecimal characters."""

    inherit_cache = False  # DDL-only; the instance attributes are not part of a cache key

    def __init__(self, column: str) -> None:
        self.column = column
        super().__init__()


class json_type_is(ColumnElement[bool]):
    """True when a JSON column holds a value of the given JSON type ('array', 'object')."""

    inherit_cache = False  # DDL-only; the instance attributes are not part of a cache key

    def __init__(self, column: str, json_type: str) -> None:
        self.column = column
        self.json_type = json_type
        super().__init__()


class is_ascii_lowercase(ColumnElement[bool]):
    """True when a text column has no ASCII capitals (SQLite's lower() folds only ASCII)."""

    inherit_cache = False  # DDL-only; the instance attributes are not part of a cache key

    def __init__(self, column: str) -> None:
        self.column = column
        super().__init__()


class value_is(ColumnElement[bool]):
    """True when a column holds a value of the logical type `kind` (see `type_kind`), in
    the one stored form the SDK writes; NULL passes. Rendered only where the column's
    own type does not already refuse everything else: SQLite/libSQL, and PostgreSQL for
    `POSTGRESQL_CHECKED_KINDS`."""

    inherit_cache = False  # DDL-only; the instance attributes are not part of a cache key

    def __init__(self, column: str, kind: str) -> None:
        self.column = column
        self.kind = kind
        super().__init__()


# The kinds PostgreSQL checks too: its column types accept more than the one range
# (timestamptz: years 4713 BC to 294276) or form (inet: a network prefix).
POSTGRESQL_CHECKED_KINDS = frozenset({"timestamp", "inet"})


def type_kind(column_type: TypeEngine[Any]) -> str | None:
    """The logical type a column's values are checked against, or None (free text)."""
    # Subclasses first: BigInteger is an Integer.
    kinds: tuple[tuple[type[TypeEngine[Any]], str], ...] = (
        (UUIDType, "uuid"),
        (UTCDateTime, "timestamp"),
        (InetType, "inet"),
        (JSONType, "json"),
        (Boolean, "boolean"),
        (BigInteger, "int8"),
        (Integer, "int4"),
        (CheckedString, "text"),
        (CheckedText, "text"),
        (String, "text"),
    )
    for cls, kind in kinds:
        if isinstance(column_type, cls):
            return kind
    return None
