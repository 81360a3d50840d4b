"""Shared set-up for the API tests: users through the repositories, barrier-released races,
the statements a call sends."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import datasdk

T = TypeVar("T")
HASH = "b" * 64
_n = itertools.count(1)

_FRAMING = frozenset({"BEGIN", "COMMIT", "ROLLBACK"})


@contextmanager
def statements_sent(db: datasdk.Database) -> Iterator[list[str]]:
    """The SQL of each statement `db` sends inside the block, BEGIN/COMMIT/ROLLBACK
    left out (the database's statement listener: both of the SDK's paths)."""
    sent: list[str] = []

    def listen(sql: str, _parameters: object) -> None:
        if sql.split(None, 1)[0].upper() not in _FRAMING:
            sent.append(sql)

    db.add_statement_listener(listen)
    try:
        yield sent
    finally:
        db.remove_statement_listener(listen)


async def new_user(db: datasdk.Database, *, credits: int = 0) -> datasdk.User:
    n = next(_n)
    user = await db.users.create(datasdk.NewUser(id=f"user_api_{n}", email=f"api{n}@example.com"))
    await db.wallets.open(user.id)
    if credits:
        await db.wallets.credit(user.id, credits, kind="grant", idempotency_key=f"grant-{n}")
    return user


async def race(n: int, call: Callable[[int], Awaitable[T]]) -> list[T | BaseException]:
    """Run `call(i)` for i < n, all released together; outcomes in order, errors included.

    Each call opens its own unit of work, so each races on a connection of its own.
    """
    barrier = asyncio.Barrier(n)

    async def one(i: int) -> T:
        await barrier.wait()
        return await call(i)

    return await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True)


def outcomes(results: list[T | BaseException]) -> tuple[list[T], list[BaseException]]:
    ok = [r for r in results if not isinstance(r, BaseException)]
    failed = [r for r in results if isinstance(r, BaseException)]
    return ok, failed
