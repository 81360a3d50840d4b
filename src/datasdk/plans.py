"""Which indexes a statement's plan reads: for tests and benchmarks that prove index use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

if TYPE_CHECKING:
    from datasdk.database import Database


class Explain(Executable, ClauseElement):
    """`statement`'s query plan, in each backend's EXPLAIN form (compiled in `dialects`)."""

    inherit_cache = False  # wraps an arbitrary statement; never cached

    def __init__(self, statement: Executable) -> None:
        self.statement = statement


def render_explain(prefix: str, element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    """`prefix` + the wrapped statement, whose result columns are not EXPLAIN's."""
    sql = prefix + compiler.process(element.statement, **kw)  # type: ignore[arg-type]
    # The rows are the plan: keep the wrapped statement's column types (a UUID `id`,
    # say) off EXPLAIN's own columns of the same names.
    compiler._result_columns.clear()
    return sql


async def indexes_used(db: Database, statement: Executable) -> set[str]:
    """The names of the indexes the backend's plan for `statement` reads.

    Planners cost a scan of a near-empty table below any index; the profile's
    plan settings ask for the plan the index makes possible (PostgreSQL:
    enable_seqscan off), so the answer says whether an index can serve the query.
    """
    async with db.transaction(read_only=True) as tx:
        for setting in db.profile.plan_settings:
            await tx.execute(setting)
        rows: list[dict[str, Any]] = (await tx.execute(Explain(statement))).rows
    return db.profile.plan_indexes(rows)
