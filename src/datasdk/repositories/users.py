"""users: accounts."""

from __future__ import annotations

from sqlalchemy import delete, select

from datasdk.errors import NotFoundError
from datasdk.ids import new_id
from datasdk.models import NewUser, User
from datasdk.repositories._sql import fetch_one, insert_one, require_user
from datasdk.repositories._unit import Units
from datasdk.schema.tables import users
from datasdk.validation import arguments as check


class SqlUsers:
    def __init__(self, units: Units) -> None:
        self._units = units

    async def create(self, user: NewUser) -> User:
        check.instance(user, NewUser, "user")
        values = user.model_dump(exclude_none=True)
        values.setdefault("id", str(new_id()))
        async with self._units.write() as tx:
            return await insert_one(tx, users, User, **values)

    async def get(self, user_id: str) -> User:
        user_id = check.user_id(user_id)
        async with self._units.read() as tx:
            return await require_user(tx, user_id)

    async def get_by_email(self, email: str) -> User:
        # The same normalisation as on the way in: stored emails are ASCII lower-case.
        wanted = NewUser(email=check.text(email, "email", max_length=255)).email
        async with self._units.read() as tx:
            statement = select(users).where(users.c.email == wanted)
            return await fetch_one(tx, statement, User, "a user with this email")

    async def delete(self, user_id: str) -> None:
        """Delete an account: its wallet and ledger, domains, scans and reports go with it;
        its scan jobs, their results and the audit trail stay, with no user."""
        user_id = check.user_id(user_id)
        async with self._units.write() as tx:
            deleted = await tx.execute(delete(users).where(users.c.id == user_id))
        if deleted.rowcount == 0:
            raise NotFoundError(f"user {user_id!r} does not exist", table="users")
