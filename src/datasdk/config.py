"""Where the database is: a URL and an optional auth token, from arguments or the environment."""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.engine import make_url

from datasdk.errors import ConfigurationError

URL_ENV = "DATASDK_DATABASE_URL"
TOKEN_ENV = "DATASDK_AUTH_TOKEN"
DEFAULT_URL = "sqlite+aiosqlite:///datasdk.db"


class Backend(StrEnum):
    SQLITE = "sqlite"
    LIBSQL = "libsql"
    POSTGRESQL = "postgresql"


_SCHEMES: dict[str, Backend] = {
    "sqlite": Backend.SQLITE,
    "sqlite+aiosqlite": Backend.SQLITE,
    "file": Backend.LIBSQL,
    "libsql": Backend.LIBSQL,
    "ws": Backend.LIBSQL,
    "wss": Backend.LIBSQL,
    "http": Backend.LIBSQL,
    "https": Backend.LIBSQL,
    "postgres": Backend.POSTGRESQL,
    "postgresql": Backend.POSTGRESQL,
    "postgresql+asyncpg": Backend.POSTGRESQL,
}

# libsql-client's HTTP mode cannot hold an interactive transaction, which every
# unit of work needs; the same server speaks Hrana over WebSockets on that host.
_LIBSQL_TRANSPORT = {"https": "wss", "http": "ws"}


@dataclass(frozen=True)
class DatabaseConfig:
    """A parsed database location. The token never appears in `repr` or `str`."""

    backend: Backend
    url: str
    auth_token: str | None = field(default=None, repr=False)

    @property
    def display_url(self) -> str:
        """The URL with any password masked, safe to log."""
        parts = urllib.parse.urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))

    @property
    def sqlalchemy_url(self) -> str:
        """The URL handed to SQLAlchemy's async engine."""
        rest = self.url.partition(":")[2]
        if self.backend is Backend.POSTGRESQL:
            return "postgresql+asyncpg:" + rest
        if self.backend is Backend.SQLITE:
            return "sqlite+aiosqlite:" + rest
        # libSQL locations travel in connect_args, so the token stays out of the URL.
        return "sqlite+libsql://"

    @property
    def libsql_url(self) -> str:
        """The URL handed to libsql-client (libSQL backends only)."""
        scheme, _, rest = self.url.partition(":")
        return _LIBSQL_TRANSPORT.get(scheme, scheme) + ":" + rest


def resolve(url: str | None = None, *, auth_token: str | None = None) -> DatabaseConfig:
    """Build a config from arguments, falling back to the environment, then the default."""
    raw = url or os.environ.get(URL_ENV) or DEFAULT_URL
    token = auth_token if auth_token is not None else os.environ.get(TOKEN_ENV) or None
    scheme = raw.partition(":")[0].lower() if ":" in raw else ""
    backend = _SCHEMES.get(scheme)
    if backend is None:
        known = ", ".join(sorted(f"{s}:" for s in _SCHEMES))
        raise ConfigurationError(
            f"unsupported database URL scheme {scheme or '(none)'!r}; use one of {known}"
        )
    raw = scheme + raw[len(scheme) :]
    if backend is Backend.LIBSQL:
        raw, token = _split_libsql_token(raw, token)
    config = DatabaseConfig(backend=backend, url=raw, auth_token=token)
    try:  # a port that is not a number, an unclosed IPv6 bracket: say so now
        urllib.parse.urlsplit(raw).port  # noqa: B018 (parsing is the check)
        make_url(config.sqlalchemy_url)
    except ValueError:
        # The parser's message may quote the URL, password and all: not repeated here.
        raise ConfigurationError(
            "malformed database URL: check its port (a number) and any [IPv6] brackets"
        ) from None
    return config


def _split_libsql_token(url: str, token: str | None) -> tuple[str, str | None]:
    """Move an `authToken` query parameter out of the URL, so it is never shown."""
    base, sep, query_text = url.partition("?")
    if not sep:
        return url, token
    query = urllib.parse.parse_qsl(query_text, keep_blank_values=True)
    for key, value in query:
        if key == "authToken" and token is None:
            token = value or None
    kept = urllib.parse.urlencode([(k, v) for k, v in query if k != "authToken"])
    # Rebuilding with urlunsplit would turn a relative `file:x.db` into `file:///x.db`.
    return (f"{base}?{kept}" if kept else base), token
