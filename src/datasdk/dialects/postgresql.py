"""PostgreSQL 15: rule DDL (PL/pgSQL from `sql/postgresql/*.sql`), expressions, errors."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.compiler import SQLCompiler

from datasdk import errors
from datasdk.config import DatabaseConfig
from datasdk.dialects import common, pg_targets
from datasdk.dialects.catalog import Catalog, TriggerInfo
from datasdk.dialects.common import error_from_token
from datasdk.plans import Explain, render_explain
from datasdk.schema.ddl import STATEMENT_BREAK, CreateRule, DropRule
from datasdk.schema.rules import (
    AppendOnly,
    ForeignKeyGuard,
    Ledger,
    RowLimit,
    Rule,
    StateMachine,
    TouchUpdatedAt,
    VersionBump,
)
from datasdk.schema.types import (
    is_ascii_lowercase,
    is_sha256_hex,
    json_type_is,
    new_uuid,
    shift_terms,
    utc_now,
    value_is,
)

_TEMPLATE_BREAK = "\n-- statement\n"


# The range every backend stores (Python's own): asyncpg writes its two ends as
# -infinity and infinity, which read back as those ends.
_TIMESTAMP_RANGE = "'0001-01-01 00:00:00+00' AND '9999-12-31 23:59:59.999999+00'"


@compiles(value_is, "postgresql")
def _value_is(element: value_is, compiler: SQLCompiler, **kw: Any) -> str:
    c = element.column
    tests = {
        "timestamp": f"NOT isfinite({c}) OR {c} BETWEEN {_TIMESTAMP_RANGE}",
        # inet keeps a network prefix ('10.0.0.1/24'); an address has the full mask.
        "inet": f"masklen({c}) = CASE WHEN family({c}) = 4 THEN 32 ELSE 128 END",
    }
    return f"{c} IS NULL OR ({tests[element.kind]})"


@compiles(utc_now, "postgresql")
def _utc_now(element: utc_now, compiler: SQLCompiler, **kw: Any) -> str:
    # statement_timestamp(), like SQLite's 'now': one time per statement.
    shifts = "".join(f" + interval '{amount} {unit}'" for amount, unit in shift_terms(element))
    return f"(statement_timestamp(){shifts})" if shifts else "statement_timestamp()"


@compiles(new_uuid, "postgresql")
def _new_uuid(element: new_uuid, compiler: SQLCompiler, **kw: Any) -> str:
    return "gen_random_uuid()"


@compiles(is_sha256_hex, "postgresql")
def _is_sha256_hex(element: is_sha256_hex, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{element.column} ~ '^[0-9a-f]{{64}}$'"


@compiles(is_ascii_lowercase, "postgresql")
def _is_ascii_lowercase(element: is_ascii_lowercase, compiler: SQLCompiler, **kw: Any) -> str:
    # The C collation folds ASCII only, as SQLite's lower() does.
    return f'{element.column} = lower({element.column} COLLATE "C")'


@compiles(json_type_is, "postgresql")
def _json_type_is(element: json_type_is, compiler: SQLCompiler, **kw: Any) -> str:
    return f"jsonb_typeof({element.column}) = '{element.json_type}'"


@cache
def _template(name: str) -> str:
    return (resources.files("datasdk.dialects") / "sql" / "postgresql" / f"{name}.sql").read_text()


def _render(name: str, **fields: object) -> str:
    return _template(name).format(**fields).replace(_TEMPLATE_BREAK, STATEMENT_BREAK)


def _touch(rule: TouchUpdatedAt) -> str:
    return _render("touch", ident=rule.ident, table=rule.table, column=rule.column)


def _version_bump(rule: VersionBump) -> str:
    return _render(
        "version_bump",
        ident=rule.ident,
        table=rule.table,
        column=rule.column,
        columns=", ".join(rule.columns),
        token=rule.token(),
    )


def _append_only(rule: AppendOnly) -> str:
    parent_gone, cascade = "false", ""
    if rule.cascade_parent:
        parent, key, column = rule.cascade_parent
        parent_gone = f"NOT EXISTS (SELECT 1 FROM {parent} WHERE {key} = OLD.{column})"
        cascade = _template("append_only_cascade").format(
            ident=rule.ident, table=rule.table, parent=parent, key=key, column=column
        )
    key_checks = "".join(
        _template("append_only_key").format(
            table=rule.table,
            constraint=constraint,
            match=" AND ".join(f"existing.{column} = NEW.{column}" for column in columns),
        )
        for constraint, columns in rule.keys
    )
    return _render(
        "append_only",
        ident=rule.ident,
        table=rule.table,
        token=rule.token(),
        parent_gone=parent_gone,
        key_checks=key_checks.rstrip("\n"),
        cascade=cascade,
    )


def _state_machine(rule: StateMachine) -> str:
    transitions = ", ".join(f"('{a}', '{b}')" for a, b in rule.transitions)
    return _render(
        "state_machine",
        ident=rule.ident,
        table=rule.table,
        column=rule.column,
        initial=rule.initial,
        transitions=transitions,
        token=rule.token(),
    )


def _row_limit(rule: RowLimit) -> str:
    return _render(
        "row_limit",
        ident=rule.ident,
        table=rule.table,
        column=rule.column,
        parent_table=rule.parent_table,
        parent_key=rule.parent_key,
        limit=rule.limit,
        token=rule.token(),
    )


def _ledger(rule: Ledger) -> str:
    return _render(
        "ledger",
        ident=rule.ident,
        table=rule.table,
        amount=rule.amount_column,
        account_table=rule.account_table,
        account_key=rule.account_key,
        account_column=rule.account_column,
        balance=rule.balance_column,
        applied=rule.applied_column,
        key=rule.entry_key,
        token=rule.token(),
    )


def _foreign_key(rule: ForeignKeyGuard) -> str:
    # PostgreSQL names the violated constraint itself (asyncpg's constraint_name).
    return ""


_RENDERERS: dict[type[Rule], Any] = {
    TouchUpdatedAt: _touch,
    VersionBump: _version_bump,
    AppendOnly: _append_only,
    StateMachine: _state_machine,
    RowLimit: _row_limit,
    Ledger: _ledger,
    ForeignKeyGuard: _foreign_key,
}


_CREATE_TRIGGER = re.compile(r"CREATE TRIGGER (\w+) .*? ON (\w+)", re.DOTALL)


def script(rule: Rule) -> str:
    """The rule's CREATE statements, separated by STATEMENT_BREAK."""
    rendered: str = _RENDERERS[type(rule)](rule)
    # ENABLE ALWAYS: a session with session_replication_role = replica (which
    # PostgreSQL 15 lets a non-superuser be granted) must not switch a rule off.
    always = [
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}"
        for name, table in _CREATE_TRIGGER.findall(rendered)
    ]
    return STATEMENT_BREAK.join([rendered, *always]) if always else rendered


