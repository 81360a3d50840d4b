"""Check an installed datasdk as a user meets it (`nox -s install`).

    python examples/check_install.py [none|postgres|libsql]

Run with the interpreter of a fresh environment holding `pip install .` (none) or
`pip install '.[EXTRA]'`. In a scratch directory, so the repository gets no
./datasdk.db: the README's first command verbatim (`python examples/quickstart.py`),
then the CLI on a SQLite file. The installed extra runs the quickstart and the CLI on
its own backend (PostgreSQL: a throwaway server from the local binaries, unless
DATASDK_TEST_POSTGRES_URL is set); a missing one must make the CLI print one line
naming the pip command, and no traceback.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# The module each extra brings, and the message a URL of that backend gets without it.
EXTRAS = {
    "postgres": ("asyncpg", "the PostgreSQL backend needs asyncpg"),
    "libsql": ("libsql_client", "the libSQL backend needs libsql-client"),
}
# Nothing from the developer's shell may steer the installed package.
# `python` and `datasdk` are this environment's, as after activating it.
CLEAN_ENV = {
    **{
        k: v
        for k, v in os.environ.items()
        if k not in ("DATASDK_DATABASE_URL", "DATASDK_AUTH_TOKEN", "PYTHONPATH")
    },
    "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
}


def run(cwd: Path, *argv: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = CLEAN_ENV if url is None else {**CLEAN_ENV, "DATASDK_DATABASE_URL": url}
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def expect(done: subprocess.CompletedProcess[str], status: int, text: str, note: str = "") -> str:
    """The output of a finished command that exited `status` and printed `text`."""
    output = done.stdout + done.stderr
    ok = done.returncode == status and text in output and "Traceback" not in output
    if not ok:
        command = " ".join(str(arg) for arg in done.args)
        raise SystemExit(f"FAILED {command} (exit {done.returncode}):\n{output}")
    print(f"  ok  {note}{' '.join(str(arg) for arg in done.args)}")
    return output


def check_environment(extra: str, scratch: Path) -> None:
    """Only the extra asked for is installed, and datasdk comes from the environment."""
    for name, (module, _) in EXTRAS.items():
        if (importlib.util.find_spec(module) is not None) != (name == extra):
            raise SystemExit(f"{module} {'missing' if name == extra else 'installed'}")
    where = expect(
        run(scratch, sys.executable, "-c", "import datasdk; print(datasdk.__file__)"), 0, ""
    )
    # Installed into the environment, not found in (or linked to) the working tree.
    found = Path(where.strip()).resolve()
    if not found.is_relative_to(Path(sys.prefix).resolve()) or found.is_relative_to(REPO / "src"):
        raise SystemExit(f"datasdk imported from {found}, not installed into {sys.prefix}")


def quickstart(scratch: Path, url: str | None = None) -> None:
    """The README's first command, verbatim, in a directory that mirrors the repository's."""
    (scratch / "examples").mkdir(exist_ok=True)
    shutil.copy(HERE / "quickstart.py", scratch / "examples" / "quickstart.py")
    note = f"DATASDK_DATABASE_URL={url} " if url else ""
    expect(run(scratch, "python", "examples/quickstart.py", url=url), 0, "balance:  99", note)


def cli(scratch: Path, url: str) -> None:
    """`db upgrade`, then `db current` reports the revision the upgrade reached."""
    upgraded = expect(run(scratch, "datasdk", "db", "upgrade", "--url", url), 0, "at revision ")
    head = upgraded.strip().removeprefix("at revision ")
    expect(run(scratch, "datasdk", "db", "current", "--url", url), 0, head)


def refused(scratch: Path, url: str, extra: str, message: str) -> None:
    """The CLI on a backend whose extra is missing: one line naming the command."""
    done = run(scratch, "datasdk", "db", "current", "--url", url)
    line = f"datasdk: error: {message}: pip install 'datasdk[{extra}]'"
    expect(done, 1, line)
    if done.stdout or done.stderr.strip() != line:
        raise SystemExit(f"expected exactly {line!r} on stderr, got:\n{done.stdout}{done.stderr}")


@contextlib.contextmanager
def backend_urls(extra: str, scratch: Path) -> Iterator[list[str]]:
    """Two empty databases of the installed extra's backend (quickstart, CLI)."""
    if extra == "libsql":
        yield [f"file:{scratch / 'quickstart-libsql.db'}", f"file:{scratch / 'cli-libsql.db'}"]
        return
    sys.path.insert(0, str(REPO / "conformance"))
    from harness.postgres import postgres_server

    with postgres_server() as server:
        yield [server.create_database("install_quickstart"), server.create_database("install_cli")]


def main(extra: str) -> None:
    if extra not in ("none", *EXTRAS):
        raise SystemExit(f"usage: check_install.py [none|{'|'.join(EXTRAS)}], not {extra!r}")
    print(f"installed datasdk, extra: {extra}")
    with tempfile.TemporaryDirectory(prefix="datasdk-install-") as name:
        scratch = Path(name)
        check_environment(extra, scratch)
        quickstart(scratch)
        if not (scratch / "datasdk.db").is_file():
            raise SystemExit("the quickstart left no ./datasdk.db")
        cli(scratch, f"sqlite+aiosqlite:///{scratch / 'cli.db'}")
        if extra in EXTRAS:
            with backend_urls(extra, scratch) as (first, second):
                quickstart(scratch, first)
                cli(scratch, second)
        if extra != "postgres":
            refused(scratch, "postgresql://x@127.0.0.1/x", "postgres", EXTRAS["postgres"][1])
        if extra != "libsql":
            refused(scratch, f"file:{scratch / 'x.db'}", "libsql", EXTRAS["libsql"][1])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "none")
