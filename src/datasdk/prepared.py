"""Prepared statements: a hot statement compiled once per dialect, then only bound.

A repository's hot statements (`Prepared(select(...))`) run through SQLAlchemy inside a
unit of work, like any other. Outside one, where each statement commits by itself,
`Database` sends them straight to the pooled driver connection (datasdk.direct): the
SQL, the order of its parameters and the type conversions both ways were worked out
here, once, by SQLAlchemy's own compiler, so the values sent and the values read back
are the ones SQLAlchemy would have sent and read back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class Plan:
    """One statement as one dialect runs it: positional SQL and the conversions."""

    sql: str
    # Per positional parameter: the caller's parameter name, or None for a value fixed
    # in the statement (a literal the construct holds, in `fixed`).
    names: tuple[str | None, ...]
    fixed: tuple[Any, ...]
    binds: tuple[Processor, ...]
    keys: tuple[str, ...]
    results: tuple[tuple[int, Callable[[Any], Any]], ...]

    def args(self, params: Mapping[str, Any] | None) -> list[Any]:
        """The driver's positional parameters for `params`, converted as SQLAlchemy would."""
        values = params or {}
        out = []
        for name, fixed, bind in zip(self.names, self.fixed, self.binds, strict=True):
            value = fixed if name is None else values[name]
            out.append(value if bind is None else bind(value))
        return out

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        """The driver's rows as SQLAlchemy would hand them back: keyed, converted."""
        keys, results = self.keys, self.results
        rows = []
        for record in raw:
            row = dict(zip(keys, record, strict=True))
            for index, convert in results:
                key = keys[index]
                row[key] = convert(row[key])
            rows.append(row)
        return rows


class Prepared:
    """A row-returning statement the hot path binds without rebuilding or recompiling.

    Its parameters are scalar bind parameters the caller names; lists (`IN`) and
    other values are fixed when it is built. Each engine compiles it once, with its
    own dialect (`compile_plan`), as that engine's settings (JSON deserializer,
    server version) shape the plan.

    `read=True` declares that it changes nothing (a plain SELECT): outside a unit of
    work, a read that loses its connection is sent again on a fresh one, which a
    write, that may have been applied, never is.
    """

    __slots__ = ("read", "statement")

    def __init__(self, statement: Executable, *, read: bool = False) -> None:
        if read and not isinstance(statement, Select):
            raise TypeError("only a SELECT is a read")
        self.statement = statement
        self.read = read

    def __repr__(self) -> str:
        return f"<Prepared {self.statement!r}>"


def compile_plan(statement: Prepared, dialect: Dialect) -> Plan:
    compiled = cast(ClauseElement, statement.statement).compile(dialect=dialect)
    if not isinstance(compiled, SQLCompiler) or not compiled._result_columns:
        raise TypeError("a prepared statement returns rows (a SELECT or ... RETURNING)")
    required = {name for name, bind in compiled.binds.items() if bind.required}
    # Lists (`IN`) are expanded now, with the values the construct holds: only the
    # caller's scalar parameters are left to bind.
    expanded = compiled.construct_expanded_state(dict.fromkeys(required), escape_names=False)
    if expanded.positiontup is None:
        raise TypeError("a prepared statement needs positional parameters")
    # The statement's own processors, and those of the items lists were expanded into.
    processors = {**compiled._bind_processors, **expanded.processors}
    names, fixed, binds = [], [], []
    for name in expanded.positiontup:
        names.append(name if name in required else None)
        fixed.append(None if name in required else expanded.parameters[name])
        processor = processors.get(name)
        binds.append(processor if callable(processor) else None)
    keys = tuple(column.keyname for column in compiled._result_columns)
    results = tuple(
        (index, convert)
        for index, column in enumerate(compiled._result_columns)
        if (convert := column.type._cached_result_processor(dialect, None)) is not None
    )
    return Plan(
        sql=expanded.statement,
        names=tuple(names),
        fixed=tuple(fixed),
        binds=tuple(binds),
        keys=keys,
        results=results,
    )
