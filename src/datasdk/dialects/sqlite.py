"""SQLite and libSQL: rule DDL, portable expressions and error translation.

libSQL speaks SQLite's SQL, so both backends compile through the "sqlite" dialect.
"""

from __future__ import annotations

import ipaddress
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.dialects.sqlite.base import SQLiteDialect
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.compiler import SQLCompiler

from datasdk import errors
from datasdk.config import DatabaseConfig
from datasdk.dialects import common, libsql_wire
from datasdk.dialects.aiosqlite_driver import OneHopDBAPI
from datasdk.dialects.catalog import Catalog, TriggerInfo
from datasdk.dialects.common import error_from_token, unique_constraint_name
from datasdk.plans import Explain, render_explain
from datasdk.schema import metadata
from datasdk.schema.ddl import STATEMENT_BREAK, CreateRule, DropRule
from datasdk.schema.rules import (
    TOKEN_PREFIX,
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
    UTCDateTime,
    is_ascii_lowercase,
    is_sha256_hex,
    json_type_is,
    new_uuid,
    shift_terms,
    type_kind,
    utc_now,
    value_is,
)

# 'now' is fixed for one sqlite3_step, so every trigger of one statement sees one time.
# SQLite keeps milliseconds; the trailing zeros keep the text fixed-width.
_NOW_FORMAT = "'%Y-%m-%dT%H:%M:%f000Z'"
NOW = f"strftime({_NOW_FORMAT}, 'now')"

_UUID_V4 = (
    "lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || "
    "substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || "
    "'-' || lower(hex(randomblob(6)))"
)


@compiles(utc_now, "sqlite")
def _utc_now(element: utc_now, compiler: SQLCompiler, **kw: Any) -> str:
    shifts = "".join(f", '{amount} {unit}'" for amount, unit in shift_terms(element))
    return f"strftime({_NOW_FORMAT}, 'now'{shifts})" if shifts else NOW


@compiles(new_uuid, "sqlite")
def _new_uuid(element: new_uuid, compiler: SQLCompiler, **kw: Any) -> str:
    return _UUID_V4


@compiles(is_sha256_hex, "sqlite")
def _is_sha256_hex(element: is_sha256_hex, compiler: SQLCompiler, **kw: Any) -> str:
    column = element.column
    return f"length({column}) = 64 AND {column} NOT GLOB '*[^0-9a-f]*'"


