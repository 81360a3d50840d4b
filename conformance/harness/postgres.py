"""PostgreSQL 15 for the conformance suite, so `nox` needs no pre-provisioned database.

`postgres_server()` uses the server named by DATASDK_TEST_POSTGRES_URL when set, and
otherwise starts a private, disposable cluster from the local PostgreSQL 15 binaries.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlsplit, urlunsplit

ENV_URL = "DATASDK_TEST_POSTGRES_URL"
_FALLBACK_BINDIR = Path("/usr/lib/postgresql/15/bin")
_REQUIRED = ("initdb", "pg_ctl", "postgres", "createdb")
_PORT_ATTEMPTS = 5


class PostgresNotAvailable(RuntimeError):
    """No usable PostgreSQL 15 binaries; the message says what is missing."""


class PostgresServer(Protocol):
    @property
    def url(self) -> str: ...

    def create_database(self, name: str) -> str: ...


def find_bindir() -> Path:
    """Return a directory holding PostgreSQL 15's initdb, pg_ctl, postgres and createdb."""
    # Debian's pg_config wrapper reports the *newest* installed major, so the
    # versioned PostgreSQL 15 directory is tried as well.
    candidates = [_FALLBACK_BINDIR]
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            candidates.insert(0, Path(out.stdout.strip()))
    problems: list[str] = []
    for bindir in candidates:
        missing = [b for b in _REQUIRED if not (bindir / b).is_file()]
        if missing:
            problems.append(f"{bindir}: missing {', '.join(missing)}")
            continue
        version = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, text=True
        ).stdout.strip()
        # The SDK targets PostgreSQL 15; passing on another major would be misleading.
        if " 15." not in version:
            problems.append(f"{bindir}: {version or 'unknown version'}, need 15")
            continue
        return bindir
    raise PostgresNotAvailable(
        f"PostgreSQL 15 server binaries not found ({'; '.join(problems)}). Install them"
        f" (Debian: apt-get install postgresql-15) or set {ENV_URL} to an existing server."
    )


def _free_port() -> int:
    # The port may be taken again before postgres binds it; start() retries.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayPostgres:
    """A private cluster in a temp dir, tuned for speed (no fsync), deleted on stop()."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.port = 0
        self._root: Path | None = None
        self._opts = ""
        # postgres refuses to run as root, so as root we act as the postgres user.
        self._as_root = os.geteuid() == 0

    @property
    def url(self) -> str:
        return self._url_for("postgres")

    def _url_for(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{quote(database, safe='')}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        # cwd="/": the postgres user may not be allowed into the caller's cwd (e.g. /root).
        return subprocess.run(cmd, capture_output=True, text=True, cwd="/")

    def start(self) -> ThrowawayPostgres:
        self._root = Path(tempfile.mkdtemp(prefix="datasdk-pg-"))
        try:
            data, sock, log = self._root / "data", self._root / "sock", self._root / "log"
            sock.mkdir()
            if self._as_root:
                pw = pwd.getpwnam("postgres")
                for path in (self._root, sock):
                    os.chown(path, pw.pw_uid, pw.pw_gid)
            init = self._run(
                "initdb", "-D", str(data), "-A", "trust", "-U", "postgres",
                "--no-sync", "-E", "UTF8", "--locale=C",
            )  # fmt: skip
            if init.returncode != 0:
                raise RuntimeError(f"initdb failed:\n{init.stdout}{init.stderr}")
            server_log = ""
            for _ in range(_PORT_ATTEMPTS):
                self.port = _free_port()
                log.unlink(missing_ok=True)
                self._opts = (
                    f"-F -p {self.port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
                    " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
                )
                ctl = self._pg_ctl_start()
                if ctl.returncode == 0:
                    atexit.register(self.stop)  # don't leak a server if the caller forgets
                    return self
                server_log = log.read_text(errors="replace") if log.exists() else ""
                if "could not bind" not in server_log and "in use" not in server_log:
                    raise RuntimeError(f"pg_ctl start failed:\n{ctl.stderr}{server_log}")
            raise RuntimeError(f"no free port after {_PORT_ATTEMPTS} attempts:\n{server_log}")
        except BaseException:
            self.stop()
            raise

    def _pg_ctl_start(self) -> subprocess.CompletedProcess[str]:
        assert self._root is not None
        data, log = self._root / "data", self._root / "log"
        return self._run("pg_ctl", "-w", "-D", str(data), "-l", str(log), "-o", self._opts, "start")

    def shut_down(self) -> None:
        """Stop the server as an administrator would (fast: sessions are terminated),
        keeping its files, so that `start_again` brings it back on the same port."""
        assert self._root is not None
        out = self._run("pg_ctl", "-w", "-m", "fast", "-D", str(self._root / "data"), "stop")
        if out.returncode != 0:
            raise RuntimeError(f"pg_ctl stop failed:\n{out.stderr}")

    def start_again(self) -> None:
        out = self._pg_ctl_start()
        if out.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed:\n{out.stderr}")

    def stop(self) -> None:
        """Idempotent: kill the server (immediate mode, no checkpoint) and delete its files."""
        atexit.unregister(self.stop)
        root, self._root = self._root, None
        if root is None:
            return
        if (root / "data" / "postmaster.pid").exists():
            self._run("pg_ctl", "-w", "-m", "immediate", "-D", str(root / "data"), "stop")
        shutil.rmtree(root, ignore_errors=True)

    def create_database(self, name: str) -> str:
        # createdb is a client: plain TCP with trust auth works from any user.
        cmd = [str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port)]
        out = subprocess.run([*cmd, "-U", "postgres", name], capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"createdb {name!r} failed: {out.stderr.strip()}")
        return self._url_for(name)

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class ExternalPostgres:
    """A server someone else runs; we only create databases on it."""

    def __init__(self, url: str) -> None:
        # Normalise `postgresql+asyncpg://` etc. so both server kinds hand out the same form.
        self._parts = urlsplit(url)._replace(scheme="postgresql")
        self.url = urlunsplit(self._parts)

    def create_database(self, name: str) -> str:
        async def create() -> None:
            import asyncpg  # only needed for external servers; part of the [postgres] extra

            conn = await asyncpg.connect(self.url)
            try:
                ident = '"' + name.replace('"', '""') + '"'
                await conn.execute(f"CREATE DATABASE {ident}")
            finally:
                await conn.close()

        # A fresh thread owns its own event loop, so this works even when called
        # from inside a running loop (async pytest fixtures).
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, create()).result()
        return urlunsplit(self._parts._replace(path="/" + quote(name, safe="")))


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Yield the external server from DATASDK_TEST_POSTGRES_URL, else a throwaway one."""
    external = os.environ.get(ENV_URL)
    if external:
        yield ExternalPostgres(external)
        return
    with ThrowawayPostgres() as server:
        yield server
