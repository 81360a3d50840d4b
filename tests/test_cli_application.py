"""`datasdk db ...` with an application's own tables and revisions, configured once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from datasdk import project
from datasdk.cli import main
from datasdk.config import TOKEN_ENV, URL_ENV
from datasdk.migrate import migrations_path

APP_MODULE = textwrap.dedent(
    """
    from sqlalchemy import Column, ForeignKeyConstraint, MetaData, Table, Text

    from datasdk import application
    from datasdk.schema.tables import NAMING_CONVENTION, users

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    Table(
        "cli_notes", metadata,
        Column("id", Text(), primary_key=True),
        Column("user_id", Text(), nullable=False),
        ForeignKeyConstraint(["user_id"], [users.c.id]),
    )
    application.attach(
        metadata, application.AppendOnly(table="cli_notes", keys=(("pk_cli_notes", ("id",)),))
    )
    """
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (URL_ENV, TOKEN_ENV, project.MIGRATIONS_ENV, project.METADATA_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cli_app_schema.py").write_text(APP_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["db", *argv, "--url", "sqlite+aiosqlite:///app.db"])
    out, err = capsys.readouterr()
    return status, out, err


def _pyproject(root: Path, versions: str = "app_versions") -> None:
    (root / "pyproject.toml").write_text(
        f'[tool.datasdk]\nmigrations = "{versions}"\nmetadata = "cli_app_schema:metadata"\n'
    )


def test_revision_without_a_directory_refuses_and_writes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    shipped = sorted(p.name for p in (migrations_path() / "versions").iterdir())
    status, _, err = run(capsys, "revision", "-m", "x")
    assert status == 1
    assert "[tool.datasdk]" in err
    assert "--path" in err
    assert sorted(p.name for p in (migrations_path() / "versions").iterdir()) == shipped


def test_pyproject_configures_the_applications_branch(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _pyproject(tmp_path)
    assert run(capsys, "upgrade")[0] == 0
    status, _, err = run(capsys, "revision", "-m", "notes", "--autogenerate")
    assert (status, err) == (0, "")
    (written,) = (tmp_path / "app_versions").glob("*_notes.py")
    assert "branch_labels = ('app',)" in written.read_text()
    assert run(capsys, "upgrade")[0] == 0
    status, out, _ = run(capsys, "current")
    assert out.split() == [written.name.split("_")[0]]
    assert run(capsys, "check")[:2] == (0, "schema matches the logical schema\n")
    # The next revision follows the application's branch.
    assert run(capsys, "revision", "-m", "next")[0] == 0
    (following,) = (tmp_path / "app_versions").glob("*_next.py")
    assert f"down_revision = {written.name.split('_')[0]!r}" in following.read_text()


def test_without_the_applications_metadata_its_table_is_drift(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _pyproject(tmp_path)
    run(capsys, "upgrade")
    run(capsys, "revision", "-m", "notes", "--autogenerate")
    run(capsys, "upgrade")
    (tmp_path / "pyproject.toml").write_text('[tool.datasdk]\nmigrations = "app_versions"\n')
    status, out, _ = run(capsys, "check")
    assert status == 1
    assert "unexpected table cli_notes" in out


def test_the_environment_and_arguments_come_before_pyproject(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pyproject(tmp_path, versions="from_pyproject")
    monkeypatch.setenv(project.MIGRATIONS_ENV, str(tmp_path / "from_env"))
    assert run(capsys, "revision", "-m", "one")[0] == 0
    assert list((tmp_path / "from_env").glob("*_one.py"))
    assert run(capsys, "revision", "-m", "two", "--path", str(tmp_path / "from_arg"))[0] == 0
    assert list((tmp_path / "from_arg").glob("*_two.py"))
    assert not (tmp_path / "from_pyproject").exists()


def test_a_bad_metadata_reference_is_one_clear_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = run(capsys, "check", "--metadata", "no_such_module:metadata")
    assert status == 1
    assert err.startswith("datasdk: error: metadata 'no_such_module:metadata' cannot be imported")
