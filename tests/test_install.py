"""A fresh install: no driver is imported before its backend is used, and a backend whose
extra is missing says which pip command installs it.

The checks run in a subprocess whose import system refuses the extras' modules, as if
they were not installed (`nox -s install` proves the same in real fresh environments).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from datasdk import ConfigurationError
from datasdk.cli import main as cli_main
from datasdk.config import Backend
from datasdk.dialects import PROFILES, DriverRequirement

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgresql://x@127.0.0.1/x"
PG_ERROR = "the PostgreSQL backend needs asyncpg: pip install 'datasdk[postgres]'"
LIBSQL_ERROR = "the libSQL backend needs libsql-client: pip install 'datasdk[libsql]'"

# Prepended to every script: the extras' modules (and libsql-client's aiohttp) cannot be
# imported, and every attempt is recorded in ATTEMPTS.
WITHOUT_EXTRAS = """
import sys
from importlib.abc import MetaPathFinder

BLOCKED = {"asyncpg", "libsql_client", "aiohttp"}
ATTEMPTS = []


class NotInstalled(MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] in BLOCKED:
            ATTEMPTS.append(name)
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NotInstalled())
"""

WITHOUT_EXTRAS_SDK = """
import asyncio

import datasdk
from datasdk.cli import main

assert ATTEMPTS == [], ATTEMPTS


async def use_sqlite(url):
    async with datasdk.connect(url) as db:
        await db.migrate()
        user = await db.users.create(datasdk.NewUser(id="user_install", email=None))
        assert (await db.users.get(user.id)).id == "user_install"


asyncio.run(use_sqlite(f"sqlite+aiosqlite:///{sys.argv[1]}/sdk.db"))
cli_url = f"sqlite+aiosqlite:///{sys.argv[1]}/cli.db"
assert main(["db", "upgrade", "--url", cli_url]) == 0
assert main(["db", "current", "--url", cli_url]) == 0
# The SQLite default touched no driver of another backend.
assert ATTEMPTS == [], ATTEMPTS

for url, message in [
    ("postgresql://x@127.0.0.1/x", sys.argv[2]),
    ("postgres://x@127.0.0.1/x", sys.argv[2]),
    (f"file:{sys.argv[1]}/x.db", sys.argv[3]),
    ("libsql://example.invalid", sys.argv[3]),
]:
    for open_ in (datasdk.connect, datasdk.create_engine):
        try:
            open_(url)
        except datasdk.ConfigurationError as exc:
            assert str(exc) == message, (url, str(exc))
            assert isinstance(exc.__cause__, ModuleNotFoundError), repr(exc.__cause__)
        else:
            raise AssertionError(f"{open_.__name__}({url!r}) did not refuse")
print("done", sorted(set(ATTEMPTS)))
"""


def run_python(script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATASDK_")}
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_sqlite_sdk_and_cli_work_without_any_extra(tmp_path: Path) -> None:
    done = run_python(
        WITHOUT_EXTRAS + WITHOUT_EXTRAS_SDK, str(tmp_path), PG_ERROR, LIBSQL_ERROR, cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # Only the missing-extra checks reached for a driver, and only for its own backend's.
    assert done.stdout.splitlines()[-1] == "done ['asyncpg', 'libsql_client']"


def test_import_loads_no_driver_even_when_installed(tmp_path: Path) -> None:
    script = (
        "import sys, datasdk, datasdk.cli\n"
        "print(sorted(m for m in sys.modules"
        " if m.partition('.')[0] in ('asyncpg', 'libsql_client', 'aiohttp')))"
    )
    done = run_python(script, cwd=tmp_path)
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [(PG_URL, PG_ERROR), ("file:missing-extra.db", LIBSQL_ERROR)],
    ids=["postgres", "libsql"],
)
def test_cli_names_the_missing_extra_in_one_line(tmp_path: Path, url: str, message: str) -> None:
    script = WITHOUT_EXTRAS + "from datasdk.cli import main\nsys.exit(main(sys.argv[1:]))"
    done = run_python(script, "db", "current", "--url", url, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == f"datasdk: error: {message}\n"
    # Refused before anything was opened.
    assert list(tmp_path.iterdir()) == []


def test_requirement_names_the_extra_and_chains_the_import_error() -> None:
    requirement = DriverRequirement("the X backend", "x-driver", "datasdk_no_such_driver", "x")
    with pytest.raises(ConfigurationError) as refused:
        requirement.check()
    assert str(refused.value) == "the X backend needs x-driver: pip install 'datasdk[x]'"
    assert isinstance(refused.value.__cause__, ModuleNotFoundError)


def test_each_backend_names_an_extra_that_installs_its_driver() -> None:
    """The profiles' requirements agree with pyproject.toml: the extra named in the
    message installs the package, and the SQLite default needs none."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    base = {Requirement(spec).name for spec in project["dependencies"]}
    extras = {
        name: {Requirement(spec).name for spec in specs}
        for name, specs in project["optional-dependencies"].items()
    }
    assert set(PROFILES) == set(Backend)
    assert PROFILES[Backend.SQLITE].requires.extra is None
    for profile in PROFILES.values():
        needs = profile.requires
        assert needs.package in (extras[needs.extra] if needs.extra else base), needs
        # Each driver is importable here, where the tests run with every extra.
        needs.check()


def test_cli_folds_a_multi_line_error_onto_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # An application module whose import fails with a multi-line message.
    (tmp_path / "broken_app_tables.py").write_text(
        'raise ImportError("first line\\n  second line")\n'
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    status = cli_main(["db", "history", "--metadata", "broken_app_tables:metadata"])
    out, err = capsys.readouterr()
    assert (status, out) == (1, "")
    assert err == (
        "datasdk: error: metadata 'broken_app_tables:metadata' cannot be imported:"
        " first line second line\n"
    )
