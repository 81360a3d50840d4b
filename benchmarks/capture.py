"""The statements the SDK sends for one call, read off SQLAlchemy's cursor events."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event

from benchmarks.ops import Op, Statement, Target

# Transaction framing: the raw connections issue their own (benchmarks.raw).
_FRAMING = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|PRAGMA)\b", re.IGNORECASE)


async def capture(target: Target, op: Op) -> list[Statement]:
    """Run `op` once through the SDK and return the statements of its unit of work."""
    args = (await op.prepare(target, 1))[0]
    seen: list[Statement] = []

    def listen(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        if not _FRAMING.match(statement):
            seen.append(Statement(statement, tuple(params or ()), args))

    engine = target.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        await op.sdk(target.db, args)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    if len(seen) != op.statements:
        sent = "\n".join(s.sql for s in seen)
        raise RuntimeError(
            f"{op.name}: the SDK sent {len(seen)} statements, the raw replay expects"
            f" {op.statements}; update benchmarks/ops.py:\n{sent}"
        )
    return seen
