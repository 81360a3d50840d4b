"""An application's own table beside the SDK's: its rule, its revision, one unit of work.

    python examples/app_tables.py      # DATASDK_DATABASE_URL, else ./datasdk.db

The table `app_activity` (examples/app_schema.py) carries the SDK's append-only rule.
Its revision (examples/app_migrations/versions/) sits on the application's own branch,
after the SDK's revisions; `db.migrate()` applies both. A debit and the activity row
that records it commit together, and the database refuses to rewrite the activity.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

from app_schema import activity, metadata
from sqlalchemy import update

import datasdk

VERSIONS = Path(__file__).resolve().parent / "app_migrations" / "versions"


async def main() -> None:
    async with datasdk.connect(metadata=metadata, migrations=VERSIONS) as db:
        await db.migrate()  # the SDK's revisions, then the application's branch
        print("schema drift:", await db.check() or "none")
        user = await db.users.create(datasdk.NewUser(id="user_app", email="app@example.com"))
        await db.wallets.open(user.id)
        await db.wallets.credit(user.id, 5, kind="purchase", idempotency_key="order-1")

        async with db.transaction() as tx:  # the SDK's calls and the application's, one unit
            await tx.wallets.debit(user.id, 2, idempotency_key="report-1")
            # The application's own SQLAlchemy Core, on the unit's connection.
            await tx.connection.execute(
                activity.insert().values(
                    id=uuid.uuid4(), user_id=user.id, event="report bought", at=datetime.now(UTC)
                )
            )
        rows = (await db.execute(activity.select())).rows
        print("activity:", [row["event"] for row in rows])

        try:
            await db.execute(update(activity).values(event="rewritten"))
        except datasdk.AppendOnlyViolation as exc:
            print("refused:", exc.table, exc.rule)
        print("balance:", (await db.wallets.get(user.id)).credit_balance)


if __name__ == "__main__":
    asyncio.run(main())
