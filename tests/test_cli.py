"""`datasdk db ...`, run in-process against SQLite files."""

from __future__ import annotations

import ast
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from datasdk.cli import main
from datasdk.config import TOKEN_ENV, URL_ENV
from datasdk.migrate import migrations_path, revisions

REVISIONS = (
    "0001_core_tables",
    "0002_audit_logs",
    "0003_monitoring_tables",
    "0004_indexes",
    "0005_type_checks",
    "0006_flat_ledger",
    "0007_canonical_values",
)
HEAD = REVISIONS[-1]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ambient database settings, and any default SQLite file lands in tmp_path."""
    monkeypatch.delenv(URL_ENV, raising=False)
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(status: int, out: str, err: str) -> str:
    assert status == 1
    assert "Traceback" not in out + err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("datasdk: error: ")
    return lines[0]


def test_upgrade_then_current(capsys: pytest.CaptureFixture[str], url: str) -> None:
    status, out, _ = run(capsys, "db", "upgrade", "--url", url)
    assert status == 0
    assert HEAD in out
    status, out, _ = run(capsys, "db", "current", "--url", url)
    assert (status, out.strip()) == (0, HEAD)


def test_current_on_an_empty_database_is_base(capsys: pytest.CaptureFixture[str], url: str) -> None:
    status, out, _ = run(capsys, "db", "current", "--url", url)
    assert status == 0
    assert out.startswith("base")


def test_check_matches_after_upgrade(capsys: pytest.CaptureFixture[str], url: str) -> None:
    assert run(capsys, "db", "upgrade", "--url", url)[0] == 0
    status, out, err = run(capsys, "db", "check", "--url", url)
    assert (status, err) == (0, "")
    assert "matches" in out


def test_check_reports_dropped_index_and_trigger(
    capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path
) -> None:
    assert run(capsys, "db", "upgrade", "--url", url)[0] == 0
    with closing(sqlite3.connect(tmp_path / "a.db")) as conn:
        conn.execute("DROP INDEX idx_scans_user")
        conn.execute("DROP TRIGGER trg_audit_logs_append_only_update")
        conn.commit()
    status, out, _ = run(capsys, "db", "check", "--url", url)
    assert status == 1
    assert "idx_scans_user" in out
    assert "trg_audit_logs_append_only_update" in out


def test_history_lists_every_revision(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "db", "history")
    assert status == 0
    for revision in REVISIONS:
        assert revision in out
    assert "(head)" in out


def test_downgrade_to_base(capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path) -> None:
    assert run(capsys, "db", "upgrade", "--url", url)[0] == 0
    status, out, _ = run(capsys, "db", "downgrade", "base", "--url", url)
    assert status == 0
    assert "base" in out
    assert run(capsys, "db", "current", "--url", url)[1].startswith("base")
    with closing(sqlite3.connect(tmp_path / "a.db")) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert tables & {"users", "audit_logs", "scans"} == set()


def test_downgrade_one_step(capsys: pytest.CaptureFixture[str], url: str) -> None:
    assert run(capsys, "db", "upgrade", "--url", url)[0] == 0
    assert run(capsys, "db", "downgrade", "-1", "--url", url)[0] == 0
    assert run(capsys, "db", "current", "--url", url)[1].strip() == REVISIONS[-2]


def test_unknown_scheme_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_one_line_error(*run(capsys, "db", "current", "--url", "mysql://x"))
    assert "mysql" in line


def test_bad_revision_is_one_line_error(capsys: pytest.CaptureFixture[str], url: str) -> None:
    line = assert_one_line_error(*run(capsys, "db", "upgrade", "nonsense", "--url", url))
    assert "nonsense" in line


def test_unreachable_server_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    # Port 1 on loopback: the connection is refused at once.
    argv = ("db", "current", "--url", "postgresql://u:hunter2@127.0.0.1:1/x")
    line = assert_one_line_error(*run(capsys, *argv))
    assert "hunter2" not in line


def test_url_from_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(URL_ENV, "sqlite+aiosqlite:///from_env.db")
    assert run(capsys, "db", "upgrade")[0] == 0
    assert (tmp_path / "from_env.db").is_file()
    assert not (tmp_path / "datasdk.db").exists()
    assert run(capsys, "db", "current")[1].strip() == HEAD


def _imported_roots(source: str) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots.add((node.module or "").split(".")[0])
    return roots


def test_revision_writes_a_file_into_path(
    capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path
) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    shipped = sorted(p.name for p in (migrations_path() / "versions").iterdir())
    status, _, err = run(
        capsys, "db", "revision", "-m", "add x", "--path", str(versions), "--url", url
    )
    assert sorted(p.name for p in (migrations_path() / "versions").iterdir()) == shipped
    assert (status, err) == (0, "")
    (written,) = versions.glob("*add_x*.py")
    source = written.read_text()
    # The application's first revision starts its own branch, after the SDK's head.
    assert "down_revision = None" in source
    assert "branch_labels = ('app',)" in source
    assert f"depends_on = {revisions()[-1]!r}" in source
    assert _imported_roots(source) <= {"__future__", "alembic", "sqlalchemy", "datasdk"}
