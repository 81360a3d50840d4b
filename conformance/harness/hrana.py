"""The libSQL authors' Hrana test server, so remote conformance needs no sqld.

    python -m harness.hrana [--mode sqld|native] [--db FILE] -- COMMAND...

starts the server (hrana-test-server's server_v2) in a process of its own on a free
localhost port with every connection sharing one database file, runs COMMAND with
DATASDK_TEST_LIBSQL_URL pointing at it (and DATASDK_HRANA_CONTROL_URL, through which a
test kills and restarts the server), and exits with COMMAND's status.

The server lives outside this repository (MIT, by the libSQL authors): it is found in
$DATASDK_HRANA_SERVER_DIR or, by default, in ../shared/tools/hrana-test-server next to
the repository. Nothing there is modified; this module patches it at runtime.

Modes:

native  the server as its authors ship it: errors carry SQLite's *extended* code name
        (SQLITE_CONSTRAINT_CHECK) and the message "SQLite function returned error code
        275 (constraint failed): <sqlite's message>"; rows affected count trigger
        writes too (a difference of sqlite3_total_changes()).
sqld    errors as sqld's Hrana layer sends them, which is what the SDK must handle in
        production: only the *primary* code name (SQLITE_CONSTRAINT) with the message
        "SQLite error: <sqlite's message>"; a statement SQLite cannot compile (syntax
        error, no such table or column) as SQL_INPUT_ERROR "SQL input error: <msg>
        (at offset N)"; rows affected from sqlite3_changes(), as sqld counts them.

        A transaction that has kept the write lock longer than sqld's transaction
        timeout (5 s) while another writer waits is rolled back, and its owner's next
        request fails with TRANSACTION_TIMEOUT "Transaction timed out", as sqld does;
        so a connection a failed test abandoned mid-transaction cannot lock the
        shared database for the rest of the run.

What the test server still does not imitate: sqld refuses transactions beyond its
limit (TRANSACTION_BUSY "Server cannot handle additional transactions"). And it runs
every statement of every connection behind one lock, each connection with a 1 s
busy timeout: a writer that finds the database locked holds up the whole server for
that second and then gets SQLITE_BUSY, where sqld's writers wait side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import os
import socket
import sys
import tempfile
import time
import traceback
import weakref
from pathlib import Path
from typing import Any

ENV_DIR = "DATASDK_HRANA_SERVER_DIR"
ENV_URL = "DATASDK_TEST_LIBSQL_URL"
# Set for COMMAND: POST <url>/stop kills the server process, POST <url>/start starts it
# again on the same port with the same database file (the fault tests use it).
ENV_CONTROL = "DATASDK_HRANA_CONTROL_URL"
MODES = ("sqld", "native")
# sqld's default limit on how long a transaction may keep others from writing.
TXN_TIMEOUT_SECONDS = 5.0
_SQLITE_TXN_WRITE = 2
_REPO = Path(__file__).resolve().parents[2]
DEFAULT_DIR = _REPO.parent / "shared" / "tools" / "hrana-test-server"


def server_dir() -> Path:
    """Where the Hrana test server is expected (it may not exist)."""
    return Path(os.environ.get(ENV_DIR) or DEFAULT_DIR)


def _import_server() -> Any:
    directory = server_dir()
    if not (directory / "server_v2.py").is_file():
        raise SystemExit(f"no Hrana test server in {directory} (set {ENV_DIR})")
    sys.path.insert(0, str(directory))
    import server_v2  # type: ignore[import-not-found]

    return server_v2


def _patch_common(server: Any) -> None:
    """Finalize the statement of a failed request at once, as sqld does."""
    original_execute = server.execute_stmt

    def execute_stmt(conn: Any, sqls: Any, stmt: Any) -> Any:
        try:
            return original_execute(conn, sqls, stmt)
        except BaseException as err:
            # The error's traceback and the failed frame's locals form a cycle that
            # keeps the prepared statement alive until a garbage collection. Closing
            # a connection with a live statement only makes it a zombie that keeps
            # its open transaction, and so the write lock: a client that went away
            # mid-transaction would lock the database for an unknown time.
            seen = err
            while seen is not None:
                traceback.clear_frames(seen.__traceback__)
                seen = seen.__cause__ or seen.__context__
            raise

    server.execute_stmt = execute_stmt


def _patch_sqld(server: Any) -> None:
    """Make the server put errors and row counts on the wire the way sqld does."""
    c3 = server.c3
    names = sys.modules["sqlite3_error_map"].sqlite_error_code_to_name
    error_offset = getattr(c3.lib, "sqlite3_error_offset", None)
    if error_offset is not None:
        error_offset.argtypes = (ctypes.c_void_p,)
        error_offset.restype = ctypes.c_int

    def _try(error_code: int, conn: Any = None) -> None:
        # As c3._try, but keeping sqlite's own message apart from the decoration.
        if error_code == 0:
            return
        detail = conn.errmsg() if conn is not None else c3.Conn.errstr(error_code)
        err = c3.SqliteError(
            f"SQLite function returned error code {error_code}"
            f" ({c3.Conn.errstr(error_code)}): {detail}",
            error_code,
        )
        err.sqlite_message = detail
        err.input_offset = None
        raise err

    c3._try = _try

    original_prepare = c3.Conn.prepare

    def prepare(self: Any, sql: str) -> Any:
        try:
            return original_prepare(self, sql)
        except c3.SqliteError as err:
            # sqld (through rusqlite) reports a generic SQLITE_ERROR from compiling a
            # statement as an input error with its offset. The SQLite it bundles knows
            # the offset of an unknown table or column too, which an older system
            # SQLite may not: report 0 there rather than a different error code.
            if err.error_code & 0xFF == 1:
                offset = error_offset(self.db_ptr) if error_offset is not None else -1
                err.input_offset = max(offset, 0)
            raise

    c3.Conn.prepare = prepare

    original_init = server.ResponseError.__init__

    def response_error_init(self: Any, message: Any, code: Any = None) -> None:
        if isinstance(message, c3.SqliteError) and code is None:
            text = getattr(message, "sqlite_message", str(message))
            offset = getattr(message, "input_offset", None)
            if offset is not None:
                text = f"SQL input error: {text} (at offset {offset})"
                original_init(self, text, "SQL_INPUT_ERROR")
            else:
                primary = names.get(message.error_code & 0xFF, "SQLITE_ERROR")
                original_init(self, f"SQLite error: {text}", primary)
            return
        original_init(self, message, code)

    server.ResponseError.__init__ = response_error_init

    original_execute = server.execute_stmt
    # Write transactions by when they began, and those rolled back under their owner.
    writers: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
    expired: weakref.WeakSet[Any] = weakref.WeakSet()

    def steal_expired_lock(waiter: Any) -> bool:
        # sqld lets a writer that finds the lock held past the transaction timeout
        # roll the holder back; the holder learns it at its next request.
        now = time.monotonic()
        for holder, since in list(writers.items()):
            if holder.db_ptr is None:  # closed since, which ended its transaction
                del writers[holder]
            elif holder is not waiter and now - since > TXN_TIMEOUT_SECONDS:
                holder.exec("ROLLBACK")
                del writers[holder]
                expired.add(holder)
                return True
        return False

    def execute_stmt(conn: Any, sqls: Any, stmt: Any) -> Any:
        if conn in expired:
            expired.discard(conn)
            raise server.ResponseError("Transaction timed out", "TRANSACTION_TIMEOUT")
        before = conn.total_changes()
        try:
            try:
                result = original_execute(conn, sqls, stmt)
            except server.ResponseError as err:
                if err.code != "SQLITE_BUSY" or not steal_expired_lock(conn):
                    raise
                result = original_execute(conn, sqls, stmt)
        finally:
            if conn.txn_state() == _SQLITE_TXN_WRITE:
                writers.setdefault(conn, time.monotonic())
            else:
                writers.pop(conn, None)
        # sqlite3_changes(): rows the statement itself changed, not its triggers'.
        wrote = conn.total_changes() != before
        result["affected_row_count"] = conn.changes() if wrote else 0
        return result

    server.execute_stmt = execute_stmt


async def _serve(server: Any, db_file: str, port: int) -> None:
    """Run the server on `port` until killed (the --serve child)."""
    import aiohttp.web

    # server_v2.main() binds port 8080; build the same app on the given port instead.
    app = aiohttp.web.Application()
    app.add_routes(
        [
            aiohttp.web.get("/", server.handle_get_index),
            aiohttp.web.post("/v1/execute", server.handle_post_execute),
            aiohttp.web.post("/v1/batch", server.handle_post_batch),
            aiohttp.web.get("/v2", server.handle_get_index),
            aiohttp.web.post("/v2/pipeline", server.handle_post_pipeline),
        ]
    )
    app["http_streams"] = {}
    app["http_db_file"] = db_file
    app["db_lock"] = asyncio.Lock()
    runner = aiohttp.web.AppRunner(app)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", port, reuse_address=True)
    await site.start()
    print("ready", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _ServerProcess:
    """The server in a process of its own, so that a test can kill and restart it."""

    def __init__(self, mode: str, db_file: str, port: int) -> None:
        self._argv = [sys.executable, __file__, "--mode", mode, "--db", db_file]
        self._argv += ["--serve", str(port)]
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        if self._process is not None:
            return
        process = await asyncio.create_subprocess_exec(*self._argv, stdout=asyncio.subprocess.PIPE)
        assert process.stdout is not None
        if (await process.stdout.readline()).strip() != b"ready":
            raise RuntimeError(f"the Hrana test server did not start ({await process.wait()})")
        self._process = process

    async def kill(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()  # as a crash would: no goodbye to the clients
            await process.wait()


async def _control(server: _ServerProcess) -> tuple[Any, str]:
    """POST /stop kills the server, POST /start starts it again (same port, same file)."""
    import aiohttp.web

    async def stop(_request: Any) -> Any:
        await server.kill()
        return aiohttp.web.Response(text="stopped")

    async def start(_request: Any) -> Any:
        await server.start()
        return aiohttp.web.Response(text="started")

    app = aiohttp.web.Application()
    app.add_routes([aiohttp.web.post("/stop", stop), aiohttp.web.post("/start", start)])
    runner = aiohttp.web.AppRunner(app)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def _run(mode: str, db_file: str, command: list[str]) -> int:
    port = _free_port()
    server = _ServerProcess(mode, db_file, port)
    await server.start()
    control, control_url = await _control(server)
    try:
        url = f"ws://127.0.0.1:{port}"
        print(f"Hrana test server on {url} (database {db_file})", file=sys.stderr, flush=True)
        env = {**os.environ, ENV_URL: url, ENV_CONTROL: control_url}
        proc = await asyncio.create_subprocess_exec(*command, env=env)
        try:
            return await proc.wait()
        except BaseException:
            proc.terminate()
            await proc.wait()
            raise
    finally:
        await control.cleanup()
        await server.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.hrana", description=__doc__)
    parser.add_argument("--mode", choices=MODES, default="sqld")
    parser.add_argument("--db", help="database file (default: a new temporary one)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the server process
    parser.add_argument("command", nargs="*", help="command to run against the server")
    args = parser.parse_args(argv)

    if args.serve is not None:
        server = _import_server()
        _patch_common(server)
        if args.mode == "sqld":
            _patch_sqld(server)
        # Every connection, WebSocket or HTTP, opens this one file (PERSISTENT_DB).
        server.persistent_db_file = args.db
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(server, args.db, args.serve))
        return 0
    if not args.command:
        parser.error("a command to run is required")
    _import_server()  # fail early, and here, when the server is missing
    with tempfile.TemporaryDirectory(prefix="hrana_") as tmp:
        db_file = args.db or str(Path(tmp) / "shared.db")
        return asyncio.run(_run(args.mode, db_file, args.command))


if __name__ == "__main__":
    sys.exit(main())
