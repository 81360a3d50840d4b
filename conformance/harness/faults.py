"""Interrupting the backend under test, for the fault tests (conformance/test_faults.py).

One interface, `Interruption`: `stop()` makes the database unavailable to the SDK,
`start()` brings it back. What that means per backend:

postgres       the harness's server is shut down (fast: every session is terminated)
               and started again on the same port, with its data.
sqlite/libsql  another process holds the database file: with SQLite's exclusive
               locking mode when nothing else has it open (reads and writes wait),
               else with an exclusive write transaction (writes wait; WAL readers
               never do). `start()` commits and ends that process.
libsql-remote  the Hrana test server's process is killed and started again on the
               same port with the same file (harness/hrana.py's control URL).

A server the harness did not start (DATASDK_TEST_POSTGRES_URL, DATASDK_TEST_LIBSQL_URL
without the Hrana harness) cannot be interrupted: `unavailable_reason` says so, and
the tests that need it are deselected with that reason.
"""

from __future__ import annotations

import asyncio
import os
import sys
import urllib.request
from typing import Any, Protocol

from harness.hrana import ENV_CONTROL

# The holder: takes the lock, says so, waits for a line on stdin, commits and exits.
_HOLDER = r"""
import sqlite3, sys
path = sys.argv[1]
def hold(exclusive, timeout):
    connection = sqlite3.connect(path, isolation_level=None, timeout=timeout)
    if exclusive:
        connection.execute("PRAGMA locking_mode = EXCLUSIVE")
    connection.execute("BEGIN EXCLUSIVE")
    # A write, so that the lock is the writer's (under WAL, BEGIN alone is not enough).
    connection.execute("CREATE TABLE IF NOT EXISTS _fault_holder (x)")
    connection.execute("INSERT INTO _fault_holder VALUES (1)")
    if exclusive:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
    return connection
try:
    # Exclusive locking mode is only had while no other connection has the file open.
    held, mode = hold(True, 0.2), "exclusive"
except sqlite3.OperationalError:
    held, mode = hold(False, 10.0), "write"
print(mode, flush=True)
sys.stdin.readline()
held.execute("DROP TABLE _fault_holder")
held.execute("COMMIT")
held.close()
"""


class Interruption(Protocol):
    async def stop(self) -> None: ...

    async def start(self) -> None: ...


class PostgresRestart:
    def __init__(self, server: Any) -> None:
        self._server = server

    async def stop(self) -> None:
        await asyncio.to_thread(self._server.shut_down)

    async def start(self) -> None:
        await asyncio.to_thread(self._server.start_again)


class FileHolder:
    """Another process holding a SQLite / local libSQL database file."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._process: asyncio.subprocess.Process | None = None
        self.mode = ""

    async def stop(self) -> None:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _HOLDER,
            self._path,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        self._process = process
        assert process.stdout is not None
        self.mode = (await process.stdout.readline()).decode().strip()
        if not self.mode:
            raise RuntimeError(f"the lock holder failed ({await process.wait()})")

    async def start(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None
        process.stdin.write(b"\n")
        await process.stdin.drain()
        if await process.wait() != 0:
            raise RuntimeError("the lock holder failed to release the file")


class HranaRestart:
    """Kill and restart the Hrana test server, through harness/hrana.py's control URL."""

    def __init__(self, control: str) -> None:
        self._control = control

    def _post(self, action: str) -> None:
        request = urllib.request.Request(f"{self._control}/{action}", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    async def stop(self) -> None:
        await asyncio.to_thread(self._post, "stop")

    async def start(self) -> None:
        await asyncio.to_thread(self._post, "start")


def file_of(url: str) -> str:
    """The file of a SQLite (`sqlite+aiosqlite:///path`) or libSQL (`file:path`) URL."""
    for prefix in ("sqlite+aiosqlite:///", "file:"):
        if url.startswith(prefix):
            return url[len(prefix) :]
    raise ValueError(f"not a database file URL: {url}")


def unavailable_reason(backend: str, postgres_external: bool) -> str | None:
    """Why the backend under test cannot be interrupted here; None when it can."""
    if backend == "postgres" and postgres_external:
        return "DATASDK_TEST_POSTGRES_URL names a server the harness cannot restart"
    if backend == "libsql-remote" and not os.environ.get(ENV_CONTROL):
        return "DATASDK_TEST_LIBSQL_URL names a server the harness did not start (no restart)"
    return None
