"""Small helpers the repositories share: run a statement, hand back models."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Column, Select, Table, and_, bindparam, insert, or_, select
from sqlalchemy.sql.base import Executable

from datasdk.errors import NotFoundError
from datasdk.ids import new_id
from datasdk.models import MAX_PAGE_SIZE, PAGE_SIZE, OutputModel, Page, User
from datasdk.models._base import decode_cursor, encode_cursor
from datasdk.prepared import Prepared
from datasdk.schema.tables import users
from datasdk.validation import arguments as check

if TYPE_CHECKING:
    from datasdk.database import Transaction

M = TypeVar("M", bound=OutputModel)


async def insert_one(tx: Transaction, table: Table, model: type[M], **values: Any) -> M:
    """Insert one row (given a new time-ordered id unless it has one) and return it."""
    values.setdefault("id", new_id())
    statement = insert(table).values(**values).returning(*table.c)
    return await fetch_one(tx, statement, model, f"the new {table.name} row")


_BY_ID = select(users).where(users.c.id == bindparam("user_id"))
_USER = Prepared(_BY_ID, read=True)


async def require_user(tx: Transaction, user_id: str, *, lock: bool = False) -> User:
    """The user, or NotFoundError; `lock` holds the row until the unit ends (see by_id)."""
    statement = _LOCKED_USER if lock else _USER  # both built once, at import
    return await fetch_one(tx, statement, User, f"user {user_id!r}", {"user_id": user_id})


Params = Mapping[str, Any] | None


async def fetch_all(
    tx: Transaction, statement: Executable | Prepared, model: type[M], params: Params = None
) -> list[M]:
    result = await tx.run(statement, params)
    return [model.from_row(row) for row in result.rows]


async def fetch_optional(
    tx: Transaction, statement: Executable | Prepared, model: type[M], params: Params = None
) -> M | None:
    rows = (await tx.run(statement, params)).rows
    return model.from_row(rows[0]) if rows else None


async def fetch_one(
    tx: Transaction,
    statement: Executable | Prepared,
    model: type[M],
    what: str,
    params: Params = None,
) -> M:
    rows = (await tx.run(statement, params)).rows
    if not rows:
        raise NotFoundError(f"{what} does not exist", table=_table_of(statement))
    return model.from_row(rows[0])


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


# Every list method pages the same way: newest first by (a time column, id), the next
# page starting after the last row's pair, which the opaque cursor carries.
_PAGE_AT = "datasdk_page_at"


@dataclass(frozen=True)
class PageRequest:
    """A checked page request: how many rows, and the (time, id) the page starts after."""

    limit: int = PAGE_SIZE
    after: tuple[datetime, uuid.UUID] | None = None


def page_request(limit: int, cursor: str | None) -> PageRequest:
    """Check `limit` and `cursor` before any SQL (ValidationError naming the field)."""
    limit = check.integer(limit, "limit", low=1, high=MAX_PAGE_SIZE)
    return PageRequest(limit, None if cursor is None else decode_cursor(cursor))


def keyset(statement: Select[Any], at: Column[Any], page: PageRequest) -> Select[Any]:
    """`statement`'s rows newest first by (`at`, id), from after `page.after`.

    Reads one row more than the page to tell whether another page follows, and the
    time column once more under a fixed label, for the cursor.
    """
    row_id = at.table.c.id
    if page.after is not None:
        last_at, last_id = page.after
        statement = statement.where(
            # The first term lets an index bound the range; the second breaks ties.
            at <= last_at,
            or_(at < last_at, and_(at == last_at, row_id < last_id)),
        )
    return (
        statement.add_columns(at.label(_PAGE_AT))
        .order_by(at.desc(), row_id.desc())
        .limit(page.limit + 1)
    )


async def fetch_page(
    tx: Transaction, statement: Select[Any], model: type[M], page: PageRequest
) -> Page[M]:
    """One page of a `keyset` statement."""
    rows = (await tx.execute(statement)).rows
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    cursor = encode_cursor(rows[-1][_PAGE_AT], rows[-1]["id"]) if more else None
    return Page(items=[model.from_row(row) for row in rows], next_cursor=cursor)


def _table_of(statement: Executable | Prepared) -> str | None:
    if isinstance(statement, Prepared):
        statement = statement.statement
    froms: list[Any] = getattr(statement, "get_final_froms", list)()
    return str(froms[0].name) if froms and isinstance(froms[0], Table) else None


_LOCKED_USER = Prepared(locked(_BY_ID))