@compiles(is_ascii_lowercase, "sqlite")
def _is_ascii_lowercase(element: is_ascii_lowercase, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{element.column} = lower({element.column})"


@compiles(json_type_is, "sqlite")
def _json_type_is(element: json_type_is, compiler: SQLCompiler, **kw: Any) -> str:
    # json_type() raises on malformed JSON; json_valid's own CHECK reports that case.
    column = element.column
    return f"CASE WHEN json_valid({column}) THEN json_type({column}) = '{element.json_type}' END"


# -- type checks: what PostgreSQL's column types refuse, refused here too -------------
# SQLite stores any value in any column; these CHECKs accept exactly the stored form
# the SDK writes. Only SQL SQLite itself evaluates (no registered function), so that
# every client of the file is held to them.

_HEX = "[0-9a-f]"
_DIGIT = "[0-9]"
_UUID_GLOB = "-".join(_HEX * n for n in (8, 4, 4, 4, 12))
_TIMESTAMP_GLOB = (
    f"{_DIGIT * 4}-{_DIGIT * 2}-{_DIGIT * 2}T{_DIGIT * 2}:{_DIGIT * 2}:{_DIGIT * 2}.{_DIGIT * 6}Z"
)


def _ipv4(x: str) -> str:
    # '1.2.3.4' -> '[1,2,3,4]': JSON numbers have no leading zeros, empty parts or signs.
    j = f"'[' || replace({x}, '.', ',') || ']'"
    octets = ", ".join(f"json_extract({j}, '$[{i}]')" for i in range(4))
    return (
        f"({x} NOT GLOB '*[^0-9.]*' AND CASE WHEN json_valid({j}) THEN "
        f"json_array_length({j}) = 4 AND max({octets}) <= 255 ELSE 0 END)"
    )


def _ipv6(x: str) -> str:
    # A shape check: hex groups of at most 4 digits, one '::' at most, the right number
    # of groups, and an optional dotted IPv4 tail.
    colons = f"(length({x}) - length(replace({x}, ':', '')))"
    groups = f"({colons} + (instr({x}, '.') > 0))"
    head = f"rtrim({x}, '0123456789.')"
    tail = f"substr({x}, length({head}) + 1)"
    return (
        f"({x} NOT GLOB '*[^0-9a-f:.]*' AND length({x}) BETWEEN 2 AND 45"
        f" AND {x} NOT GLOB '*{_HEX * 5}*'"
        f" AND instr(substr({x}, instr({x}, '::') + 1), '::') = 0"
        f" AND {x} NOT GLOB ':[^:]*' AND {x} NOT GLOB '*[^:]:'"
        f" AND CASE WHEN instr({x}, '::') = 0 THEN {groups} = 7"
        f" ELSE {groups} <= 7 OR ({groups} = 8 AND ({x} GLOB '::*' OR {x} GLOB '*::')) END"
        f" AND CASE WHEN instr({x}, '.') = 0 THEN 1"
        f" ELSE {head} GLOB '*:' AND instr({head}, '.') = 0 AND {_ipv4(tail)} END)"
    )


def _json_escapes(x: str) -> str:
    """No escape that jsonb refuses: `\\u0000`, or a surrogate escape (`\\ud800`) that is
    not half of a high-low pair. With every backslash pair gone (an escaped backslash
    starts no escape), high and low surrogate escapes are marked with char(1) and
    char(2): a lone one is a high not followed by a low, or a low not preceded by a high.
    Only text with a `\\u` in it is looked at twice."""
    y = f"lower(replace({x}, '\\\\', ''))"
    for prefix in ("d8", "d9", "da", "db"):
        y = f"replace({y}, '\\u{prefix}', char(1))"
    for prefix in ("dc", "dd", "de", "df"):
        y = f"replace({y}, '\\u{prefix}', char(2))"
    lone_high = f"{y} GLOB ('*' || char(1) || '??[^' || char(2) || ']*')"
    lone_low = f"('   ' || {y}) GLOB ('*[^' || char(1) || ']??' || char(2) || '*')"
    return (
        f"(instr({x}, '\\u') = 0 OR (instr(replace({x}, '\\\\', ''), '\\u0000') = 0"
        f" AND NOT ({lone_high} OR {lone_low})))"
    )


def type_check_sql(column: str, kind: str) -> str:
    """The CHECK expression that holds `column` to the logical type `kind`."""
    c = column
    whole = f"substr({c}, 1, 19)"
    tests = {
        "int4": f"typeof({c}) = 'integer' AND {c} BETWEEN -2147483648 AND 2147483647",
        "int8": f"typeof({c}) = 'integer'",
        "boolean": f"typeof({c}) = 'integer' AND {c} IN (0, 1)",
        "uuid": f"typeof({c}) = 'text' AND {c} GLOB '{_UUID_GLOB}'",
        # strftime() with a modifier normalises an impossible date (Feb 30) or time, so
        # only a real one reads back unchanged; seconds 60 read back as NULL.
        "timestamp": (
            f"typeof({c}) = 'text' AND {c} GLOB '{_TIMESTAMP_GLOB}'"
            f" AND substr({c}, 1, 4) <> '0000' AND substr({c}, 12, 2) < '24'"
            f" AND strftime('%Y-%m-%dT%H:%M:%S', {whole}, '+0 seconds') IS {whole}"
        ),
        "inet": (
            f"typeof({c}) = 'text' AND CASE WHEN instr({c}, ':') = 0"
            f" THEN {_ipv4(c)} ELSE {_ipv6(c)} END"
        ),
        "json": f"json_valid({c}) AND {_json_escapes(c)}",
        # PostgreSQL's text refuses NUL; a blob is not text.
        "text": f"typeof({c}) = 'text' AND instr({c}, char(0)) = 0",
    }
    return f"{c} IS NULL OR ({tests[kind]})"


@compiles(value_is, "sqlite")
def _value_is(element: value_is, compiler: SQLCompiler, **kw: Any) -> str:
    return type_check_sql(element.column, element.kind)


def _raise(token: str) -> str:
    return f"SELECT RAISE(ABORT, '{token}');"


def _trigger(name: str, timing: str, table: str, when: str | None, body: str) -> str:
    condition = f" WHEN {when}" if when else ""
    return f"CREATE TRIGGER {name} {timing} ON {table} FOR EACH ROW{condition} BEGIN {body} END"


def _matches(left: str, columns: tuple[str, ...], right: str, keys: tuple[str, ...]) -> str:
    return " AND ".join(f"{left}.{a} = {right}.{b}" for a, b in zip(columns, keys, strict=True))


def _touch(rule: TouchUpdatedAt) -> list[tuple[str, str]]:
    # A nested UPDATE is the only way to change a row from a SQLite trigger. The WHEN
    # guard ends the recursion when a client turned recursive_triggers on.
    col, name = rule.column, f"trg_{rule.ident}"
    body = f"UPDATE {rule.table} SET {col} = {NOW} WHERE rowid = NEW.rowid;"
    return [(name, _trigger(name, "AFTER UPDATE", rule.table, f"NEW.{col} IS NOT {NOW}", body))]


def _typed(table: str, column: str) -> str:
    """True when NEW.column is NULL or of its column's type. SQLite runs BEFORE triggers
    before CHECKs: a rule that reads a value stands aside for a wrong-typed one, so that
    the type check refuses it, as PostgreSQL's column type does before any trigger."""
    if table not in metadata.tables:
        # An application's table has no type checks to stand aside for: the rule holds.
        return "1"
    kind = type_kind(metadata.tables[table].c[column].type)
    return f"({type_check_sql(f'NEW.{column}', kind)})" if kind else "1"


def _version_bump(rule: VersionBump) -> list[tuple[str, str]]:
    col, name = rule.column, f"trg_{rule.ident}"
    timing = f"BEFORE UPDATE OF {', '.join(rule.columns)}"
    when = f"{_typed(rule.table, col)} AND NEW.{col} IS NOT OLD.{col} + 1"
    return [(name, _trigger(name, timing, rule.table, when, _raise(rule.token())))]


def _append_only(rule: AppendOnly) -> list[tuple[str, str]]:
    table, token = rule.table, rule.token()
    delete_when = None
    if rule.cascade_parent:
        parent, key, column = rule.cascade_parent
        delete_when = f"EXISTS (SELECT 1 FROM {parent} WHERE {key} = OLD.{column})"
    triggers = [
        (f"trg_{rule.ident}_update", "BEFORE UPDATE", None),
        (f"trg_{rule.ident}_delete", "BEFORE DELETE", delete_when),
    ]
    cascade = []
    if rule.cascade_parent:
        # The cascade, again, as a trigger: it holds whatever a client's foreign_keys
        # pragma says, so rows never outlive their parent and the exemption above
        # covers only this path.
        name = f"trg_{rule.ident}_cascade"
        remove = f"DELETE FROM {table} WHERE {column} = OLD.{key};"
        cascade.append((name, _trigger(name, "AFTER DELETE", parent, None, remove)))
    out = cascade + [
        (name, _trigger(name, timing, table, when, _raise(token)))
        for name, timing, when in triggers
    ]
    # INSERT OR REPLACE deletes the old row without firing delete triggers (unless a
    # client enabled recursive_triggers): refuse every colliding insert up front, the
    # keys checked in the same order as on PostgreSQL.
    checks = " ".join(
        f"SELECT RAISE(ABORT, 'datasdk:unique:{table}:{constraint}') WHERE EXISTS "
        f"(SELECT 1 FROM {table} AS existing WHERE {_matches('existing', cols, 'NEW', cols)});"
        for constraint, cols in rule.keys
    )
    name = f"trg_{rule.ident}_keys"
    out.append((name, _trigger(name, "BEFORE INSERT", table, None, checks)))
    return out


def _transitions_sql(rule: StateMachine) -> str:
    return ", ".join(f"('{a}', '{b}')" for a, b in rule.transitions)


def _state_machine(rule: StateMachine) -> list[tuple[str, str]]:
    col, token = rule.column, rule.token()
    insert_name, update_name = f"trg_{rule.ident}_insert", f"trg_{rule.ident}_update"
    moves = _transitions_sql(rule)
    illegal = f"NEW.{col} IS NOT OLD.{col} AND (OLD.{col}, NEW.{col}) NOT IN (VALUES {moves})"
    return [
        (
            insert_name,
            _trigger(
                insert_name,
                "BEFORE INSERT",
                rule.table,
                f"NEW.{col} IS NOT '{rule.initial}'",
                _raise(token),
            ),
        ),
        (
            update_name,
            _trigger(update_name, f"BEFORE UPDATE OF {col}", rule.table, illegal, _raise(token)),
        ),
    ]


def _row_limit(rule: RowLimit) -> list[tuple[str, str]]:
    # SQLite runs one writer at a time, so a count inside the write is race-free.
    col = rule.column
    full = f"(SELECT count(*) FROM {rule.table} WHERE {col} = NEW.{col}) >= {rule.limit}"
    insert_name, update_name = f"trg_{rule.ident}_insert", f"trg_{rule.ident}_update"
    return [
        (
            insert_name,
            _trigger(insert_name, "BEFORE INSERT", rule.table, full, _raise(rule.token())),
        ),
        (
            update_name,
            _trigger(
                update_name,
                f"BEFORE UPDATE OF {col}",
                rule.table,
                f"NEW.{col} IS NOT OLD.{col} AND {full}",
                _raise(rule.token()),
            ),
        ),
    ]


def _ledger(rule: Ledger) -> list[tuple[str, str]]:
    # Each ledger row moves the balance and names itself in the applied column in one
    # UPDATE; the guard accepts a move only as the application of one ledger row of this
    # account, newer (by rowid) than the one applied before. Since every row is applied
    # as it is inserted, the applied row is always the account's newest, so no row can
    # be applied twice, and each check is a primary-key lookup, not a sum.
    account, balance, applied = rule.account_table, rule.balance_column, rule.applied_column
    ledger, key, amount = rule.table, rule.entry_key, rule.amount_column
    owner = rule.account_column
    move = (
        f"UPDATE {account} SET {balance} = {balance} + NEW.{amount}, {applied} = NEW.{key} "
        f"WHERE {rule.account_key} = NEW.{owner};"
    )
    ledger_sum = (
        f"(SELECT coalesce(sum({amount}), 0) FROM {ledger} WHERE {owner} = NEW.{rule.account_key})"
    )
    newest = (
        f"(SELECT {key} FROM {ledger} WHERE {owner} = NEW.{rule.account_key} "
        "ORDER BY rowid DESC LIMIT 1)"
    )
    moved = f"(NEW.{balance} IS NOT OLD.{balance} OR NEW.{applied} IS NOT OLD.{applied})"
    applies_entry = (
        f"coalesce((SELECT NEW.{balance} = OLD.{balance} + entry.{amount} "
        f"AND (OLD.{applied} IS NULL OR entry.rowid > "
        f"(SELECT rowid FROM {ledger} WHERE {key} = OLD.{applied})) "
        f"FROM {ledger} AS entry WHERE entry.{key} = NEW.{applied} "
        f"AND entry.{owner} = NEW.{rule.account_key} "
        f"AND entry.{owner} = OLD.{rule.account_key}), 0)"
    )
    names = (f"trg_{rule.ident}", f"trg_{rule.ident}_open", f"trg_{rule.ident}_balance")
    return [
        (names[0], _trigger(names[0], "AFTER INSERT", ledger, None, move)),
        (
            names[1],
            # An account (re)opens holding exactly what its ledger says it holds, with
            # that ledger's newest row as the last applied one (rare: a full sum is fine).
            _trigger(
                names[1],
                "BEFORE INSERT",
                account,
                f"{_typed(account, balance)} AND "
                f"(NEW.{balance} <> {ledger_sum} OR NEW.{applied} IS NOT {newest})",
                _raise(rule.token()),
            ),
        ),
        (
            names[2],
            _trigger(
                names[2],
                f"BEFORE UPDATE OF {balance}, {applied}",
                account,
                f"{_typed(account, balance)} AND {moved} AND NOT {applies_entry}",
                _raise(rule.token()),
            ),
        ),
    ]


def _foreign_key(rule: ForeignKeyGuard) -> list[tuple[str, str]]:
    # AFTER triggers, as PostgreSQL checks references after the row's own CHECK and
    # NOT NULL constraints: a row with several faults reports the same one on both.
    pairs = list(zip(rule.columns, rule.parent_columns, strict=True))
    present = " AND ".join(f"NEW.{column} IS NOT NULL" for column in rule.columns)
    found = " AND ".join(f"p.{key} = NEW.{column}" for column, key in pairs)
    missing = f"{present} AND NOT EXISTS (SELECT 1 FROM {rule.parent_table} AS p WHERE {found})"
    referenced = " AND ".join(f"c.{column} = OLD.{key}" for column, key in pairs)
    used = f"EXISTS (SELECT 1 FROM {rule.table} AS c WHERE {referenced})"
    rekeyed = " OR ".join(f"NEW.{key} IS NOT OLD.{key}" for key in rule.parent_columns)
    out = [
        (f"trg_{rule.ident}_insert", "AFTER INSERT", rule.table, missing),
        (
            f"trg_{rule.ident}_update",
            f"AFTER UPDATE OF {', '.join(rule.columns)}",
            rule.table,
            missing,
        ),
    ]
    if rule.restrict:
        # BEFORE: SQLite applies an ON DELETE RESTRICT at once, not at the statement's end.
        out.append((f"trg_{rule.ident}_restrict", "BEFORE DELETE", rule.parent_table, used))
    if rule.restrict_update:
        timing = f"AFTER UPDATE OF {', '.join(rule.parent_columns)}"
        out.append(
            (f"trg_{rule.ident}_rekey", timing, rule.parent_table, f"({rekeyed}) AND {used}")
        )
    token = rule.token()
    return [
        (name, _trigger(name, timing, on, when, _raise(token))) for name, timing, on, when in out
    ]


_RENDERERS: dict[type[Rule], Callable[[Any], list[tuple[str, str]]]] = {
    TouchUpdatedAt: _touch,
    VersionBump: _version_bump,
    AppendOnly: _append_only,
    StateMachine: _state_machine,
    RowLimit: _row_limit,
    Ledger: _ledger,
    ForeignKeyGuard: _foreign_key,
}


def triggers(rule: Rule) -> list[tuple[str, str]]:
    """(trigger name, CREATE TRIGGER statement) for each trigger of the rule."""
    return _RENDERERS[type(rule)](rule)


@compiles(CreateRule, "sqlite")
def _create_rule(element: CreateRule, compiler: Any, **kw: Any) -> str:
    return STATEMENT_BREAK.join(sql for _, sql in triggers(element.rule))


@compiles(DropRule, "sqlite")
def _drop_rule(element: DropRule, compiler: Any, **kw: Any) -> str:
    return STATEMENT_BREAK.join(
        f"DROP TRIGGER IF EXISTS {name}" for name, _ in triggers(element.rule)
    )


# -- errors ---------------------------------------------------------------------------

SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_CONSTRAINT = 5, 6, 8, 19
SQLITE_CONSTRAINT_CHECK = 275
SQLITE_CONSTRAINT_FOREIGNKEY = 787
SQLITE_CONSTRAINT_NOTNULL = 1299
SQLITE_CONSTRAINT_PRIMARYKEY = 1555
SQLITE_CONSTRAINT_TRIGGER = 1811
SQLITE_CONSTRAINT_UNIQUE = 2067

# Codes a libSQL server (sqld, Turso) sends instead of a SQLite result code.
_CONFLICT_NAMES = frozenset({"TRANSACTION_TIMEOUT", "TRANSACTION_BUSY"})
_AUTH_NAME = "AUTH_FAILED"
_ARGS_INVALID = "ARGS_INVALID"  # the libSQL driver refused a parameter before sending it
# What a failure is named when no code came with it: only its message says what it was.
_NO_CODE_NAMES = frozenset({None, "UNKNOWN", "SQLITE_UNKNOWN"})

# SQLite's messages carry what its result codes do not: which constraint, which columns.
# A libSQL server may prefix them ("SQLite error: ..."), so they are searched, not matched.
_CHECK_NAME = re.compile(r"CHECK constraint failed: (\w+)")
_COLUMNS = re.compile(r"constraint failed: ((?:\w+\.\w+(?:, )?)+)")
_FOREIGN_KEY_MESSAGE = "FOREIGN KEY constraint failed"
_BUSY_MESSAGE = "database is locked"  # SQLITE_BUSY's message, for a peer sending no code
# sqld and Turso send only the primary code (SQLITE_CONSTRAINT): the extended code is
# then read from SQLite's own fixed message forms.
_CONSTRAINT_MESSAGES = (
    ("CHECK constraint failed: ", SQLITE_CONSTRAINT_CHECK),
    ("UNIQUE constraint failed: ", SQLITE_CONSTRAINT_UNIQUE),
    ("NOT NULL constraint failed: ", SQLITE_CONSTRAINT_NOTNULL),
    (_FOREIGN_KEY_MESSAGE, SQLITE_CONSTRAINT_FOREIGNKEY),
)


def _columns(message: str) -> tuple[str | None, list[str]]:
    found = _COLUMNS.search(message)
    if not found:
        return None, []
    pairs = [item.split(".", 1) for item in found.group(1).split(", ")]
    return pairs[0][0], [column for _, column in pairs]


def _extended_code(code: int | None, name: str | None, message: str) -> int | None:
    """The extended result code, completed from the message where the wire sent less.

    A full code is taken as it is. A bare SQLITE_CONSTRAINT (sqld, Turso), or no code
    at all (a peer that sends only a message), is completed from SQLite's own message
    forms: a rule token or any other RAISE text is a trigger's.
    """
    bare = code == SQLITE_CONSTRAINT
    if not bare and not (code in (None, 0) and name in _NO_CODE_NAMES):
        return code
    if TOKEN_PREFIX + ":" in message:
        return SQLITE_CONSTRAINT_TRIGGER
    for text, extended in _CONSTRAINT_MESSAGES:
        if text in message:
            return extended
    if bare:
        return SQLITE_CONSTRAINT_TRIGGER
    return SQLITE_BUSY if _BUSY_MESSAGE in message else code


def translate(exc: BaseException, statement: str | None = None) -> errors.DataSDKError | None:
    """A sqlite3-family DBAPI error as a datasdk error, chosen by result code.

    A type check (`ty_<table>_<column>`) names its column: the statement is not needed.

    Covers CPython's sqlite3 (aiosqlite, libSQL file: mode) and the libSQL driver's
    errors (datasdk.dialects.libsql_wire); anything else is not this backend's: None.
    """
    if not isinstance(exc, sqlite3.Error):
        return None
    message = str(exc)
    name = getattr(exc, "sqlite_errorname", None)
    code = _extended_code(getattr(exc, "sqlite_errorcode", None), name, message)
    primary = code & 0xFF if code is not None else None
    if code == SQLITE_CONSTRAINT_TRIGGER:
        # SQLite implements ON DELETE RESTRICT as an internal trigger, so that code also
        # carries its untokened "FOREIGN KEY constraint failed".
        if message.endswith(_FOREIGN_KEY_MESSAGE):
            return common.foreign_key(None, None)
        return error_from_token(message) or errors.RuleViolation(message, table=None)
    if code == SQLITE_CONSTRAINT_CHECK:
        found = _CHECK_NAME.search(message)
        return common.check(None, found.group(1) if found else None)
    if code in (SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY):
        table, columns = _columns(message)
        return common.unique(table, unique_constraint_name(table, columns) if table else None)
    if code == SQLITE_CONSTRAINT_NOTNULL:
        table, columns = _columns(message)
        return common.not_null(table, columns[0] if columns else None)
    if code == SQLITE_CONSTRAINT_FOREIGNKEY:
        # Only a write the reference guards do not cover reaches SQLite's own check,
        # which names neither table nor constraint.
        return common.foreign_key(None, None)
    if code == SQLITE_READONLY:
        # Plain READONLY is what query_only answers; READONLY_* (file permissions, a
        # moved database) are the database's trouble, not the unit's.
        return errors.ReadOnlyTransactionError("a read-only unit of work cannot write")
    if primary in (SQLITE_BUSY, SQLITE_LOCKED) or name in _CONFLICT_NAMES:
        return errors.TransactionConflict(
            "the database stayed locked by another writer past the busy timeout"
        )
    if name == _ARGS_INVALID:
        # The libSQL driver could not send a parameter (a lone surrogate, an integer
        # beyond 64 bits): refused before any SQL, as CPython's sqlite3 refuses it.
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, UnicodeEncodeError):
            return common.unencodable(cause)
        return errors.ValidationError(f"a parameter was refused before any SQL ran: {message}")
    if name == _AUTH_NAME:
        # The server's words name the refusal (expired, invalid), never the token.
        return errors.AuthenticationError(f"the libSQL server refused the credentials: {message}")
    return errors.BackendError(f"SQLite error {name or code}: {message}")


