"""libSQL on a local file through libsql-client (pip install 'datasdk[libsql]').

python examples/libsql_local.py [path.db]
"""

from __future__ import annotations

import asyncio
import sys

import datasdk


async def main(path: str) -> None:
    async with datasdk.connect(f"file:{path}") as db:
        await db.migrate()
        user = await db.users.create(datasdk.NewUser())
        domain = await db.domains.add(
            user.id, datasdk.NewDomain(url="https://example.com", display_name="Example")
        )
        scan = await db.scans.start(domain.id)
        await db.scans.mark_running(scan.id)
        await db.scans.complete(
            scan.id,
            datasdk.ScanOutcome(
                total_score=82,
                grade="B",
                modules=[
                    datasdk.NewScanModule(module="ssl_tls", status="ok", score=95),
                    datasdk.NewScanModule(module="security_headers", status="warn", score=64),
                ],
            ),
        )
        board = await db.domains.dashboard(user.id)
        print(f"backend:   {db.backend.value}")
        print(f"dashboard: {board.total_domains} domain(s), average {board.avg_score}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "datasdk-libsql.db"))
