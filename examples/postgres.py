"""PostgreSQL 15 through asyncpg (pip install 'datasdk[postgres]').

export DATASDK_DATABASE_URL=postgresql://user:password@localhost/app
python examples/postgres.py
"""

from __future__ import annotations

import asyncio
import os
import sys

import datasdk


async def main() -> None:
    url = os.environ.get("DATASDK_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql")):
        sys.exit("set DATASDK_DATABASE_URL to a postgresql:// URL")
    async with datasdk.connect(url) as db:
        await db.migrate()
        user = await db.users.create(datasdk.NewUser())
        await db.wallets.open(user.id)
        await db.wallets.credit(user.id, 3, kind="grant", idempotency_key=f"welcome:{user.id}")
        for n in range(4):
            try:
                await db.wallets.debit(user.id, 1, idempotency_key=f"scan-{n}:{user.id}")
            except datasdk.InsufficientCredits as exc:
                print(f"debit {n}: refused, balance {exc.balance}")
        history = await db.wallets.history(user.id)
        print(f"backend: {db.backend.value}; ledger: {[t.amount for t in history.items]}")


if __name__ == "__main__":
    asyncio.run(main())
