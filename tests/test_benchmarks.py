"""The benchmarks' raw replay still matches what the SDK sends (a few seconds, SQLite).

benchmarks/ops.py replays each hot operation's captured statements through the raw
drivers; when a repository changes what it sends, this fails before a benchmark run
would.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import seed
from benchmarks.capture import capture
from benchmarks.ops import OPS, Op, Target
from benchmarks.raw import AiosqliteConnection

import datasdk

DATASET = seed.Dataset(rows=50, users=5)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "loaded.db"

    async def prepare() -> object:
        async with datasdk.connect(f"sqlite+aiosqlite:///{path}") as db:
            return await seed.prepare(db)

    seed.load_sqlite(str(path), asyncio.run(prepare()), DATASET)
    return path


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
async def test_raw_replay_runs_the_sdk_statements(loaded: Path, tmp_path: Path, op: Op) -> None:
    path = tmp_path / "bench.db"
    shutil.copyfile(loaded, path)
    dataset = DATASET
    async with datasdk.connect(f"sqlite+aiosqlite:///{path}") as db:
        target = Target(db, dataset)
        await target.setup()
        statements = await capture(target, op)
        raw = await AiosqliteConnection.open(str(path))
        try:
            for args in await op.prepare(target, 2):
                await op.raw(raw, statements, args)
        finally:
            await raw.close()
