"""Everything that differs per backend, behind one profile per backend."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import ModuleType
from typing import Any, NoReturn

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection

from datasdk.config import Backend, DatabaseConfig
from datasdk.dialects import common, postgresql, sqlite
from datasdk.dialects.catalog import Catalog
from datasdk.dialects.common import Translate
from datasdk.errors import BackendError, ConfigurationError, ConnectionLost, DataSDKError


@dataclass(frozen=True)
class DriverRequirement:
    """The driver a backend imports when it opens an engine, and the extra that installs
    it: the one place that knows which extra each backend needs. No dialect module
    imports its driver before an engine is made, and `check` runs first."""

    label: str  # "the PostgreSQL backend"
    package: str  # the distribution, as pip names it
    module: str  # what the backend imports
    extra: str | None  # None: a base dependency of datasdk itself

    def check(self) -> None:
        """Raise ConfigurationError, naming the command to run, if the driver is missing."""
        try:
            importlib.import_module(self.module)
        except ImportError as exc:
            # Also a driver whose own dependency is missing (libsql-client without aiohttp).
            extra = f"[{self.extra}]" if self.extra else ""
            install = f"pip install 'datasdk{extra}'"
            raise ConfigurationError(f"{self.label} needs {self.package}: {install}") from exc


@dataclass(frozen=True)
class BackendProfile:
    backend: Backend
    # What an engine of this backend imports; checked before one is made.
    requires: DriverRequirement
    create_engine: Callable[..., AsyncEngine]
    # (dialect name, driver) pairs of the engines this backend runs on.
    drivers: frozenset[tuple[str, str]]
    # Installs what the SDK needs on an engine (its own or the application's) and
    # returns the engine to run on; safe to apply twice.
    prepare: Callable[[AsyncEngine], AsyncEngine]
    # The dialect's own error translator; use `error`, which every failure goes through.
    translate: Translate
    # For the conformance suite: the raw SQL forms this backend offers beyond the
    # portable ones, so that one backend-blind test can try each of them.
    overwrite_statements: Callable[[str, str], list[str]]
    destructive_statements: Callable[[str], list[str]]
    rule_bypass_settings: Callable[[], list[str]]
    migration_session: Callable[[Connection], AbstractContextManager[None]]
    verify_migration: Callable[[Connection], None]
    # Drop and add named CHECKs of existing tables (SQLite: by rebuilding them).
    replace_checks: Callable[
        [Connection, Mapping[str, tuple[Sequence[str], Sequence[tuple[str, str]]]]], None
    ]
    catalog: Callable[[Connection], Catalog]
    # Live triggers/functions by name: (name, drop statement, recreating statements).
    live_objects: Callable[[Connection, set[str]], list[tuple[str, str, list[str]]]]
    # An empty space of this backend to create a reference schema in (`db check`).
    scratch_space: Callable[[Connection], AbstractContextManager[tuple[Connection, str | None]]]
    # Execution options that make a unit of work read-only (and, on SQLite, lock-free).
    read_only_options: dict[str, Any]
    # Execution options under which each statement commits by itself: no BEGIN/COMMIT.
    autocommit_options: dict[str, Any]
    # Raw SQL parameters in the stored form (e.g. UUIDs as 36-char text on SQLite).
    raw_param: Callable[[Any], Any]
    # Query plans (datasdk.plans): statements to run before EXPLAIN, and the index
    # names read from its rows.
    plan_settings: tuple[str, ...]
    plan_indexes: Callable[[list[dict[str, Any]]], set[str]]
    # datasdk.direct: run one statement that commits by itself on a pooled connection
    # (positional SQL and arguments; the rows as the driver returns them), and whether
    # the connection is still good after an error it raised.
    direct_fetch: Callable[
        [PoolProxiedConnection, str, Sequence[Any]], Awaitable[Sequence[Sequence[Any]]]
    ]
    direct_reusable: Callable[[Exception], bool]
    # Whether a driver exception means the connection is gone or could not be made:
    # the one rule behind both executors' discarding and retrying (datasdk.direct, and
    # SQLAlchemy's pool invalidation through Database's handle_error hook).
    is_disconnect: Callable[[BaseException], bool]
    # Whether a DBAPI connection is already known to be dead: a flag, no round trip.
    is_closed: Callable[[Any], bool]

    def engine(self, config: DatabaseConfig, **options: Any) -> AsyncEngine:
        self.requires.check()
        return self.create_engine(config, **options)

    def error(self, exc: BaseException, statement: str | None = None) -> DataSDKError | None:
        """The datasdk error for an exception from the driver or SQLAlchemy; None for
        one that came from neither (a caller's own exception passes through).
        `statement` is the SQL that failed, where known."""
        found = common.translate(exc, self.translate, statement)
        if type(found) is BackendError and self.is_disconnect(common.driver_exception(exc)):
            return ConnectionLost(str(found))
        return found

    def raise_error(self, exc: Exception, statement: str | None = None) -> NoReturn:
        """Raise `exc` as its datasdk error, chained to the driver's exception; `exc`
        itself when it has none (a caller's own exception)."""
        error = self.error(exc, statement)
        if error is None or error is exc:
            raise exc
        raise error from common.driver_exception(exc)


def _profile(
    backend: Backend,
    requires: DriverRequirement,
    module: ModuleType,
    create_engine: Callable[..., AsyncEngine],
    driver: tuple[str, str],
    prepare: Callable[[AsyncEngine], AsyncEngine],
) -> BackendProfile:
    return BackendProfile(
        backend=backend,
        requires=requires,
        create_engine=create_engine,
        drivers=frozenset({driver}),
        prepare=prepare,
        translate=module.translate,
        overwrite_statements=module.overwrite_statements,
        destructive_statements=module.destructive_statements,
        rule_bypass_settings=module.rule_bypass_settings,
        migration_session=module.migration_session,
        verify_migration=module.verify_migration,
        replace_checks=module.replace_checks,
        catalog=module.catalog,
        live_objects=module.live_objects,
        raw_param=module.raw_param,
        scratch_space=module.scratch_space,
        read_only_options=module.READ_ONLY_OPTIONS,
        autocommit_options=module.AUTOCOMMIT_OPTIONS,
        plan_settings=module.PLAN_SETTINGS,
        plan_indexes=module.plan_indexes,
        direct_fetch=module.direct_fetch,
        direct_reusable=module.direct_reusable,
        is_disconnect=module.is_disconnect,
        is_closed=module.is_closed,
    )


# The dialect modules import no driver themselves: `import datasdk` and the SQLite
# default work with no extra installed (pyproject's [project.optional-dependencies]).
PROFILES: dict[Backend, BackendProfile] = {
    Backend.SQLITE: _profile(
        Backend.SQLITE,
        DriverRequirement("the SQLite backend", "aiosqlite", "aiosqlite", None),
        sqlite,
        sqlite.sqlite_engine,
        ("sqlite", "aiosqlite"),
        sqlite.prepare_sqlite,
    ),
    Backend.LIBSQL: _profile(
        Backend.LIBSQL,
        DriverRequirement("the libSQL backend", "libsql-client", "libsql_client", "libsql"),
        sqlite,
        sqlite.libsql_engine,
        ("sqlite", "libsql"),
        sqlite.prepare_libsql,
    ),
    Backend.POSTGRESQL: _profile(
        Backend.POSTGRESQL,
        DriverRequirement("the PostgreSQL backend", "asyncpg", "asyncpg", "postgres"),
        postgresql,
        postgresql.postgresql_engine,
        ("postgresql", "asyncpg"),
        postgresql.prepare,
    ),
}


def profile_for(backend: Backend) -> BackendProfile:
    return PROFILES[backend]


def profile_for_engine(engine: object) -> BackendProfile:
    """The profile of an application's engine, told by its dialect and driver."""
    if isinstance(engine, Engine):
        raise ConfigurationError(
            "datasdk runs on an AsyncEngine (sqlalchemy.ext.asyncio.create_async_engine), "
            "not a synchronous Engine"
        )
    if not isinstance(engine, AsyncEngine):
        raise ConfigurationError(
            f"expected a database URL or an AsyncEngine, not {type(engine).__name__}"
        )
    found = (engine.dialect.name, engine.dialect.driver)
    for profile in PROFILES.values():
        if found in profile.drivers:
            return profile
    known = ", ".join(sorted(f"{n}+{d}" for p in PROFILES.values() for n, d in p.drivers))
    raise ConfigurationError(
        f"unsupported engine dialect {found[0]}+{found[1]}; datasdk runs on {known}"
    )