def functions(rule: Rule) -> list[str]:
    """The trigger functions the rule creates (dropping one drops its triggers)."""
    names = []
    for statement in script(rule).split(STATEMENT_BREAK):
        marker = "CREATE FUNCTION "
        if marker in statement:
            names.append(statement.split(marker, 1)[1].split("(", 1)[0])
    return names


@compiles(CreateRule, "postgresql")
def _create_rule(element: CreateRule, compiler: Any, **kw: Any) -> str:
    return script(element.rule)


@compiles(DropRule, "postgresql")
def _drop_rule(element: DropRule, compiler: Any, **kw: Any) -> str:
    return STATEMENT_BREAK.join(
        f"DROP FUNCTION IF EXISTS {name}() CASCADE" for name in functions(element.rule)
    )


# -- errors ---------------------------------------------------------------------------

_RULE_STATES = {"DS001", "DS002", "DS003", "DS004", "DS005"}
_CONFLICT_STATES = {"40001", "40P01", "55P03"}
_DATATYPE_MISMATCH = "42804"


def _driver_errors() -> tuple[type[BaseException], ...]:
    import asyncpg  # the postgres extra; only a PostgreSQL database calls this

    return (
        AsyncAdapt_asyncpg_dbapi.Error,
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
        asyncpg.InternalClientError,
    )


