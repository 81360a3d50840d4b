"""Where a repository runs: a unit of work per call (`db.<name>`) or the caller's (`tx.<name>`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING

from datasdk.validation import Resolver

if TYPE_CHECKING:
    from datasdk.database import Transaction

Begin = Callable[[bool], AbstractAsyncContextManager["Transaction"]]


class Units:
    """Opens the unit a repository call runs in; repositories never ask which backend."""

    def __init__(self, begin: Begin, resolver: Resolver | None) -> None:
        self._begin = begin
        # Optional DNS check for URLs (SSRF); None means no I/O beyond the database.
        self.resolver = resolver

    def write(self) -> AbstractAsyncContextManager[Transaction]:
        return self._begin(False)

    def read(self) -> AbstractAsyncContextManager[Transaction]:
        return self._begin(True)

    @classmethod
    def joining(cls, tx: Transaction, resolver: Resolver | None) -> Units:
        """Every call joins `tx`: it commits or rolls back with the caller's unit."""

        @asynccontextmanager
        async def same(read_only: bool) -> AsyncIterator[Transaction]:
            yield tx

        return cls(same, resolver)