# -- connections ----------------------------------------------------------------------

BUSY_TIMEOUT_SECONDS = 5.0
READ_ONLY = "datasdk_read_only"
AUTOCOMMIT = "datasdk_autocommit"


_READY = "datasdk_ready"


def _apply_pragmas(dbapi_connection: Any, pragmas: list[str]) -> None:
    # Take over transaction control from the driver: BEGIN is ours to issue.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in pragmas:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _on_checkout_sqlite(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    # At checkout rather than connect: an application's engine may already pool
    # connections opened before the SDK prepared it.
    if not record.info.get(_READY):
        # aiosqlite runs each connection on its own thread, so SQLite's busy wait is safe.
        busy = f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}"
        _apply_pragmas(dbapi_connection, [busy, *_COMMON_PRAGMAS])
        record.info[_READY] = True


def _on_checkout_libsql(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    # The adapter waits out SQLITE_BUSY itself (see libsql_engine): no busy_timeout.
    if not record.info.get(_READY):
        _apply_pragmas(dbapi_connection, _COMMON_PRAGMAS)
        record.info[_READY] = True


_QUERY_ONLY = "datasdk_query_only"


def _on_begin(connection: Connection) -> None:
    # Sent on the driver connection, as PostgreSQL's BEGIN is: transaction control,
    # not one of the unit's statements.
    try:
        _begin(connection)
    except Exception as exc:
        # SQLAlchemy sends its "begin" event outside its own error handling: a dead
        # connection must be invalidated here, or the pool hands it out again.
        if is_disconnect(common.driver_exception(exc)):
            # As SQLAlchemy does on a disconnect: every connection the pool made
            # before now may be dead too, and is replaced when next checked out.
            connection.engine.pool._invalidate(connection.connection, exc, _checkin=False)
            connection.invalidate(exc)
        raise


def _begin(connection: Connection) -> None:
    options = connection.get_execution_options()
    info = connection.connection.info
    if options.get(AUTOCOMMIT):
        return
    if options.get(READ_ONLY):
        # Readers take no lock under WAL; query_only makes a write fail as on
        # PostgreSQL's READ ONLY transactions.
        _pragma(connection, "BEGIN")
        info[_QUERY_ONLY] = True
        _pragma(connection, "PRAGMA query_only = ON")
        return
    # Under WAL a deferred transaction that later writes fails with SQLITE_BUSY at
    # once, whatever the busy timeout: take the write lock up front.
    _pragma(connection, "BEGIN IMMEDIATE")


def _on_end(connection: Connection) -> None:
    if connection.get_execution_options().get(READ_ONLY):
        _pragma(connection, "PRAGMA query_only = OFF")
        connection.connection.info.pop(_QUERY_ONLY, None)


def _on_reset(dbapi_connection: Any, record: Any, state: Any) -> None:
    # Whatever left query_only on (a read-only unit cancelled on its way in), no
    # connection goes back into the pool with it: units and the statements sent
    # straight to the driver (datasdk.direct) both take their connections from there.
    if record.info.pop(_QUERY_ONLY, None) and state.asyncio_safe and not state.terminate_only:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA query_only = OFF")
        finally:
            cursor.close()


def _prepare_family(engine: AsyncEngine, on_checkout: Callable[[Any, Any, Any], None]) -> None:
    """Per-connection set-up that correctness depends on, for aiosqlite and libSQL alike.

    It applies to every connection of the engine, the application's own included: with
    the driver's transaction control off, BEGIN must come from here. Idempotent.
    """
    target = engine.sync_engine
    if event.contains(target, "begin", _on_begin):
        return
    event.listen(target, "checkout", on_checkout)
    event.listen(target, "reset", _on_reset)
    event.listen(target, "begin", _on_begin)
    event.listen(target, "commit", _on_end)
    event.listen(target, "rollback", _on_end)


def prepare_sqlite(engine: AsyncEngine) -> AsyncEngine:
    _prepare_family(engine, _on_checkout_sqlite)
    return engine


def prepare_libsql(engine: AsyncEngine) -> AsyncEngine:
    _prepare_family(engine, _on_checkout_libsql)
    return engine


_COMMON_PRAGMAS = [
    "PRAGMA foreign_keys = ON",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
]


def sqlite_engine(config: DatabaseConfig, **options: Any) -> AsyncEngine:
    if config.url.endswith(":memory:") or config.url.endswith(":///"):
        # One shared connection (StaticPool): there is no pool to size.
        options.pop("pool_size", None)
        options.pop("max_overflow", None)
    return create_async_engine(
        config.sqlalchemy_url,
        connect_args={"timeout": BUSY_TIMEOUT_SECONDS},
        hide_parameters=True,
        module=OneHopDBAPI(),  # one thread hop per statement
        **options,
    )


def libsql_engine(config: DatabaseConfig, **options: Any) -> AsyncEngine:
    import datasdk.dialects.libsql  # noqa: F401  (registers sqlite+libsql)

    return create_async_engine(
        config.sqlalchemy_url,
        # The adapter waits out SQLITE_BUSY itself, off the event loop's critical path:
        # libsql-client runs sqlite3 on the loop thread, where a busy wait would freeze it.
        connect_args={
            "url": config.libsql_url,
            "auth_token": config.auth_token,
            "busy_timeout": BUSY_TIMEOUT_SECONDS,
        },
        hide_parameters=True,
        **options,
    )


def overwrite_statements(table: str, key: str) -> list[str]:
    """Raw statements, beyond UPDATE/DELETE/ON CONFLICT, that could replace or remove
    the row whose `key` equals the bound parameter `:key`."""
    source = f"SELECT * FROM {table} WHERE {key} = :key"
    return [
        f"INSERT OR REPLACE INTO {table} {source}",
        f"REPLACE INTO {table} {source}",
        f"INSERT OR IGNORE INTO {table} {source}",
    ]


def destructive_statements(table: str) -> list[str]:
    """Raw statements that empty a table wholesale."""
    # SQLite's truncate optimisation skips per-row work, but never on a table with triggers.
    return [f"DELETE FROM {table}"]


def rule_bypass_settings() -> list[str]:
    """Per-connection settings a client might hope switch the rules off."""
    return ["PRAGMA recursive_triggers = ON", "PRAGMA foreign_keys = OFF"]


def _pragma(connection: Connection, statement: str) -> None:
    # On the driver connection, outside SQLAlchemy's transaction bookkeeping: some
    # pragmas (foreign_keys) only change while no transaction is open.
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


@contextmanager
def migration_session(connection: Connection) -> Iterator[None]:
    """Foreign keys off while migrations run, as SQLite's table-rebuild procedure asks:
    with them on, dropping a rebuilt table would cascade into its children."""
    _pragma(connection, "PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        _pragma(connection, "PRAGMA foreign_keys = ON")


def verify_migration(connection: Connection) -> None:
    """Before the migration commits: no row may point at a missing parent."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise errors.MigrationError(
            f"the migration left rows with missing parents in {', '.join(tables)}"
        )


_CHECK_ITEM = re.compile(r"^(?:CONSTRAINT\s+\S+\s+)?CHECK\b", re.I)


def _items(body: str) -> list[str]:
    """The column and constraint definitions of a CREATE TABLE body."""
    items, depth, quote, current = [], 0, "", ""
    for char in body:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "," and depth == 0:
            items.append(current.strip())
            current = ""
            continue
        current += char
    items.append(current.strip())
    return items


def _with_checks(create: str, drop: Sequence[str], add: Sequence[tuple[str, str]]) -> str:
    """`create` (a CREATE TABLE statement) without the CHECKs named in `drop` and with
    those of `add`, which come before its other CHECKs: SQLite evaluates them in order."""
    start, end = create.index("("), create.rindex(")")
    dropped = {name.lower() for name in drop}
    items, found = [], set()
    for item in _items(create[start + 1 : end]):
        name = item.split()[1].strip('"`[]').lower() if len(item.split()) > 1 else ""
        if item.upper().startswith("CONSTRAINT ") and name in dropped:
            found.add(name)
        else:
            items.append(item)
    if found != dropped:
        missing = ", ".join(sorted(dropped - found))
        raise errors.MigrationError(f"no constraint {missing} to drop in: {create[:start]}")
    at = next((i for i, item in enumerate(items) if _CHECK_ITEM.match(item)), len(items))
    items[at:at] = [f"CONSTRAINT {name} CHECK ({sql})" for name, sql in add]
    # One definition per line, as SQLAlchemy writes them: its reflection of CHECKs needs that.
    return create[: start + 1] + "\n\t" + ", \n\t".join(items) + "\n)"


def replace_checks(
    connection: Connection,
    changes: Mapping[str, tuple[Sequence[str], Sequence[tuple[str, str]]]],
    triggers: Mapping[str, str] | None = None,
) -> None:
    """Drop and add named CHECKs: {table: (names to drop, (name, expression) to add)}.

    SQLite cannot alter a table's CHECKs, so each table is rebuilt (copied out, created
    again from its own stored definition, changed, copied back). Its indexes and every
    trigger of the database are kept as stored, and created again in their original
    order (the order triggers fire in), but for those named in `triggers`, which are
    created from the SQL given there. Run with foreign keys off (`migration_session`).
    """
    replaced = dict(triggers or {})
    stored = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY rowid"
    ).fetchall()
    missing = replaced.keys() - {str(name) for name, _ in stored}
    if missing:
        raise errors.MigrationError(f"no trigger {', '.join(sorted(missing))} to replace")
    for name, _ in stored:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    for table, (drop, add) in changes.items():
        (create,) = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).one()
        indexes = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL ORDER BY rowid",
            (table,),
        ).fetchall()
        columns = ", ".join(
            f'"{row[1]}"' for row in connection.exec_driver_sql(f'PRAGMA table_info("{table}")')
        )
        copy = f"datasdk_rebuild_{table}"
        connection.exec_driver_sql(f'CREATE TEMP TABLE "{copy}" AS SELECT * FROM "{table}"')
        connection.exec_driver_sql(f'DROP TABLE "{table}"')
        connection.exec_driver_sql(_with_checks(str(create), drop, add))
        connection.exec_driver_sql(
            f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM temp."{copy}"'
        )
        connection.exec_driver_sql(f'DROP TABLE temp."{copy}"')
        for (sql,) in indexes:
            connection.exec_driver_sql(str(sql))
    for name, sql in stored:
        connection.exec_driver_sql(replaced.get(str(name), str(sql)))


def catalog(connection: Connection) -> Catalog:
    """The triggers SQLite holds (it has no trigger functions and no types)."""
    rows = connection.exec_driver_sql(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
    ).fetchall()
    return Catalog(
        triggers={str(name): TriggerInfo(str(table), str(sql), True) for name, table, sql in rows}
    )


def live_objects(connection: Connection, names: set[str]) -> list[tuple[str, str, list[str]]]:
    """(name, drop statement, statements that recreate it) for live triggers, as the
    database holds them: what an autogenerated revision needs to undo its change."""
    rows = connection.exec_driver_sql(
        # Creation order: SQLite fires the triggers of one event in it, so a rebuild
        # that recreates them must keep it.
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY rowid"
    ).fetchall()
    return [
        (str(name), f"DROP TRIGGER IF EXISTS {name}", [str(sql)])
        for name, sql in rows
        if name in names
    ]


def raw_param(value: Any) -> Any:
    """A raw-SQL parameter in the form the logical schema stores on SQLite/libSQL."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return UTCDateTime().process_bind_param(value, _DIALECT)
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    return value


_DIALECT = SQLiteDialect()


@contextmanager
def scratch_space(connection: Connection) -> Iterator[tuple[Connection, str | None]]:
    """An empty in-memory database of the same dialect, to create a reference schema in."""
    engine = create_engine("sqlite://")
    try:
        with engine.begin() as scratch:
            yield scratch, None
    finally:
        engine.dispose()


READ_ONLY_OPTIONS = {READ_ONLY: True}
# The driver connection never begins by itself (isolation_level None): with no BEGIN of
# ours, each statement is its own transaction, taking the write lock only if it writes.
AUTOCOMMIT_OPTIONS = {AUTOCOMMIT: True}


async def direct_fetch(
    connection: PoolProxiedConnection, sql: str, args: Sequence[Any]
) -> Sequence[Sequence[Any]]:
    """One statement on the pooled connection with no BEGIN (the driver never begins
    by itself): it commits by itself. Both adapters (aiosqlite's, libSQL's) run it in
    one call to their driver."""
    adapter: Any = connection.dbapi_connection
    rows: Sequence[Sequence[Any]] = await adapter.fetch_rows(sql, args)
    return rows


def direct_reusable(exc: Exception) -> bool:
    """Whether the connection is as good as before after `exc`: SQLite refused the
    statement (a constraint, a rule, a busy database), the connection did not fail."""
    return (
        isinstance(exc, sqlite3.Error)
        and not isinstance(exc, sqlite3.ProgrammingError | sqlite3.InterfaceError)
        and not is_disconnect(exc)
    )


def is_disconnect(exc: BaseException) -> bool:
    """Whether `exc` means the connection is gone or could not be made: the one rule
    both executors use. A local file has no connection to lose (a locked database is
    a conflict, not a disconnect) except one closed under the SDK; libSQL's remote
    transport (a closed stream, a dropped socket) does."""
    if isinstance(exc, OSError):
        return True
    # pysqlite's refusal of a closed connection has no code, only these words (the
    # same test as SQLAlchemy's sqlite dialect).
    if isinstance(exc, sqlite3.ProgrammingError) and "closed database" in str(exc):
        return True
    return libsql_wire.is_disconnect(exc)


def is_closed(dbapi_connection: Any) -> bool:
    """Whether the driver already knows the connection is gone: a flag, no I/O."""
    return bool(getattr(getattr(dbapi_connection, "_connection", None), "closed", False))


# -- query plans ------------------------------------------------------------------------

PLAN_SETTINGS: tuple[str, ...] = ()
# EXPLAIN QUERY PLAN reports plan steps only as text, e.g.
# "SEARCH scan_jobs USING INDEX idx_scan_jobs_claim (state=?)".
_PLAN_INDEX = re.compile(r"USING (?:COVERING )?INDEX (\S+)")


@compiles(Explain, "sqlite")
def _explain(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return render_explain("EXPLAIN QUERY PLAN ", element, compiler, **kw)


def plan_indexes(rows: list[dict[str, Any]]) -> set[str]:
    found = set()
    for row in rows:
        match = _PLAN_INDEX.search(str(row.get("detail", "")))
        if match:
            found.add(match.group(1))
    return found