def translate(exc: BaseException, statement: str | None = None) -> errors.DataSDKError | None:
    """An asyncpg error (raw, or as SQLAlchemy's adapter wraps it) as a datasdk error,
    chosen by SQLSTATE; None for an exception that is not the driver's.

    `statement`, the SQL that failed, names the column of a refused parameter.
    """
    if not isinstance(exc, _driver_errors()):
        return None
    # SQLAlchemy's adapter keeps the SQLSTATE; the asyncpg exception it wraps carries
    # the structured fields.
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    # SQLAlchemy's adapter wraps the asyncpg error; asyncpg's own may chain the Python
    # error behind a refused parameter, which is not the detail.
    cause = exc.__cause__
    detail = cause if isinstance(exc, AsyncAdapt_asyncpg_dbapi.Error) and cause else exc
    state = state or getattr(detail, "sqlstate", None)
    table = getattr(detail, "table_name", None)
    constraint = getattr(detail, "constraint_name", None)
    message = getattr(detail, "message", None) or str(exc)
    if state in _RULE_STATES:
        return error_from_token(message) or errors.RuleViolation(message, table=table)
    if isinstance(detail.__cause__, UnicodeEncodeError):
        # asyncpg could not encode a string (a lone surrogate): never sent, as on SQLite.
        return common.unencodable(detail.__cause__)
    if (state or "").startswith("22") or state == _DATATYPE_MISMATCH:
        # Class 22, data exception: a value its column's type refuses. asyncpg refuses
        # most parameters itself, before sending them (as 22000); the server refuses
        # the rest while binding them, and a literal of another type (`SET flag = 3`)
        # as a datatype mismatch.
        return _invalid_value(statement, detail)
    if state == "23505":
        return common.unique(table, constraint)
    if state == "23514":
        return common.check(table, constraint)
    if state == "23503":
        return common.foreign_key(table, constraint)
    if state == "23502":
        return common.not_null(table, getattr(detail, "column_name", None))
    if state == "25006":
        return errors.ReadOnlyTransactionError("a read-only unit of work cannot write")
    if state == "25P02":
        return errors.TransactionAborted("an earlier statement of this unit of work failed")
    if state in _CONFLICT_STATES:
        return errors.TransactionConflict(f"transaction conflict ({state}); retry the unit of work")
    return errors.BackendError(_describe(state, detail, message))


_CLIENT_PARAMETER = re.compile(r"^invalid input for query argument \$(\d+)\b")
_SERVER_PARAMETER = re.compile(r"\bparameter \$(\d+)\b")


def _parameter(detail: BaseException) -> int | None:
    """Which parameter ($n) a refused value was: no error field says so. The server
    names it in the error's context, asyncpg at the start of its message."""
    found = _SERVER_PARAMETER.search(str(getattr(detail, "context", None) or ""))
    found = found or _CLIENT_PARAMETER.search(str(detail))
    return int(found.group(1)) if found else None


def _invalid_value(statement: str | None, detail: BaseException) -> errors.InvalidValue:
    """The refused value's table and column: from the error's fields where it has them,
    else from where the statement writes the parameter or the character it points at."""
    table, column = getattr(detail, "table_name", None), getattr(detail, "column_name", None)
    if not (table and column) and statement:
        parameter = _parameter(detail)
        position = None if parameter else _position(detail)
        table, column = pg_targets.target(statement, parameter=parameter, position=position)
    return common.invalid_value(table, column)


def _position(detail: BaseException) -> int | None:
    position = getattr(detail, "position", None)
    return int(position) if position and str(position).isdigit() else None


# Connection and resource failures: their messages name servers, roles and databases,
# never a statement's values. Other messages may quote values, so they stay in the
# chained cause, out of the error's text (and so out of logs).
_SAFE_MESSAGE_CLASSES = ("08", "28", "3D", "53", "57")


def _describe(state: str | None, detail: BaseException, message: str) -> str:
    condition = type(detail).__name__
    if state and state.startswith(_SAFE_MESSAGE_CLASSES):
        return f"PostgreSQL error {state} ({condition}): {message}"
    return f"PostgreSQL error {state or 'in the driver'} ({condition})"


# -- connections ----------------------------------------------------------------------


# The rules are written to be race-free at this level.
_ISOLATION = "READ COMMITTED"


def postgresql_engine(config: DatabaseConfig, **options: Any) -> AsyncEngine:
    return create_async_engine(
        config.sqlalchemy_url,
        isolation_level=_ISOLATION,
        connect_args={"timeout": 10, "server_settings": {"application_name": "datasdk"}},
        hide_parameters=True,
        **options,
    )


