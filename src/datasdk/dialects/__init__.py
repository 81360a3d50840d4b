"""Everything that differs per backend, behind one profile per backend."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection

from sqlalchemy.ext.asyncio import AsyncEngine

from datasdk.config import Backend, DatabaseConfig
from datasdk.dialects import postgresql, sqlite
from datasdk.dialects.catalog import Catalog
from datasdk.errors import DataSDKError


@dataclass(frozen=True)
class BackendProfile:
    backend: Backend
    create_engine: Callable[..., AsyncEngine]
    translate: Callable[[BaseException], DataSDKError]
    # For the conformance suite: the raw SQL forms this backend offers beyond the
    # portable ones, so that one backend-blind test can try each of them.
    overwrite_statements: Callable[[str, str], list[str]]
    destructive_statements: Callable[[str], list[str]]
    rule_bypass_settings: Callable[[], list[str]]
    migration_session: Callable[[Connection], AbstractContextManager[None]]
    verify_migration: Callable[[Connection], None]
    catalog: Callable[[Connection], Catalog]
    # Raw SQL parameters in the stored form (e.g. UUIDs as 36-char text on SQLite).
    raw_param: Callable[[Any], Any]

    def engine(self, config: DatabaseConfig, **options: Any) -> AsyncEngine:
        return self.create_engine(config, **options)


_SQLITE_FAMILY = {
    "translate": sqlite.translate,
    "overwrite_statements": sqlite.overwrite_statements,
    "destructive_statements": sqlite.destructive_statements,
    "rule_bypass_settings": sqlite.rule_bypass_settings,
    "migration_session": sqlite.migration_session,
    "verify_migration": sqlite.verify_migration,
    "catalog": sqlite.catalog,
    "raw_param": sqlite.raw_param,
}

PROFILES: dict[Backend, BackendProfile] = {
    Backend.SQLITE: BackendProfile(Backend.SQLITE, sqlite.sqlite_engine, **_SQLITE_FAMILY),
    Backend.LIBSQL: BackendProfile(Backend.LIBSQL, sqlite.libsql_engine, **_SQLITE_FAMILY),
    Backend.POSTGRESQL: BackendProfile(
        Backend.POSTGRESQL,
        postgresql.postgresql_engine,
        translate=postgresql.translate,
        overwrite_statements=postgresql.overwrite_statements,
        destructive_statements=postgresql.destructive_statements,
        rule_bypass_settings=postgresql.rule_bypass_settings,
        migration_session=postgresql.migration_session,
        verify_migration=postgresql.verify_migration,
        catalog=postgresql.catalog,
        raw_param=postgresql.raw_param,
    ),
}


def profile_for(backend: Backend) -> BackendProfile:
    return PROFILES[backend]
