"""users and wallets through the repositories: the same outcome on every backend, races included."""

from __future__ import annotations

import pytest
from api_support import HASH, new_user, outcomes, race
from sqlalchemy import func, select

import datasdk
from datasdk import errors
from datasdk.schema.tables import credit_transactions, scan_jobs, wallets


async def _ledger_sum(db: datasdk.Database, wallet_id: object) -> int:
    statement = select(func.coalesce(func.sum(credit_transactions.c.amount), 0)).where(
        credit_transactions.c.wallet_id == wallet_id
    )
    return int(next(iter((await db.execute(statement)).rows[0].values())))


async def test_users_round_trip(database: datasdk.Database) -> None:
    created = await database.users.create(
        datasdk.NewUser(id="user_rt", email="Ann@Example.COM", name="Ann")
    )
    assert created.email == "ann@example.com"
    assert created.subscription_status == datasdk.SubscriptionStatus.TRIALING
    assert created.trial_ends_at > created.created_at
    assert created.created_at.utcoffset() is not None
    assert await database.users.get("user_rt") == created
    assert await database.users.get_by_email("ANN@example.com") == created


async def test_user_without_provider_id_gets_a_uuid(database: datasdk.Database) -> None:
    user = await database.users.create(datasdk.NewUser(email="anon@example.com"))
    assert len(user.id) == 36


async def test_missing_user_is_not_found(database: datasdk.Database) -> None:
    with pytest.raises(errors.NotFoundError) as caught:
        await database.users.get("user_nobody")
    assert caught.value.table == "users"
    with pytest.raises(errors.NotFoundError):
        await database.wallets.open("user_nobody")


async def test_duplicate_email_is_a_unique_violation(database: datasdk.Database) -> None:
    await database.users.create(datasdk.NewUser(id="user_a", email="same@example.com"))
    with pytest.raises(errors.UniqueViolation) as caught:
        await database.users.create(datasdk.NewUser(id="user_b", email="same@example.com"))
    assert caught.value.constraint == "uq_users_email"


async def test_open_is_idempotent_even_when_racing(database: datasdk.Database) -> None:
    user = await database.users.create(datasdk.NewUser(id="user_open"))
    opened, failed = outcomes(await race(10, lambda i: database.wallets.open(user.id)))
    assert failed == []
    assert len({w.id for w in opened}) == 1


async def test_credit_and_debit_move_the_balance_through_the_ledger(
    database: datasdk.Database,
) -> None:
    user = await new_user(database, credits=100)
    debit = await database.wallets.debit(user.id, 30, idempotency_key="d1")
    assert debit.amount == -30
    assert debit.kind == datasdk.CreditKind.SCAN_CHARGE
    wallet = await database.wallets.get(user.id)
    assert wallet.credit_balance == 70 == await _ledger_sum(database, wallet.id)
    history = await database.wallets.history(user.id)
    assert [t.amount for t in history.items] == [-30, 100]


async def test_debit_beyond_the_balance_takes_nothing(database: datasdk.Database) -> None:
    user = await new_user(database, credits=5)
    with pytest.raises(errors.InsufficientCredits) as caught:
        await database.wallets.debit(user.id, 6, idempotency_key="too-much")
    assert (caught.value.balance, caught.value.requested) == (5, 6)
    assert (await database.wallets.get(user.id)).credit_balance == 5
    assert len((await database.wallets.history(user.id)).items) == 1


async def test_insufficient_credits_leaves_the_callers_unit_usable(
    database: datasdk.Database,
) -> None:
    user = await new_user(database, credits=5)
    async with database.transaction() as tx:
        with pytest.raises(errors.InsufficientCredits):
            await tx.wallets.debit(user.id, 6, idempotency_key="big")
        await tx.wallets.debit(user.id, 5, idempotency_key="small")
    assert (await database.wallets.get(user.id)).credit_balance == 0


@pytest.mark.parametrize(
    ("amount", "field"),
    [(0, "amount"), (-1, "amount"), (True, "amount"), (1.5, "amount"), (2**63, "amount")],
)
async def test_bad_amounts_are_refused_before_sql(
    database: datasdk.Database, amount: object, field: str
) -> None:
    user = await new_user(database, credits=10)
    with pytest.raises(errors.ValidationError) as caught:
        await database.wallets.debit(user.id, amount, idempotency_key="x")  # type: ignore[arg-type]
    assert caught.value.field == field


async def test_kinds_go_one_way(database: datasdk.Database) -> None:
    user = await new_user(database, credits=10)
    with pytest.raises(errors.ValidationError) as caught:
        await database.wallets.debit(user.id, 1, kind="purchase", idempotency_key="k")
    assert caught.value.field == "kind"
    with pytest.raises(errors.ValidationError):
        await database.wallets.credit(user.id, 1, kind="scan_charge", idempotency_key="k")


async def test_repeated_key_returns_the_first_transaction(database: datasdk.Database) -> None:
    user = await new_user(database, credits=10)
    first = await database.wallets.debit(user.id, 3, idempotency_key="once")
    again = await database.wallets.debit(user.id, 3, idempotency_key="once")
    assert again == first
    assert (await database.wallets.get(user.id)).credit_balance == 7
    with pytest.raises(errors.IdempotencyKeyConflict):
        await database.wallets.debit(user.id, 4, idempotency_key="once")


