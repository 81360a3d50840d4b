"""One unit of work for the SDK and the application's own SQLAlchemy (Core and ORM),
and a Database over an engine the application made."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from api_support import new_user
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase

import datasdk
from datasdk import errors
from datasdk.schema.tables import error_logs, users


class Base(DeclarativeBase):
    pass


class AppUser(Base):
    """An application's own ORM mapping over a datasdk table."""

    __table__ = users


async def _user_count(db: datasdk.Database, user_id: str) -> int:
    statement = select(func.count()).select_from(users).where(users.c.id == user_id)
    return int(next(iter((await db.execute(statement)).rows[0].values())))


async def _logs_of(db: datasdk.Database, user_id: str) -> int:
    page = await db.error_logs.query(user_id=user_id)
    return len(page.items)


def _log(user_id: str) -> datasdk.NewErrorLog:
    return datasdk.NewErrorLog(type="scanner_error", severity="info", message="m", user_id=user_id)


class Boom(Exception):
    pass


async def test_core_statements_and_repositories_commit_together(
    database: datasdk.Database,
) -> None:
    async with database.transaction() as tx:
        await tx.connection.execute(insert(users).values(id="user_core", email="core@x.com"))
        # The repository sees the application's uncommitted row: one transaction.
        await tx.error_logs.log(_log("user_core"))
    assert await _user_count(database, "user_core") == 1
    assert await _logs_of(database, "user_core") == 1


async def test_core_statements_and_repositories_roll_back_together(
    database: datasdk.Database,
) -> None:
    with pytest.raises(Boom):
        async with database.transaction() as tx:
            await tx.connection.execute(insert(users).values(id="user_gone", email="g@x.com"))
            await tx.error_logs.log(_log("user_gone"))
            raise Boom
    assert await _user_count(database, "user_gone") == 0
    assert await _logs_of(database, "user_gone") == 0


async def test_orm_session_joins_the_unit(database: datasdk.Database) -> None:
    async with database.transaction() as tx:
        tx.orm_session.add(AppUser(id="user_orm", email="orm@x.com"))
        await tx.orm_session.flush()
        await tx.error_logs.log(_log("user_orm"))
        await tx.users.get("user_orm")
    loaded = await database.users.get("user_orm")
    assert loaded.email == "orm@x.com"
    assert await _logs_of(database, "user_orm") == 1


async def test_unflushed_orm_work_is_written_when_the_unit_commits(
    database: datasdk.Database,
) -> None:
    async with database.transaction() as tx:
        added = AppUser(id="user_pending", email="pending@x.com")
        tx.orm_session.add(added)
    assert (await database.users.get("user_pending")).email == "pending@x.com"
    # Still readable after the unit: nothing was expired by its commit.
    assert added.email == "pending@x.com"


async def test_orm_work_rolls_back_with_the_unit(database: datasdk.Database) -> None:
    with pytest.raises(Boom):
        async with database.transaction() as tx:
            tx.orm_session.add(AppUser(id="user_orm_gone", email="og@x.com"))
            # The session's commit only releases its savepoint: the unit decides.
            await tx.orm_session.commit()
            await tx.error_logs.log(_log("user_orm_gone"))
            raise Boom
    assert await _user_count(database, "user_orm_gone") == 0
    assert await _logs_of(database, "user_orm_gone") == 0


async def test_an_orm_rollback_undoes_only_the_sessions_work(database: datasdk.Database) -> None:
    async with database.transaction() as tx:
        await tx.connection.execute(insert(users).values(id="user_kept", email="k@x.com"))
        tx.orm_session.add(AppUser(id="user_undone", email="u@x.com"))
        await tx.orm_session.flush()
        await tx.orm_session.rollback()
        await tx.error_logs.log(_log("user_kept"))
    assert await _user_count(database, "user_kept") == 1
    assert await _user_count(database, "user_undone") == 0
    assert await _logs_of(database, "user_kept") == 1


async def test_a_failed_core_statement_ends_the_unit(database: datasdk.Database) -> None:
    taken = await new_user(database)
    with pytest.raises(errors.TransactionAborted):
        async with database.transaction() as tx:
            await tx.connection.execute(insert(users).values(id="user_before", email="b@x.com"))
            with pytest.raises(errors.UniqueViolation) as caught:
                await tx.connection.execute(insert(users).values(id="user_dup", email=taken.email))
            assert (caught.value.table, caught.value.constraint) == ("users", "uq_users_email")
            # Every later statement is refused, whoever sends it.
            with pytest.raises(errors.TransactionAborted):
                await tx.connection.execute(text("SELECT 1"))
            with pytest.raises(errors.TransactionAborted):
                await tx.users.get(taken.id)
            with pytest.raises(errors.TransactionAborted):
                await tx.execute("SELECT 1")
    assert await _user_count(database, "user_before") == 0


async def test_a_failed_orm_flush_ends_the_unit(database: datasdk.Database) -> None:
    taken = await new_user(database)
    with pytest.raises(errors.UniqueViolation) as caught:
        async with database.transaction() as tx:
            await tx.error_logs.log(_log(taken.id))
            tx.orm_session.add(AppUser(id="user_orm_dup", email=taken.email))
            await tx.orm_session.flush()
    assert (caught.value.table, caught.value.constraint) == ("users", "uq_users_email")
    assert await _logs_of(database, taken.id) == 0


