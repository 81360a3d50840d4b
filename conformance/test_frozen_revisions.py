"""Frozen revisions: what each revision leaves behind never changes once released.

A snapshot of the migrated schema is kept per revision and per SQL dialect
(`snapshots/<dialect>/<revision>.json`). A change to an old revision's result fails
here; a new revision gets its snapshot with DATASDK_WRITE_SNAPSHOTS=1.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import datasdk
from datasdk import migrate
from datasdk.inspection import reflect

SNAPSHOTS = Path(__file__).parent / "snapshots"
REVISIONS = migrate.revisions()


def _plain(value: Any) -> Any:
    """JSON's view of a reflected shape: tuples as lists, sets sorted."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def _snapshot(db: datasdk.Database) -> dict[str, Any]:
    async with db.connection() as connection:
        shape = await connection.run_sync(reflect, db.profile)
    snapshot: dict[str, Any] = _plain(dataclasses.asdict(shape))
    return snapshot


async def test_every_revision_leaves_the_schema_it_always_left(
    open_database: Any,
) -> None:
    db: datasdk.Database = await open_database()
    family = db.engine.dialect.name  # libSQL shares SQLite's snapshots: the same SQL
    changed: list[str] = []
    for revision in REVISIONS:
        await db.migrate(revision)
        found = await _snapshot(db)
        path = SNAPSHOTS / family / f"{revision}.json"
        if os.environ.get("DATASDK_WRITE_SNAPSHOTS") == "1" and not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
        assert path.exists(), f"no snapshot for {revision}: run with DATASDK_WRITE_SNAPSHOTS=1"
        if json.loads(path.read_text()) != found:
            changed.append(revision)
    assert changed == [], f"released revisions now migrate differently: {changed}"
