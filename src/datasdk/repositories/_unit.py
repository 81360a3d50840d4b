"""Where a repository runs: a unit of work per call (`db.<name>`) or the caller's (`tx.<name>`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from datasdk.validation import Resolver

if TYPE_CHECKING:
    from datasdk.database import Transaction

# "write": a unit that holds the write lock (SQLite) and commits at its end;
# "read": statements that change nothing, each on its own (safe to send again);
# "statements": each statement commits by itself, for single-statement writes.
Begin = Callable[[str], AbstractAsyncContextManager["Transaction"]]


class Units:
    """Opens the unit a repository call runs in; repositories never ask which backend."""

    def __init__(self, begin: Begin, resolver: Resolver | None, *, joined: bool = False) -> None:
        self._begin = begin
        # Calls join a caller's unit: a failed statement ends it, so no retry after one.
        self.joined = joined
        # Optional DNS check for URLs (SSRF); None means no I/O beyond the database.
        self.resolver = resolver

    def write(self) -> AbstractAsyncContextManager[Transaction]:
        """Several statements that commit or roll back together."""
        return self._begin("write")

    def read(self) -> AbstractAsyncContextManager[Transaction]:
        """Reads: each statement sees the database as of its own start, as PostgreSQL's
        READ COMMITTED gives, on every backend; no BEGIN or COMMIT around them."""
        return self._begin("read")

    def statement(self) -> AbstractAsyncContextManager[Transaction]:
        """One statement that decides alone (its constraints and triggers enforce the
        rules): it commits by itself, in one round trip."""
        return self._begin("statements")

    @classmethod
    def joining(cls, tx: Transaction, resolver: Resolver | None) -> Units:
        """Every call joins `tx`: it commits or rolls back with the caller's unit."""
        return cls(_Joined(tx), resolver, joined=True)


class _Joined:
    """`begin` for calls that join a unit: whatever they ask for, the unit itself."""

    __slots__ = ("_tx",)

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def __call__(self, kind: str) -> _Joined:
        return self

    async def __aenter__(self) -> Transaction:
        return self._tx

    async def __aexit__(self, *exc: object) -> None:
        return None