async def test_a_failed_flush_at_commit_rolls_the_unit_back(database: datasdk.Database) -> None:
    taken = await new_user(database)
    with pytest.raises(errors.UniqueViolation):
        async with database.transaction() as tx:
            await tx.error_logs.log(_log(taken.id))
            tx.orm_session.add(AppUser(id="user_late_dup", email=taken.email))
    assert await _logs_of(database, taken.id) == 0


async def test_the_application_may_not_commit_the_units_transaction(
    database: datasdk.Database,
) -> None:
    with pytest.raises(errors.TransactionAborted):
        async with database.transaction() as tx:
            await tx.connection.execute(insert(users).values(id="user_early", email="e@x.com"))
            with pytest.raises(errors.TransactionAborted):
                await tx.connection.commit()
            with pytest.raises(errors.TransactionAborted):
                await tx.users.get("user_early")
    assert await _user_count(database, "user_early") == 0


async def test_a_rollback_by_the_application_ends_the_unit(database: datasdk.Database) -> None:
    with pytest.raises(errors.TransactionAborted):
        async with database.transaction() as tx:
            await tx.connection.execute(insert(users).values(id="user_undone", email="u@x.com"))
            await tx.connection.rollback()
            with pytest.raises(errors.TransactionAborted):
                await tx.connection.execute(insert(users).values(id="user_after", email="a@x.com"))
    assert await _user_count(database, "user_undone") == 0
    assert await _user_count(database, "user_after") == 0


async def test_the_applications_own_exceptions_pass_through(
    database: datasdk.Database,
) -> None:
    class Mine(ValueError):
        pass

    with pytest.raises(Mine):
        async with database.transaction() as tx:
            await tx.connection.execute(insert(users).values(id="user_mine", email="m@x.com"))
            raise Mine("the application's own error")
    assert await _user_count(database, "user_mine") == 0


# -- connect(engine) ------------------------------------------------------------------


@pytest.fixture
async def engine(new_url: Callable[[], str]) -> AsyncIterator[AsyncEngine]:
    """An engine the application built, used before the SDK sees it."""
    made = datasdk.create_engine(
        new_url(), auth_token=os.environ.get("DATASDK_TEST_LIBSQL_AUTH_TOKEN")
    )
    async with made.connect() as connection:
        await connection.execute(text("SELECT 1"))
    yield made
    await made.dispose()


async def test_connect_takes_an_application_engine(engine: AsyncEngine) -> None:
    db = datasdk.connect(engine)
    assert db.backend.value in repr(db)
    await db.downgrade("base")
    await db.migrate()
    user = await new_user(db)
    # The SDK's per-connection set-up holds on the application's engine: foreign keys
    # are enforced and the rules translate.
    with pytest.raises(errors.ForeignKeyViolation):
        await db.error_logs.log(_log("user_nobody"))
    with pytest.raises(errors.UniqueViolation):
        await db.users.create(datasdk.NewUser(id="user_other", email=user.email))
    await db.close()
    # The engine is the application's: still open after the Database closes, and its own
    # statements outside the SDK are not translated.
    async with engine.connect() as connection:
        count = await connection.execute(select(func.count()).select_from(error_logs))
        assert count.scalar_one() == 0
        with pytest.raises(IntegrityError) as raw:
            await connection.execute(insert(users).values(id="user_raw", email=user.email))
        assert not isinstance(raw.value, errors.DataSDKError)


async def test_two_databases_share_one_engine(engine: AsyncEngine) -> None:
    first, second = datasdk.connect(engine), datasdk.connect(engine)
    await first.downgrade("base")
    await first.migrate()
    user = await new_user(first)
    assert (await second.users.get(user.id)).email == user.email
    await first.close()
    with pytest.raises(errors.UniqueViolation):
        await second.users.create(datasdk.NewUser(id="user_twin", email=user.email))
    await second.close()


@pytest.mark.parametrize("bad", ["sync", "object"])
def test_connect_refuses_what_is_not_an_async_engine(bad: str) -> None:
    from sqlalchemy import create_engine

    candidate: Any = create_engine("sqlite://") if bad == "sync" else object()
    with pytest.raises(errors.ConfigurationError):
        datasdk.connect(candidate)


@pytest.mark.parametrize("control", ["COMMIT", "ROLLBACK", "END", "BEGIN"])
async def test_raw_transaction_control_in_a_unit_ends_it(
    database: datasdk.Database, control: str
) -> None:
    user = await new_user(database)
    with pytest.raises(errors.TransactionAborted):
        async with database.transaction() as tx:
            await tx.execute(
                "INSERT INTO error_logs (id, type, severity, message, user_id) "
                "VALUES (:id, 'client_error', 'info', 'kept?', :user)",
                {"id": uuid.uuid4(), "user": user.id},
            )
            await tx.execute(control)
    # Nothing of the unit was committed, the first statement included.
    assert (await database.execute("SELECT count(*) AS n FROM error_logs")).rows[0]["n"] == 0