def prepare(engine: AsyncEngine) -> AsyncEngine:
    """The engine the SDK runs on: READ COMMITTED whatever the application's default."""
    return engine.execution_options(isolation_level=_ISOLATION)


def overwrite_statements(table: str, key: str) -> list[str]:
    """Raw statements, beyond UPDATE/DELETE/ON CONFLICT, that could replace or remove
    the row whose `key` equals the bound parameter `:key`."""
    source = f"(SELECT * FROM {table} WHERE {key} = :key) AS s ON t.{key} = s.{key}"
    return [
        f"MERGE INTO {table} AS t USING {source} WHEN MATCHED THEN UPDATE SET {key} = s.{key}",
        f"MERGE INTO {table} AS t USING {source} WHEN MATCHED THEN DELETE",
    ]


@contextmanager
def migration_session(connection: Connection) -> Iterator[None]:
    """Nothing to set: PostgreSQL's DDL is transactional and keeps its constraints on."""
    yield


def verify_migration(connection: Connection) -> None:
    """Nothing to verify: PostgreSQL checked every constraint as the DDL ran."""


def replace_checks(
    connection: Connection,
    changes: Mapping[str, tuple[Sequence[str], Sequence[tuple[str, str]]]],
    triggers: Mapping[str, str] | None = None,
) -> None:
    """Drop and add named CHECKs: {table: (names to drop, (name, expression) to add)}.
    Triggers are PL/pgSQL functions here: revisions replace those themselves."""
    if triggers:
        raise errors.MigrationError("replace PostgreSQL trigger functions in the revision")
    for table, (drop, add) in changes.items():
        for name in drop:
            connection.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, sql in add:
            connection.exec_driver_sql(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({sql})")


def destructive_statements(table: str) -> list[str]:
    """Raw statements that empty a table wholesale."""
    return [f"TRUNCATE {table}", f"TRUNCATE {table} CASCADE", f"DELETE FROM {table}"]


def rule_bypass_settings() -> list[str]:
    """Per-connection settings a client might hope switch the rules off."""
    return ["SET LOCAL session_replication_role = replica"]


_TRIGGERS = """
SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid), t.tgenabled::text
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND n.nspname = current_schema()
"""
_FUNCTIONS = """
SELECT p.proname, p.prosrc FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = current_schema()
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
"""
_TYPES = """
SELECT t.typname FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'd', 'r', 'm')
"""


def catalog(connection: Connection) -> Catalog:
    """Triggers (with whether they fire always), trigger functions and user types."""
    triggers = {
        str(name): TriggerInfo(str(table), str(definition), enabled == "A")
        for name, table, definition, enabled in connection.exec_driver_sql(_TRIGGERS)
    }
    functions = {str(name): str(src) for name, src in connection.exec_driver_sql(_FUNCTIONS)}
    types = {str(name) for (name,) in connection.exec_driver_sql(_TYPES)}
    return Catalog(triggers=triggers, functions=functions, types=types)


_LIVE_FUNCTIONS = """
SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = current_schema() ORDER BY p.proname
"""


def live_objects(connection: Connection, names: set[str]) -> list[tuple[str, str, list[str]]]:
    """(name, drop statement, statements that recreate it) for live functions and
    triggers, functions first: what an autogenerated revision needs to undo its change."""
    found = [
        (str(name), f"DROP FUNCTION IF EXISTS {name}() CASCADE", [str(definition)])
        for name, definition in connection.exec_driver_sql(_LIVE_FUNCTIONS)
        if name in names
    ]
    for name, table, definition, enabled in connection.exec_driver_sql(_TRIGGERS):
        if name in names:
            always = [f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}"] if enabled == "A" else []
            found.append(
                (str(name), f"DROP TRIGGER IF EXISTS {name} ON {table}", [str(definition), *always])
            )
    return found


_INT64 = range(-(2**63), 2**63)


def raw_param(value: Any) -> Any:
    """asyncpg binds UUIDs, aware datetimes and addresses natively. What SQLite's side
    refuses before any SQL, this refuses too: a naive datetime, an integer beyond 64 bits."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise errors.ValidationError("timestamps must be timezone-aware datetimes")
        if value.year in (1, 9999):
            # Beyond 0001..9999 in UTC (0001-01-01T00:30+01:00): what SQLite's side
            # refuses as it converts to UTC, asyncpg would refuse as a value error.
            try:
                value.astimezone(UTC)
            except OverflowError:
                raise errors.ValidationError("a timestamp beyond 0001..9999 in UTC") from None
    if type(value) is int and value not in _INT64:
        raise errors.ValidationError("an integer parameter must fit in 64 bits")
    return value


@contextmanager
def scratch_space(connection: Connection) -> Iterator[tuple[Connection, str | None]]:
    """A fresh schema in this database, inside a transaction that is always rolled back."""
    schema = f"datasdk_check_{uuid.uuid4().hex[:12]}"
    transaction = connection.begin()
    try:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        connection.exec_driver_sql(f"SET LOCAL search_path TO {schema}")
        yield connection, schema
    finally:
        transaction.rollback()


READ_ONLY_OPTIONS = {"postgresql_readonly": True}
# asyncpg starts no transaction at all: one statement, one round trip.
AUTOCOMMIT_OPTIONS = {"isolation_level": "AUTOCOMMIT", "datasdk_autocommit": True}


async def direct_fetch(
    connection: PoolProxiedConnection, sql: str, args: Sequence[Any]
) -> Sequence[Sequence[Any]]:
    """One statement on the pooled asyncpg connection, outside any transaction: it
    commits by itself. asyncpg prepares it once per connection (its statement cache)."""
    driver: Any = connection.driver_connection
    rows: Sequence[Sequence[Any]] = await driver.fetch(sql, *args)
    return rows


def direct_reusable(exc: Exception) -> bool:
    """Whether the connection is as good as before after `exc`: the server answered
    with an error, or asyncpg refused a parameter before sending anything."""
    import asyncpg

    if isinstance(exc, asyncpg.DataError):
        return True
    return isinstance(exc, asyncpg.PostgresError) and not is_disconnect(exc)


# Class 08 (connection exception), and the server shutting down (57P01 admin, 57P02
# crash) or not accepting connections yet (57P03): the session is over, or never began.
_DISCONNECT_STATES = ("08", "57P01", "57P02", "57P03")


def is_disconnect(exc: BaseException) -> bool:
    """Whether `exc` (asyncpg's, or SQLAlchemy's adapter's wrapping it) means the
    connection is gone or could not be made: the one rule both executors use."""
    import asyncpg

    cause = exc.__cause__
    if isinstance(exc, AsyncAdapt_asyncpg_dbapi.Error) and cause is not None:
        exc = cause
    if isinstance(exc, OSError):  # refused, reset, unreachable, timed out connecting
        return True
    if isinstance(exc, asyncpg.ConnectionDoesNotExistError | asyncpg.InternalClientError):
        # The latter: asyncpg's protocol out of step with the server ("another
        # operation is in progress"), as when the server ended the session mid-unit.
        return True
    if isinstance(exc, asyncpg.InterfaceError):
        # asyncpg's refusal to use a closed connection carries no code, only this text
        # (the same test as SQLAlchemy's asyncpg dialect).
        return "connection is closed" in str(exc)
    state = getattr(exc, "sqlstate", None) or ""
    return isinstance(exc, asyncpg.PostgresError) and state.startswith(_DISCONNECT_STATES)


def is_closed(dbapi_connection: Any) -> bool:
    """Whether asyncpg already knows the connection is gone (the server closed it):
    a flag, no round trip."""
    driver: Any = getattr(dbapi_connection, "_connection", None)
    return driver is None or bool(driver.is_closed())


# -- query plans ------------------------------------------------------------------------

# A near-empty table is cheapest to scan; ask for the plan an index makes possible.
PLAN_SETTINGS = ("SET LOCAL enable_seqscan = off",)


@compiles(Explain, "postgresql")
def _explain(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return render_explain("EXPLAIN (FORMAT JSON) ", element, compiler, **kw)


def plan_indexes(rows: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "Index Name" in node:
                found.add(str(node["Index Name"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for row in rows:
        for value in row.values():
            walk(json.loads(value) if isinstance(value, str) else value)
    return found
