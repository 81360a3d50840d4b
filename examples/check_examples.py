"""Run the local examples on each local backend, as a user would (`nox -s examples`).

    python examples/check_examples.py sqlite libsql postgres

Each example runs as its own process with DATASDK_DATABASE_URL set; the worker is also
stopped with SIGINT mid-run and must exit cleanly. PostgreSQL is a throwaway server
started from the local binaries (conformance/harness), unless DATASDK_TEST_POSTGRES_URL
is set.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "conformance"))

from harness.postgres import postgres_server  # noqa: E402


def run(script: str, url: str, cwd: Path, *args: str, expect: str) -> None:
    env = {**os.environ, "DATASDK_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, str(HERE / script), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 or expect not in output:
        raise SystemExit(f"{script} {' '.join(args)} failed (exit {done.returncode}):\n{output}")
    print(f"  ok  {script} {' '.join(args)}")


def interrupt_worker(url: str, cwd: Path) -> None:
    """Start the worker on a long queue, SIGINT it after its first job: it must stop cleanly."""
    env = {**os.environ, "DATASDK_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    worker = subprocess.Popen(
        [sys.executable, str(HERE / "worker.py"), "--seed", "50"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert worker.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 120
    for line in worker.stdout:
        lines.append(line)
        if ": completed" in line or time.monotonic() > deadline:
            break
    worker.send_signal(signal.SIGINT)
    rest, _ = worker.communicate(timeout=60)
    output = "".join(lines) + rest
    if worker.returncode != 0 or "worker stopped cleanly" not in output:
        raise SystemExit(f"worker.py did not stop cleanly (exit {worker.returncode}):\n{output}")
    print("  ok  worker.py stopped by SIGINT")


@contextlib.contextmanager
def urls(backend: str, tmp: Path) -> Iterator[Iterator[str]]:
    """New, empty databases of `backend`, one per example run."""
    if backend == "postgres":
        given = os.environ.get("DATASDK_TEST_POSTGRES_URL")
        if given:
            raise SystemExit("check_examples needs its own server: unset DATASDK_TEST_POSTGRES_URL")
        with postgres_server() as server:
            yield (server.create_database(f"examples_{n}") for n in range(100))
        return
    scheme = {"sqlite": "sqlite+aiosqlite:///", "libsql": "file:"}[backend]
    yield (f"{scheme}{tmp / f'example{n}.db'}" for n in range(100))


def main(backends: list[str]) -> None:
    for backend in backends:
        print(f"examples on {backend}")
        with tempfile.TemporaryDirectory() as name, urls(backend, Path(name)) as fresh:
            tmp = Path(name)
            run("quickstart.py", next(fresh), tmp, expect="balance:  99")
            run(
                "worker.py",
                next(fresh),
                tmp,
                "--seed",
                "3",
                "--until-idle",
                expect="after 3 job(s)",
            )
            interrupt_worker(next(fresh), tmp)
            run("app_tables.py", next(fresh), tmp, expect="refused: app_activity append_only")
            if backend == "libsql":
                run("libsql_local.py", next(fresh), tmp, str(tmp / "local.db"), expect="average 82")
            if backend == "postgres":
                run("postgres.py", next(fresh), tmp, expect="ledger: [-1, -1, -1, 3]")


if __name__ == "__main__":
    main(sys.argv[1:] or ["sqlite", "libsql", "postgres"])
