"""Quickstart on the embedded default: a SQLite file in the working directory.

    python examples/quickstart.py

Set DATASDK_DATABASE_URL to run the same code on libSQL or PostgreSQL.
"""

from __future__ import annotations

import asyncio
import uuid

import datasdk


async def main() -> None:
    async with datasdk.connect() as db:  # DATASDK_DATABASE_URL, else ./datasdk.db
        await db.migrate()
        user = await db.users.create(
            datasdk.NewUser(id=f"user_{uuid.uuid4().hex[:8]}", email=None, name="Quickstart")
        )
        await db.wallets.open(user.id)
        await db.wallets.credit(user.id, 100, kind="purchase", idempotency_key=f"buy:{user.id}")
        job = await db.scan_jobs.enqueue(user.id, "https://example.com/")

        async with db.transaction() as tx:  # one atomic unit across repositories
            await tx.wallets.debit(user.id, 1, scan_job_id=job.id, idempotency_key=f"scan:{job.id}")
            claimed = await tx.scan_jobs.claim_next()

        wallet = await db.wallets.get(user.id)
        print(f"backend:  {db.backend.value}")
        print(f"claimed:  {claimed.url if claimed else None} ({claimed.state if claimed else '-'})")
        print(f"balance:  {wallet.credit_balance}")

        try:
            await db.scan_jobs.enqueue(user.id, "http://169.254.169.254/latest/meta-data/")
        except datasdk.UnsafeURLError as refused:
            print(f"refused:  {refused}")


if __name__ == "__main__":
    asyncio.run(main())
