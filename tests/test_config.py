"""datasdk.config.resolve: every accepted URL form, the environment fallback and token hygiene."""

from __future__ import annotations

import pytest

import datasdk
from datasdk.config import DEFAULT_URL, TOKEN_ENV, URL_ENV, Backend, resolve
from datasdk.errors import ConfigurationError

TOKEN = "tok-8c2e-SECRET-never-shown"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(URL_ENV, raising=False)
    monkeypatch.delenv(TOKEN_ENV, raising=False)


@pytest.mark.parametrize(
    ("url", "sqlalchemy_url"),
    [
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite+aiosqlite:////abs/x.db", "sqlite+aiosqlite:////abs/x.db"),
    ],
)
def test_sqlite_urls_use_aiosqlite(url: str, sqlalchemy_url: str) -> None:
    config = resolve(url)
    assert config.backend is Backend.SQLITE
    assert config.sqlalchemy_url == sqlalchemy_url


@pytest.mark.parametrize(
    ("url", "libsql_url"),
    [
        ("libsql://host", "libsql://host"),
        ("wss://host", "wss://host"),
        ("ws://host", "ws://host"),
        # libsql-client's HTTP mode cannot hold an interactive transaction.
        ("https://host", "wss://host"),
        ("http://host", "ws://host"),
        ("https://db.example.com:8443/", "wss://db.example.com:8443/"),
    ],
)
def test_libsql_remote_urls(url: str, libsql_url: str) -> None:
    config = resolve(url)
    assert config.backend is Backend.LIBSQL
    assert config.libsql_url == libsql_url
    # The location travels in connect_args, never in SQLAlchemy's URL.
    assert config.sqlalchemy_url == "sqlite+libsql://"


def test_libsql_file_url_selects_libsql() -> None:
    config = resolve("file:x.db")
    assert config.backend is Backend.LIBSQL
    assert config.sqlalchemy_url == "sqlite+libsql://"


def test_libsql_relative_file_url_stays_relative() -> None:
    assert resolve("file:x.db").libsql_url == "file:x.db"


def test_libsql_absolute_file_url_kept() -> None:
    assert resolve("file:///tmp/x.db").libsql_url == "file:///tmp/x.db"


@pytest.mark.parametrize(
    "url",
    ["postgres://u:p@h/db", "postgresql://u:p@h/db", "postgresql+asyncpg://u:p@h/db"],
)
def test_postgresql_urls_use_asyncpg(url: str) -> None:
    config = resolve(url)
    assert config.backend is Backend.POSTGRESQL
    assert config.sqlalchemy_url == "postgresql+asyncpg://u:p@h/db"


def test_scheme_is_case_insensitive() -> None:
    config = resolve("SQLITE:///x.db")
    assert config.backend is Backend.SQLITE
    assert config.sqlalchemy_url == "sqlite+aiosqlite:///x.db"


def test_environment_url_and_token_used_when_no_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(URL_ENV, "libsql://env-host")
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    config = resolve()
    assert config.url == "libsql://env-host"
    assert config.auth_token == TOKEN


def test_arguments_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(URL_ENV, "libsql://env-host")
    monkeypatch.setenv(TOKEN_ENV, "env-token")
    config = resolve("wss://arg-host", auth_token=TOKEN)
    assert config.url == "wss://arg-host"
    assert config.auth_token == TOKEN


def test_empty_environment_token_means_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "")
    assert resolve("libsql://host").auth_token is None


def test_default_url_when_nothing_is_set() -> None:
    config = resolve()
    assert config.url == DEFAULT_URL
    assert config.backend is Backend.SQLITE
    assert config.auth_token is None


@pytest.mark.parametrize(("url", "shown"), [("mysql://x", "'mysql'"), ("x.db", "(none)")])
def test_unknown_or_missing_scheme_names_the_accepted_ones(url: str, shown: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve(url)
    message = str(caught.value)
    assert shown in message
    for scheme in ("sqlite+aiosqlite:", "file:", "libsql:", "wss:", "postgresql:", "postgres:"):
        assert scheme in message


def test_auth_token_query_parameter_moves_out_of_the_url() -> None:
    config = resolve(f"libsql://host?authToken={TOKEN}&tls=1")
    assert config.auth_token == TOKEN
    assert TOKEN not in config.url
    assert "authToken" not in config.url
    assert config.url == "libsql://host?tls=1"
    assert TOKEN not in config.libsql_url


def test_explicit_token_beats_query_token_and_query_token_is_still_removed() -> None:
    config = resolve("wss://host?authToken=from-url", auth_token=TOKEN)
    assert config.auth_token == TOKEN
    assert "from-url" not in config.url


@pytest.mark.parametrize(
    "url", [f"libsql://host?authToken={TOKEN}", "libsql://host", "postgresql://u:pw@h/db"]
)
def test_token_never_in_repr_or_str(url: str) -> None:
    config = resolve(url, auth_token=None if "authToken" in url else TOKEN)
    assert config.auth_token == TOKEN
    assert TOKEN not in repr(config)
    assert TOKEN not in str(config)
    assert TOKEN not in config.display_url


def test_display_url_masks_postgresql_password() -> None:
    config = resolve("postgresql://alice:s3cr3t-pw@db.example.com:5432/app")
    assert config.display_url == "postgresql://alice:***@db.example.com:5432/app"
    assert "s3cr3t-pw" not in config.display_url


def test_display_url_without_password_is_unchanged() -> None:
    assert resolve("postgresql://alice@h/db").display_url == "postgresql://alice@h/db"
    assert resolve("sqlite:///x.db").display_url == "sqlite:///x.db"


@pytest.mark.parametrize(
    "url", ["postgresql://u:secret@host:abc/db", "postgresql://u:secret@[::1/db"]
)
def test_a_malformed_url_is_a_configuration_error_without_the_password(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        datasdk.connect(url)
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize("size", [0, -1, True, 2.5, "5", 10**6])
def test_pool_size_is_a_sensible_integer(size: object) -> None:
    with pytest.raises(datasdk.ValidationError):
        datasdk.connect("sqlite+aiosqlite:///unused.db", pool_size=size)  # type: ignore[arg-type]
