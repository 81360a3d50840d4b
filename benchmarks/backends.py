"""Where each backend's benchmark databases live, and how they are built."""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasdk
from benchmarks import seed
from benchmarks.runner import progress

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))

from harness.postgres import postgres_server

BACKENDS = ("sqlite", "libsql", "postgres")


@dataclass(frozen=True)
class Location:
    sdk_url: str
    # The raw drivers' address: an asyncpg URL, or the database file.
    raw: str


class Backend:
    def __init__(self, name: str, workdir: Path, server: Any = None) -> None:
        self.name = name
        self.workdir = workdir
        self.server = server

    async def build(self, label: str, dataset: seed.Dataset) -> Location:
        progress(f"{self.name:8} loading {label}: {dataset.rows} jobs and ledger rows, "
                 f"{dataset.users} users x {seed.DOMAINS_PER_USER} domains")  # fmt: skip
        if self.server is not None:
            url = self.server.create_database(f"bench_{label}")
            async with datasdk.connect(url) as db:
                wallet = await seed.prepare(db)
            await seed.load_postgres(url, wallet, dataset)
            return Location(url, url)
        path = self.workdir / f"{self.name}-{label}.db"
        shutil.copyfile(await _sqlite_master(self.workdir, dataset), path)
        scheme = "sqlite+aiosqlite:///" if self.name == "sqlite" else "file:"
        return Location(f"{scheme}{path}", str(path))


async def _sqlite_master(workdir: Path, dataset: seed.Dataset) -> Path:
    """One loaded file per dataset, copied for each SQLite-format backend (libSQL's
    `file:` databases are SQLite files)."""
    path = workdir / f"master-{dataset.rows}-{dataset.users}.db"
    if not path.exists():
        building = path.with_suffix(".building")
        async with datasdk.connect(f"sqlite+aiosqlite:///{building}") as db:
            wallet = await seed.prepare(db)
        seed.load_sqlite(str(building), wallet, dataset)
        building.rename(path)
    return path


@contextlib.contextmanager
def backend(name: str, workdir: Path) -> Iterator[Backend]:
    if name != "postgres":
        yield Backend(name, workdir)
        return
    with postgres_server() as server:
        yield Backend(name, workdir, server)


async def postgres_settings(url: str) -> dict[str, str]:
    """The server's version and the settings that decide what a commit costs."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        names = ("server_version", "fsync", "synchronous_commit", "full_page_writes")
        return {name: str(await conn.fetchval(f"SHOW {name}")) for name in names}
    finally:
        await conn.close()
