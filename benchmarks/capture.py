"""The statements the SDK sends for one call, read off its statement listener."""

from __future__ import annotations

import re
from typing import Any

from benchmarks.ops import Op, Statement, Target

# Transaction framing: the raw connections issue their own (benchmarks.raw).
_FRAMING = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|PRAGMA)\b", re.IGNORECASE)


async def capture(target: Target, op: Op) -> list[Statement]:
    """Run `op` once through the SDK and return the statements of its unit of work."""
    args = (await op.prepare(target, 1))[0]
    seen: list[Statement] = []

    def listen(statement: str, params: Any) -> None:
        if not _FRAMING.match(statement):
            seen.append(Statement(statement, tuple(params or ()), args))

    target.db.add_statement_listener(listen)
    try:
        await op.sdk(target.db, args)
    finally:
        target.db.remove_statement_listener(listen)
    if len(seen) != op.statements:
        sent = "\n".join(s.sql for s in seen)
        raise RuntimeError(
            f"{op.name}: the SDK sent {len(seen)} statements, the raw replay expects"
            f" {op.statements}; update benchmarks/ops.py:\n{sent}"
        )
    return seen
