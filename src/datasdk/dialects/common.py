"""What every dialect's error translator shares: the rule tokens and the schema's names."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

from sqlalchemy import CheckConstraint, MetaData, PrimaryKeyConstraint, Table, UniqueConstraint
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from datasdk import errors
from datasdk.schema import RULES, metadata
from datasdk.schema.rules import TOKEN_PREFIX, Rule

# A rule's class follows its kind; the token names the rule, so rules are looked up.
_KIND_CLASSES: dict[str, type[errors.RuleViolation]] = {
    "append_only": errors.AppendOnlyViolation,
    "row_limit": errors.RowLimitExceeded,
    "state_machine": errors.InvalidStateTransition,
}
# Where the datasdk classes are narrower than the kind: the SDK's own domain limit.
_NAME_CLASSES: dict[str, type[errors.RuleViolation]] = {
    "domain_limit": errors.DomainLimitExceeded,
}

# The schemas whose names errors are reported with: the SDK's, and each application
# schema given rules with `datasdk.application.attach` (table names never repeat).
_SCHEMAS: list[MetaData] = [metadata]
_RULE_KINDS: dict[tuple[str, str], str] = {(rule.name, rule.table): rule.kind for rule in RULES}


def register(schema: MetaData, rules: Sequence[Rule]) -> None:
    """Name an application schema's constraints and rules in errors, like the SDK's own."""
    if schema not in _SCHEMAS:
        _SCHEMAS.append(schema)
    _RULE_KINDS.update({(rule.name, rule.table): rule.kind for rule in rules})
    _unique_keys.cache_clear()
    _check_tables.cache_clear()


# A dialect's translator: the driver's exception, and the statement that failed where
# known (PostgreSQL finds a refused parameter's column in it).
Translate = Callable[[BaseException, str | None], errors.DataSDKError | None]


def driver_exception(exc: BaseException) -> BaseException:
    """The driver's own exception: SQLAlchemy wraps it in a DBAPIError (`.orig`)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return exc.orig
    return exc


def translate(
    exc: BaseException, backend: Translate, statement: str | None = None
) -> errors.DataSDKError | None:
    """The one way an exception from below becomes a datasdk error.

    `backend` is the dialect's translator: it knows its driver's exceptions and codes
    and returns None for anything else. What no dialect claims is judged by kind: a
    value refused while binding, or SQLAlchemy / the network failing. Anything else
    (the caller's own exception, a bug) is not translated: None.
    """
    if isinstance(exc, errors.DataSDKError):
        return exc
    original = driver_exception(exc)
    if statement is None and isinstance(exc, DBAPIError):
        statement = exc.statement
    found = backend(original, statement)
    if found is not None:
        return found
    if isinstance(original, UnicodeEncodeError):
        return unencodable(original)
    # OverflowError: an integer beyond 64 bits, which SQLite's driver cannot bind.
    if isinstance(original, ValueError | TypeError | OverflowError):
        return errors.ValidationError(f"a parameter was refused before any SQL ran: {original}")
    if isinstance(exc, SQLAlchemyError) or isinstance(original, OSError | TimeoutError):
        # The class says what went wrong (refused, timed out, ...); the text may quote
        # statements or parameters, so it stays in the chained cause.
        return errors.BackendError(f"database unavailable or failed: {type(original).__name__}")
    return None


# One message per failure, built here, so that every backend says the same words.


def unique(table: str | None, constraint: str | None) -> errors.UniqueViolation:
    return errors.UniqueViolation(
        f"{table} already has a row with this {constraint} key", table=table, constraint=constraint
    )


def check(table: str | None, constraint: str | None) -> errors.CheckViolation | errors.InvalidValue:
    typed = type_check_column(constraint) if constraint else None
    if typed is not None:
        return invalid_value(*typed)
    return errors.CheckViolation(
        f"check constraint {constraint} refused the write",
        table=table or (table_of_check(constraint) if constraint else None),
        constraint=constraint,
    )


def unencodable(exc: UnicodeEncodeError) -> errors.ValidationError:
    """A string no backend can store as UTF-8 (a lone surrogate), refused unsent."""
    return errors.ValidationError(
        f"a parameter was refused before any SQL ran: a string holds {exc.object[exc.start]!r},"
        " a lone surrogate, which no backend stores"
    )


def invalid_value(table: str | None, column: str | None) -> errors.InvalidValue:
    where = f"{table}.{column}" if table and column else "a column"
    return errors.InvalidValue(
        f"{where} refused a value its type does not accept", table=table, column=column
    )


def foreign_key(table: str | None, constraint: str | None) -> errors.ForeignKeyViolation:
    return errors.ForeignKeyViolation(
        f"foreign key {constraint} refused the write on {table}", table=table, constraint=constraint
    )


def not_null(table: str | None, column: str | None) -> errors.NotNullViolation:
    return errors.NotNullViolation(f"{table}.{column} may not be NULL", table=table, column=column)


def error_from_token(message: str) -> errors.DataSDKError | None:
    """The error a rule's token (`datasdk:<rule>:<table>[:<constraint>]`) stands for."""
    token = message.strip()
    start = token.find(TOKEN_PREFIX + ":")
    if start < 0:
        return None
    parts = token[start:].split()[0].split(":")
    if len(parts) < 3:
        return None
    _, rule, table, *rest = parts
    constraint = rest[0] if rest else None
    if rule == "foreign_key":
        return foreign_key(table, constraint)
    if rule == "unique":
        return unique(table, constraint)
    kind = _RULE_KINDS.get((rule, table), "")
    cls = _NAME_CLASSES.get(rule) or _KIND_CLASSES.get(kind, errors.RuleViolation)
    return cls(f"rule {rule} refused the write on {table}", table=table, rule=rule)


def _tables() -> list[Table]:
    return [table for schema in _SCHEMAS for table in schema.tables.values()]


@cache
def _unique_keys() -> dict[tuple[str, frozenset[str]], str]:
    keys: dict[tuple[str, frozenset[str]], str] = {}
    for table in _tables():
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint):
                columns = frozenset(column.name for column in constraint.columns)
                keys[(table.name, columns)] = str(constraint.name)
        for index in table.indexes:
            if index.unique:
                columns = frozenset(column.name for column in index.columns)
                keys.setdefault((table.name, columns), str(index.name))
    return keys


def unique_constraint_name(table: str, columns: list[str]) -> str | None:
    """The name of the unique key of `table` over exactly these columns."""
    return _unique_keys().get((table, frozenset(columns)))


@cache
def _check_tables() -> dict[str, str]:
    return {
        str(constraint.name): table.name
        for table in _tables()
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint)
    }


def table_of_check(constraint: str) -> str | None:
    return _check_tables().get(constraint)


@cache
def _type_checks() -> dict[str, tuple[str, str]]:
    return {
        str(constraint.name): (table.name, str(constraint.info["column"]))
        for table in metadata.tables.values()
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint) and "column" in constraint.info
    }


def type_check_column(constraint: str) -> tuple[str, str] | None:
    """(table, column) of a type check (`ty_<table>_<column>`), from the schema."""
    return _type_checks().get(constraint)
