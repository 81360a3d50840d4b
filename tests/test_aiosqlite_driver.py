"""The one-hop aiosqlite adapter: each statement is one call on the sqlite3 thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import create_async_engine

from datasdk.dialects.aiosqlite_driver import OneHopDBAPI


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every function aiosqlite sends to its thread, by name."""
    sent: list[str] = []
    original = aiosqlite.Connection._execute

    async def counting(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return sent


async def test_each_statement_is_one_hop(tmp_path: Path, hops: list[str]) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}", module=OneHopDBAPI())
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)")
            hops.clear()
            inserted = await conn.exec_driver_sql("INSERT INTO t (x) VALUES (?)", ("a",))
            assert hops == ["_statement"]
            assert (inserted.rowcount, inserted.lastrowid) == (1, 1)
            many = await conn.exec_driver_sql("INSERT INTO t (x) VALUES (?)", [("b",), ("c",)])
            assert many.rowcount == 2
            hops.clear()
            rows = (await conn.exec_driver_sql("SELECT x FROM t ORDER BY id")).all()
            assert hops == ["_statement"]
            assert [row.x for row in rows] == ["a", "b", "c"]
            await conn.commit()
    finally:
        await engine.dispose()


async def test_errors_are_sqlite3s_own(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'e.db'}", module=OneHopDBAPI())
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY CHECK (id > 0))")
            with pytest.raises(sa_exc.IntegrityError) as caught:
                await conn.exec_driver_sql("INSERT INTO t VALUES (0)")
            assert caught.value.orig.sqlite_errorcode == 275  # type: ignore[union-attr]
    finally:
        await engine.dispose()