async def test_a_repeated_key_returns_the_first_even_with_no_credits_left(
    database: datasdk.Database,
) -> None:
    user = await new_user(database, credits=3)
    first = await database.wallets.debit(user.id, 3, idempotency_key="all")
    assert await database.wallets.debit(user.id, 3, idempotency_key="all") == first


@pytest.mark.parametrize(("balance", "writers", "amount"), [(10, 30, 1), (100, 20, 7), (5, 12, 5)])
async def test_concurrent_debits_never_overdraw(
    database: datasdk.Database, balance: int, writers: int, amount: int
) -> None:
    user = await new_user(database, credits=balance)
    results = await race(
        writers,
        lambda i: database.wallets.debit(user.id, amount, idempotency_key=f"race-{i}"),
    )
    ok, failed = outcomes(results)
    assert len(ok) == min(writers, balance // amount)
    assert all(isinstance(e, errors.InsufficientCredits) for e in failed), failed
    wallet = await database.wallets.get(user.id)
    assert wallet.credit_balance == balance - amount * len(ok)
    assert wallet.credit_balance == await _ledger_sum(database, wallet.id)


async def test_racing_calls_with_one_key_move_credits_once(database: datasdk.Database) -> None:
    user = await new_user(database, credits=50)
    results = await race(
        12, lambda i: database.wallets.debit(user.id, 5, idempotency_key="same-key")
    )
    ok, failed = outcomes(results)
    assert failed == []
    assert len({t.id for t in ok}) == 1
    assert (await database.wallets.get(user.id)).credit_balance == 45


async def test_debit_and_claim_in_one_unit(database: datasdk.Database) -> None:
    user = await new_user(database, credits=1)
    job = await database.scan_jobs.enqueue(user.id, "https://example.com/")
    async with database.transaction() as tx:
        await tx.wallets.debit(user.id, 1, scan_job_id=job.id, idempotency_key=f"scan:{job.id}")
        claimed = await tx.scan_jobs.claim_next()
    assert claimed is not None
    assert claimed.id == job.id
    assert (await database.wallets.get(user.id)).credit_balance == 0


@pytest.mark.parametrize("crash", [RuntimeError, ValueError, TypeError, OSError])
async def test_a_failed_unit_leaves_nothing(
    database: datasdk.Database, crash: type[Exception]
) -> None:
    user = await new_user(database, credits=1)
    job = await database.scan_jobs.enqueue(user.id, "https://example.com/")
    # The caller's own exception rolls the unit back and reaches them unchanged.
    with pytest.raises(crash, match="worker crashed") as caught:
        async with database.transaction() as tx:
            await tx.wallets.debit(user.id, 1, idempotency_key="rolled-back")
            await tx.scan_jobs.claim_next()
            raise crash("worker crashed")
    assert vars(caught.value) == {}  # nothing written into the caller's exception
    assert (await database.wallets.get(user.id)).credit_balance == 1
    assert (await database.scan_jobs.get(job.id)).state == datasdk.JobState.QUEUED


async def test_deleting_a_user_keeps_jobs_results_and_audit(database: datasdk.Database) -> None:
    user = await new_user(database, credits=5)
    job = await database.scan_jobs.enqueue(user.id, "https://example.com/")
    await database.wallets.debit(user.id, 1, scan_job_id=job.id, idempotency_key="charge")
    await database.scan_results.record(
        job.id, datasdk.NewScanResult(risk_score=10, content_hash=HASH)
    )
    await database.audit_logs.append(
        job.id, datasdk.NewAuditEntry(url_accessed="https://example.com/", content_hash=HASH)
    )
    domain = await database.domains.add(
        user.id, datasdk.NewDomain(url="https://example.com", display_name="Example")
    )
    scan = await database.scans.start(domain.id)
    await database.reports.create(
        scan.id, datasdk.NewReport(filename="r.pdf", s3_path="s3://b/r.pdf")
    )

    await database.users.delete(user.id)

    with pytest.raises(errors.NotFoundError):
        await database.users.get(user.id)
    with pytest.raises(errors.NotFoundError):
        await database.wallets.get(user.id)
    with pytest.raises(errors.NotFoundError):
        await database.domains.get(domain.id)
    with pytest.raises(errors.NotFoundError):
        await database.scans.get(scan.id)
    assert (await database.reports.list_for_user(user.id)).items == []
    kept = await database.scan_jobs.get(job.id)
    assert kept.user_id is None
    assert (await database.scan_results.get(job.id)).risk_score == 10
    assert len((await database.audit_logs.list_for_job(job.id)).items) == 1
    rows = (await database.execute(select(func.count()).select_from(wallets))).rows
    assert next(iter(rows[0].values())) == 0
    ledger = select(func.count()).select_from(credit_transactions)
    assert next(iter((await database.execute(ledger)).rows[0].values())) == 0
    jobs = select(func.count()).select_from(scan_jobs)
    assert next(iter((await database.execute(jobs)).rows[0].values())) == 1
