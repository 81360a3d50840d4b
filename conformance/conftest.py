"""One backend per run, chosen by DATASDK_TEST_BACKEND; every test sees only a Database.

sqlite         SQLite files through aiosqlite
libsql         local libSQL files through libsql-client
postgres       a throwaway PostgreSQL 15 (or DATASDK_TEST_POSTGRES_URL)
libsql-remote  DATASDK_TEST_LIBSQL_URL with DATASDK_TEST_LIBSQL_AUTH_TOKEN: one database
               for the whole run, emptied before each test (harness/remote.py)

A test gets one database from `new_url` unless it is marked `two_databases`; on a
backend that has only one (libsql-remote) such tests are deselected, and the run's
summary says which and why. Tests marked `interrupts_backend` stop and restart the
backend (harness/faults.py); against a server the harness did not start they are
deselected the same way.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

import datasdk
from differential.runner import RESULTS, summary
from harness.faults import FileHolder, HranaRestart, Interruption, PostgresRestart, file_of
from harness.faults import unavailable_reason as interruption_unavailable
from harness.hrana import ENV_CONTROL
from harness.postgres import ENV_URL as POSTGRES_ENV_URL
from harness.postgres import PostgresServer, postgres_server
from harness.remote import wipe

BACKENDS = ("sqlite", "libsql", "postgres", "libsql-remote")
# Backends that give the suite a single database, shared by every test.
SINGLE_DATABASE = ("libsql-remote",)
_counter = itertools.count()


def _backend() -> str:
    backend = os.environ.get("DATASDK_TEST_BACKEND", "sqlite")
    if backend not in BACKENDS:
        raise pytest.UsageError(f"DATASDK_TEST_BACKEND={backend!r}; use one of {BACKENDS}")
    return backend


def pytest_report_header() -> str:
    return f"datasdk conformance backend: {_backend()}"


# The differential suite's default size: thousands of examples, about a minute or two
# per backend on a small machine; `--differential-examples=50000` for a long run.
DIFFERENTIAL_EXAMPLES = 6000


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--differential-examples",
        type=int,
        default=int(os.environ.get("DATASDK_DIFFERENTIAL_EXAMPLES", DIFFERENTIAL_EXAMPLES)),
        help="examples the differential suite runs, shared evenly by the repository methods"
        f" (default {DIFFERENTIAL_EXAMPLES}, or DATASDK_DIFFERENTIAL_EXAMPLES)",
    )


@pytest.fixture
def differential_examples(request: pytest.FixtureRequest) -> int:
    return int(request.config.getoption("--differential-examples"))


_deselected: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    backend = _backend()
    single = backend in SINGLE_DATABASE
    no_restart = interruption_unavailable(backend, bool(os.environ.get(POSTGRES_ENV_URL)))
    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker("two_databases") if single else None
        if marker:
            why = marker.args[0] if marker.args else "no reason given"
            _deselected.append(f"{item.nodeid}: needs two databases ({why})")
        elif no_restart and item.get_closest_marker("interrupts_backend"):
            _deselected.append(f"{item.nodeid}: restarts the backend ({no_restart})")
        else:
            keep.append(item)
            continue
        drop.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if RESULTS:
        found = [d for recorder in RESULTS for d in recorder.found]
        examples = sum(recorder.examples for recorder in RESULTS)
        checks = sum(recorder.checks for recorder in RESULTS)
        values = sum(recorder.values for recorder in RESULTS)
        terminalreporter.section(f"differential suite on {_backend()}")
        terminalreporter.write_line(
            f"{len(RESULTS)} methods, {examples} examples, {checks} outcomes compared"
            f" ({values} values, {checks - values} errors expected),"
            f" {len(found)} disagreements ({sum(d.raw for d in found)} raw exceptions)"
        )
        if found:
            terminalreporter.write_line(summary(found))
    if _deselected:
        terminalreporter.section(f"deselected on {_backend()}")
        for line in _deselected:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | None]:
    """The PostgreSQL server of the run (None on the other backends)."""
    if _backend() != "postgres":
        yield None
        return
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url_factory(postgres: PostgresServer | None) -> Callable[[], str] | None:
    if postgres is None:
        return None
    server = postgres
    return lambda: server.create_database(f"conformance_{os.getpid()}_{next(_counter)}")


@pytest.fixture
def interruption(
    request: pytest.FixtureRequest, postgres: PostgresServer | None
) -> Callable[[datasdk.Database], Interruption]:
    """`interruption(db)`: stop() makes the backend under test unavailable to `db`,
    start() brings it back (harness/faults.py says how, per backend). Only for tests
    marked `interrupts_backend`, which are deselected where it cannot be done."""
    if request.node.get_closest_marker("interrupts_backend") is None:
        raise RuntimeError("mark the test @pytest.mark.interrupts_backend")
    backend = _backend()

    def make(db: datasdk.Database) -> Interruption:
        if backend == "postgres":
            return PostgresRestart(postgres)
        if backend == "libsql-remote":
            return HranaRestart(os.environ[ENV_CONTROL])
        return FileHolder(file_of(db.config.url))

    return make


@pytest.fixture
async def new_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    postgres_url_factory: Callable[[], str] | None,
) -> Callable[[], str]:
    """The URL of a new, empty database of the backend under test (one per test).

    A second one is for tests marked `two_databases` only, so that a test cannot
    quietly use two databases where the backend has just one.
    """
    backend = _backend()
    handed_out = 0
    if backend == "libsql-remote":
        # The one remote database: empty it of whatever an earlier test left.
        await wipe(
            os.environ["DATASDK_TEST_LIBSQL_URL"], os.environ.get("DATASDK_TEST_LIBSQL_AUTH_TOKEN")
        )

    def make() -> str:
        nonlocal handed_out
        handed_out += 1
        if handed_out > 1 and request.node.get_closest_marker("two_databases") is None:
            raise RuntimeError(
                "a second database: mark the test @pytest.mark.two_databases(reason)"
                f" ({', '.join(SINGLE_DATABASE)} give a run one database and deselect such tests)"
            )
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
