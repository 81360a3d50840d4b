"""libSQL on a server (sqld, Turso). The URL and token come from the environment:

    export DATASDK_DATABASE_URL=libsql://your-db.turso.io
    export DATASDK_AUTH_TOKEN=...
    python examples/libsql_remote.py

`https://` URLs are used over `wss://`: the HTTP mode has no interactive transactions.
"""

from __future__ import annotations

import asyncio
import os
import sys

import datasdk


async def main() -> None:
    if not os.environ.get("DATASDK_DATABASE_URL", "").startswith(("libsql:", "wss:", "https:")):
        sys.exit(
            "set DATASDK_DATABASE_URL to a libsql://, wss:// or https:// URL"
            " (and DATASDK_AUTH_TOKEN)"
        )
    async with datasdk.connect() as db:  # reads DATASDK_DATABASE_URL and DATASDK_AUTH_TOKEN
        await db.migrate()
        user = await db.users.create(datasdk.NewUser())
        job = await db.scan_jobs.enqueue(user.id, "https://example.com/")
        print(f"{db!r}: queued {job.url} as {job.id}")


if __name__ == "__main__":
    asyncio.run(main())
