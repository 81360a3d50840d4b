"""datasdk.connect(engine): which engines it takes, and what it leaves behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine

import datasdk
from datasdk.dialects.sqlite import _on_begin


def test_an_engine_of_another_database_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setattr(engine.sync_engine.dialect, "name", "mysql")
    with pytest.raises(datasdk.ConfigurationError, match="mysql"):
        datasdk.connect(engine)


def test_an_auth_token_goes_with_a_url_only(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(datasdk.ConfigurationError):
        datasdk.connect(engine, auth_token="t")


async def test_the_engine_is_prepared_once_and_left_open(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    first, second = datasdk.connect(engine), datasdk.connect(engine)
    assert first.backend is datasdk.Backend.SQLITE
    assert event.contains(engine.sync_engine, "begin", _on_begin)
    await first.migrate()
    async with second.transaction() as tx:
        await tx.execute("INSERT INTO users (id) VALUES ('user_1')")
    await first.close()
    await second.close()
    # No hook of either Database stays behind on the shared engine.
    assert len(engine.sync_engine.dialect.dispatch.handle_error) == 0
    # Still the application's: open, and its own units still begin and commit.
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO users (id) VALUES ('user_2')"))
    async with engine.connect() as connection:
        count = await connection.execute(text("SELECT count(*) FROM users"))
        assert count.scalar_one() == 2
    await engine.dispose()


async def test_an_owned_engine_is_disposed(tmp_path: Path) -> None:
    db = datasdk.connect(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    await db.migrate()
    await db.close()
    assert db.engine.sync_engine.pool.checkedin() == 0
