"""One backend per run, chosen by DATASDK_TEST_BACKEND; every test sees only a Database.

sqlite         SQLite files through aiosqlite
libsql         local libSQL files through libsql-client
postgres       a throwaway PostgreSQL 15 (or DATASDK_TEST_POSTGRES_URL)
libsql-remote  DATASDK_TEST_LIBSQL_URL with DATASDK_TEST_LIBSQL_AUTH_TOKEN
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

import datasdk
from harness.postgres import postgres_server

BACKENDS = ("sqlite", "libsql", "postgres", "libsql-remote")
_counter = itertools.count()


def _backend() -> str:
    backend = os.environ.get("DATASDK_TEST_BACKEND", "sqlite")
    if backend not in BACKENDS:
        raise pytest.UsageError(f"DATASDK_TEST_BACKEND={backend!r}; use one of {BACKENDS}")
    return backend


def pytest_report_header() -> str:
    return f"datasdk conformance backend: {_backend()}"


@pytest.fixture(scope="session")
def postgres_url_factory() -> Iterator[Callable[[], str] | None]:
    if _backend() != "postgres":
        yield None
        return
    with postgres_server() as server:
        yield lambda: server.create_database(f"conformance_{os.getpid()}_{next(_counter)}")


@pytest.fixture
def new_url(tmp_path: Path, postgres_url_factory: Callable[[], str] | None) -> Callable[[], str]:
    """A URL of a new, empty database of the backend under test."""
    backend = _backend()

    def make() -> str:
        n = next(_counter)
        if backend == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / f'db{n}.sqlite'}"
        if backend == "libsql":
            return f"file:{tmp_path / f'db{n}.sqlite'}"
        if backend == "postgres":
            assert postgres_url_factory is not None
            return postgres_url_factory()
        return os.environ["DATASDK_TEST_LIBSQL_URL"]

    return make


@pytest.fixture
async def open_database(
    new_url: Callable[[], str],
) -> AsyncIterator[Callable[..., Awaitable[datasdk.Database]]]:
    """Open new empty databases; each is closed when the test ends."""
    opened: list[datasdk.Database] = []
    token = os.environ.get("DATASDK_TEST_LIBSQL_AUTH_TOKEN")

    async def open_(url: str | None = None, **options: object) -> datasdk.Database:
        database = datasdk.connect(url or new_url(), auth_token=token, **options)  # type: ignore[arg-type]
        opened.append(database)
        if _backend() == "libsql-remote":
            # One remote database serves every test: start each from an empty schema.
            await database.downgrade("base")
        return database

    yield open_
    for database in opened:
        await database.close()


@pytest.fixture
async def database(
    open_database: Callable[..., Awaitable[datasdk.Database]],
) -> AsyncIterator[datasdk.Database]:
    """A migrated, empty database of the backend under test."""
    db = await open_database(pool_size=40)
    await db.migrate()
    yield db
    await db.close()
