"""users: accounts."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from datasdk.ids import new_id
from datasdk.models import NewUser, User
from datasdk.repositories._sql import fetch_one
from datasdk.repositories._unit import Units
from datasdk.schema.tables import users


class SqlUsers:
    def __init__(self, units: Units) -> None:
        self._units = units

    async def create(self, user: NewUser) -> User:
        values = user.model_dump(exclude_none=True)
        values.setdefault("id", str(new_id()))
        async with self._units.write() as tx:
            statement = insert(users).values(values).returning(*users.c)
            return await fetch_one(tx, statement, User, "the new user")

    async def get(self, user_id: str) -> User:
        async with self._units.read() as tx:
            statement = select(users).where(users.c.id == user_id)
            return await fetch_one(tx, statement, User, f"user {user_id!r}")

    async def get_by_email(self, email: str) -> User:
        # The same normalisation as on the way in: stored emails are ASCII lower-case.
        wanted = NewUser(email=email).email
        async with self._units.read() as tx:
            statement = select(users).where(users.c.email == wanted)
            return await fetch_one(tx, statement, User, "a user with this email")

    async def delete(self, user_id: str) -> None:
        """Delete an account: its wallet and ledger, domains, scans and reports go with it;
        its scan jobs, their results and the audit trail stay, with no user."""
        async with self._units.write() as tx:
            await fetch_one(
                tx,
                select(users).where(users.c.id == user_id).with_for_update(),
                User,
                f"user {user_id!r}",
            )
            await tx.execute(delete(users).where(users.c.id == user_id))
