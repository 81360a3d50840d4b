"""What the SDK sets on every SQLite-family connection, read back from real files."""

from __future__ import annotations

from pathlib import Path

import pytest

import datasdk


@pytest.fixture(params=["sqlite+aiosqlite:///{path}", "file:{path}"], ids=["sqlite", "libsql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return str(request.param).format(path=tmp_path / "setup.db")


async def _pragma(db: datasdk.Database, name: str) -> object:
    [row] = (await db.execute(f"PRAGMA {name}")).rows
    return next(iter(row.values()))


async def test_connections_enforce_foreign_keys_in_wal_mode(url: str) -> None:
    async with datasdk.connect(url) as db:
        assert await _pragma(db, "foreign_keys") == 1
        assert str(await _pragma(db, "journal_mode")).lower() == "wal"


async def test_aiosqlite_connections_wait_for_the_write_lock() -> None:
    # libSQL's file mode waits in the adapter instead (see test_libsql_dialect).
    async with datasdk.connect("sqlite+aiosqlite:///:memory:") as db:
        assert await _pragma(db, "busy_timeout") == 5000


async def test_readers_do_not_wait_for_a_writer(url: str) -> None:
    async with datasdk.connect(url) as first, datasdk.connect(url) as second:
        await first.migrate()
        async with first.transaction() as tx:
            await tx.execute("INSERT INTO users (id) VALUES ('user_1')")
            # The writer holds the write lock; a read-only unit reads the last commit.
            rows = (await second.execute("SELECT count(*) AS n FROM users", read_only=True)).rows
            assert rows == [{"n": 0}]


def test_the_auth_token_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATASDK_AUTH_TOKEN", "s3cr3t-token")
    db = datasdk.connect("libsql://example.turso.io")
    assert "s3cr3t-token" not in repr(db)
    assert "s3cr3t-token" not in repr(db.config)
    assert "s3cr3t-token" not in repr(db.engine)
    assert db.config.auth_token == "s3cr3t-token"


async def test_no_connection_goes_back_to_the_pool_read_only(url: str) -> None:
    # As a read-only unit cancelled on its way in leaves it: query_only on, flagged.
    from sqlalchemy.util import greenlet_spawn

    from datasdk.dialects.sqlite import _QUERY_ONLY

    async with datasdk.connect(url, pool_size=1) as db:
        await db.migrate()
        raw = await db.engine.raw_connection()

        def read_only() -> None:
            raw.cursor().execute("PRAGMA query_only = ON")
            raw.info[_QUERY_ONLY] = True

        await greenlet_spawn(read_only)
        await greenlet_spawn(raw.close)
        # The pool's one connection: a unit and a statement straight to the driver write.
        await db.users.create(datasdk.NewUser(id="user_1"))
        await db.scan_jobs.enqueue("user_1", "https://example.com/")
