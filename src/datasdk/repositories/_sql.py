"""Small helpers the repositories share: run a statement, hand back models."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

import pydantic
from pydantic import TypeAdapter
from sqlalchemy import Select, Table, insert, select
from sqlalchemy.sql.base import Executable

from datasdk.errors import NotFoundError, ValidationError
from datasdk.ids import new_id
from datasdk.models import OutputModel, User
from datasdk.schema.tables import users

if TYPE_CHECKING:
    from datasdk.database import Transaction

M = TypeVar("M", bound=OutputModel)
T = TypeVar("T")


async def insert_one(tx: Transaction, table: Table, model: type[M], **values: Any) -> M:
    """Insert one row (given a new time-ordered id unless it has one) and return it."""
    values.setdefault("id", new_id())
    statement = insert(table).values(**values).returning(*table.c)
    return await fetch_one(tx, statement, model, f"the new {table.name} row")


async def require_user(tx: Transaction, user_id: str, *, lock: bool = False) -> User:
    """The user, or NotFoundError; `lock` holds the row until the unit ends (see by_id)."""
    statement = select(users).where(users.c.id == user_id)
    return await fetch_one(tx, locked(statement) if lock else statement, User, f"user {user_id!r}")


async def fetch_all(tx: Transaction, statement: Executable, model: type[M]) -> list[M]:
    result = await tx.execute(statement)
    return [model.from_row(row) for row in result.rows]


async def fetch_optional(tx: Transaction, statement: Executable, model: type[M]) -> M | None:
    rows = await fetch_all(tx, statement, model)
    return rows[0] if rows else None


async def fetch_one(tx: Transaction, statement: Executable, model: type[M], what: str) -> M:
    row = await fetch_optional(tx, statement, model)
    if row is None:
        raise NotFoundError(f"{what} does not exist", table=_table_of(statement))
    return row


def locked(statement: Select[Any], *, skip_locked: bool = False) -> Select[Any]:
    """Hold the selected rows until the unit ends.

    PostgreSQL: FOR NO KEY UPDATE, which queues writers of the row but not inserts
    elsewhere whose foreign keys point at it (they take KEY SHARE). SQLite and libSQL
    render no clause: a writing unit already holds the database's write lock.
    """
    return statement.with_for_update(key_share=True, skip_locked=skip_locked)


def by_id(table: Table, row_id: uuid.UUID | str, *, lock: bool = False) -> Select[Any]:
    """The row with this id; `lock` holds it until the unit ends (see `locked`)."""
    statement = select(table).where(table.c.id == row_id)
    return locked(statement) if lock else statement


def adapt(adapter: TypeAdapter[T], value: object, field: str) -> T:
    """`value` checked against a model field type, or a ValidationError naming `field`."""
    try:
        return adapter.validate_python(value)
    except pydantic.ValidationError as exc:
        message = exc.errors(include_input=False, include_url=False)[0]["msg"]
        raise ValidationError(f"{field}: {message}", field=field) from None


def as_uuid(value: uuid.UUID | str, field: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError(f"{field}: not a UUID", field=field) from None


E = TypeVar("E", bound=StrEnum)


def member(enum: type[E], value: object, field: str) -> E:
    try:
        return enum(str(value))
    except ValueError:
        raise ValidationError(f"{field}: not one of {', '.join(enum)}", field=field) from None


def positive_limit(limit: int, *, field: str = "limit", maximum: int = 1000) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= maximum:
        raise ValidationError(f"{field}: must be an integer from 1 to {maximum}", field=field)
    return limit


def _table_of(statement: Executable) -> str | None:
    froms: list[Any] = getattr(statement, "get_final_froms", list)()
    return str(froms[0].name) if froms and isinstance(froms[0], Table) else None
