"""Test matrix. `nox` runs everything CI runs; `nox -l` lists the sessions.

Backend selection reaches the conformance suite through DATASDK_TEST_BACKEND. The
postgres session needs no running server: the suite starts a throwaway PostgreSQL 15
(conformance/harness/postgres.py) unless DATASDK_TEST_POSTGRES_URL names one. The
libsql-remote session runs against DATASDK_TEST_LIBSQL_URL, or else starts the libSQL
authors' Hrana test server (conformance/harness/hrana.py) when it is found.

Every session but `install` installs the package with all its extras. `install` installs
it as a user would, into fresh environments: with no extra, and with each extra alone
(`nox -s install`, or one of them: `nox -s "install(postgres)"`).

Arguments after `--` go to pytest: `nox -s conformance-postgres --
--differential-examples=50000` runs the differential suite with more examples.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox
from packaging.requirements import Requirement

PYTHON = "3.11"
PYPROJECT = nox.project.load_toml(Path(__file__).parent / "pyproject.toml")

nox.needs_version = ">=2025.2.9"  # nox.project.dependency_groups
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.error_on_missing_interpreters = True  # a silently skipped matrix is a green lie
nox.options.sessions = [
    "lint",
    "typecheck",
    "unit",
    "conformance-sqlite",
    "conformance-libsql",
    "conformance-postgres",
    # DATASDK_TEST_LIBSQL_URL, else the Hrana test server beside the repository, else skipped
    "conformance-libsql-remote",
    "dialect-compliance",
    "examples",
    "install",
    "docs",
]


def _dev_tool(name: str) -> str:
    """The requirement for `name` from the `dev` group, so versions live only in pyproject."""
    for spec in nox.project.dependency_groups(PYPROJECT, "dev"):
        if Requirement(spec).name == name:
            return spec
    raise LookupError(f"{name} is not in [dependency-groups].dev")


def _install_project(session: nox.Session, *extra: str, project: str = ".[all]") -> None:
    # Non-editable on purpose: building the wheel exercises the force-included migrations.
    # Some uv versions reuse a wheel built from a directory until pyproject.toml changes
    # (wntrblm/nox#827); force a rebuild so the session tests the working tree.
    fresh = ["--reinstall-package", "datasdk"] if session.venv_backend == "uv" else []
    session.install(*fresh, project, *extra)


def _install_tests(session: nox.Session) -> None:
    _install_project(session, *nox.project.dependency_groups(PYPROJECT, "test"))


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff lint and format check."""
    session.install(_dev_tool("ruff"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package (config in pyproject)."""
    _install_project(session, _dev_tool("mypy"))
    session.run("mypy", "--strict", "src")


@nox.session(python=PYTHON)
def unit(session: nox.Session) -> None:
    """Unit tests (tests/)."""
    _install_tests(session)
    session.run("pytest", "tests", *session.posargs)


def _hrana_server_dir() -> Path:
    """The libSQL authors' Hrana test server, beside the repository unless overridden."""
    default = Path(__file__).parent.parent / "shared" / "tools" / "hrana-test-server"
    return Path(os.environ.get("DATASDK_HRANA_SERVER_DIR") or default)


def _hrana_requirements(server_dir: Path) -> list[str]:
    # The server's own protobuf pin; aiohttp comes with libsql-client (newer works).
    lines = (server_dir / "requirements.txt").read_text().splitlines()
    pins = [line.split("#", 1)[0].strip() for line in lines]
    return ["aiohttp", *(pin for pin in pins if pin and Requirement(pin).name == "protobuf")]


def _conformance_session(backend: str, doc: str) -> None:
    """Register `conformance-<backend>` (nox parametrize would say conformance(backend=...))."""

    def session_func(session: nox.Session) -> None:
        env = {"DATASDK_TEST_BACKEND": backend}
        pytest = ["pytest", "conformance", *session.posargs]
        if backend != "libsql-remote" or os.environ.get("DATASDK_TEST_LIBSQL_URL"):
            _install_tests(session)
            session.run(*pytest, env=env)
            return
        # Part of the default run, so it must not fail where no remote server exists.
        server_dir = _hrana_server_dir()
        if not (server_dir / "server_v2.py").is_file():
            session.skip(
                "DATASDK_TEST_LIBSQL_URL is not set (a sqld/Turso URL, with"
                " DATASDK_TEST_LIBSQL_AUTH_TOKEN) and there is no Hrana test server in"
                f" {server_dir} (DATASDK_HRANA_SERVER_DIR)"
            )
        _install_tests(session)
        session.install(*_hrana_requirements(server_dir))
        # The server answers as sqld does unless DATASDK_HRANA_MODE=native (see the harness).
        mode = os.environ.get("DATASDK_HRANA_MODE", "sqld")
        launcher = ["python", "conformance/harness/hrana.py", "--mode", mode, "--"]
        session.run(*launcher, *pytest, env={**env, "DATASDK_HRANA_SERVER_DIR": str(server_dir)})

    session_func.__doc__ = doc
    nox.session(python=PYTHON, name=f"conformance-{backend}")(session_func)


_conformance_session("sqlite", "Conformance suite on SQLite (aiosqlite).")
_conformance_session("libsql", "Conformance suite on local libSQL.")
_conformance_session("postgres", "Conformance suite on PostgreSQL 15 (throwaway server).")
_conformance_session(
    "libsql-remote",
    "Conformance suite on remote libSQL: DATASDK_TEST_LIBSQL_URL, else a Hrana test server.",
)


@nox.session(python=PYTHON, name="dialect-compliance")
def dialect_compliance(session: nox.Session) -> None:
    """SQLAlchemy's and Alembic's dialect suites against sqlite+libsql on a local file."""
    _install_tests(session)
    suite = Path(__file__).parent / "compliance"
    # Its own pytest config (no pytest-asyncio: SQLAlchemy's plugin runs async tests in
    # greenlets); the test databases land in the session's scratch directory.
    session.chdir(session.create_tmp())
    session.run(
        "pytest",
        "-c",
        str(suite / "pytest.ini"),
        "--rootdir",
        str(suite),
        str(suite),
        *session.posargs,
    )


@nox.session(python=PYTHON)
def examples(session: nox.Session) -> None:
    """Run the local examples on SQLite, local libSQL and a throwaway PostgreSQL 15."""
    _install_project(session)
    session.run(
        "python",
        "examples/check_examples.py",
        *(session.posargs or ["sqlite", "libsql", "postgres"]),
    )


@nox.session(python=PYTHON)
@nox.parametrize("extra", ["none", "postgres", "libsql"], ids=["none", "postgres", "libsql"])
def install(session: nox.Session, extra: str) -> None:
    """A user's install in a fresh environment: `pip install .`, or with one extra alone.

    Runs the README's first command and the CLI there (and on the extra's own backend:
    a local libSQL file, a throwaway PostgreSQL 15), and checks that a backend whose
    extra is missing says which pip command installs it (examples/check_install.py).
    """
    # The package alone, as `pip install .` would: no test tools, no other extra.
    _install_project(session, project="." if extra == "none" else f".[{extra}]")
    session.run("python", "examples/check_install.py", extra)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation; any warning (a broken link, a missing page) fails."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "docs"))
    session.run(
        "mkdocs", "build", "--strict", "--site-dir", str(Path(session.create_tmp()) / "site")
    )


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks per backend, written to docs/performance.md (not part of the default run).

    `nox -s bench -- --quick` is a smoke run of about a minute; `-- --full` loads the
    million-row datasets; `-- --help` lists the options.
    """
    _install_project(session, *nox.project.dependency_groups(PYPROJECT, "bench"))
    session.run("python", "-m", "benchmarks", *session.posargs)
