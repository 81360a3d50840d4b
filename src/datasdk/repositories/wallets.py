"""wallets: credit balances that only the append-only ledger moves."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter
from sqlalchemy import Select, select

from datasdk.errors import IdempotencyKeyConflict, InsufficientCredits, ValidationError
from datasdk.models import PAGE_SIZE, CreditKind, CreditTransaction, Page, Wallet
from datasdk.models._fields import Credits, IdempotencyKey
from datasdk.models.credits import CREDIT_KINDS, DEBIT_KINDS
from datasdk.repositories._sql import (
    PageRequest,
    adapt,
    as_uuid,
    fetch_one,
    fetch_optional,
    fetch_page,
    insert_one,
    keyset,
    locked,
    member,
    page_request,
    require_user,
)
from datasdk.repositories._unit import Units
from datasdk.schema.tables import credit_transactions as ledger
from datasdk.schema.tables import wallets

if TYPE_CHECKING:
    from datasdk.database import Transaction

_amount = TypeAdapter(Credits)
_key = TypeAdapter(IdempotencyKey)


def wallet_history(wallet_id: uuid.UUID, page: PageRequest) -> Select[Any]:
    statement = select(ledger).where(ledger.c.wallet_id == wallet_id)
    return keyset(statement, ledger.c.created_at, page)


class SqlWallets:
    def __init__(self, units: Units) -> None:
        self._units = units

    async def open(self, user_id: str) -> Wallet:
        """The user's wallet, created empty if it does not exist yet."""
        async with self._units.write() as tx:
            # Lock the user: two concurrent opens then create one wallet, not a duplicate error.
            await require_user(tx, user_id, lock=True)
            existing = await fetch_optional(tx, _wallet_of(user_id), Wallet)
            if existing is not None:
                return existing
            return await insert_one(tx, wallets, Wallet, user_id=user_id)

    async def get(self, user_id: str) -> Wallet:
        async with self._units.read() as tx:
            return await fetch_one(tx, _wallet_of(user_id), Wallet, f"the wallet of {user_id!r}")

    async def credit(
        self,
        user_id: str,
        amount: int,
        *,
        kind: CreditKind | str = CreditKind.PURCHASE,
        idempotency_key: str,
        scan_job_id: uuid.UUID | str | None = None,
    ) -> CreditTransaction:
        """Add credits; a repeated idempotency key returns the first transaction."""
        return await self._move(
            user_id, amount, +1, kind, CREDIT_KINDS, idempotency_key, scan_job_id
        )

    async def debit(
        self,
        user_id: str,
        amount: int,
        *,
        kind: CreditKind | str = CreditKind.SCAN_CHARGE,
        idempotency_key: str,
        scan_job_id: uuid.UUID | str | None = None,
    ) -> CreditTransaction:
        """Take credits, or raise InsufficientCredits and take nothing; never below zero."""
        return await self._move(
            user_id, amount, -1, kind, DEBIT_KINDS, idempotency_key, scan_job_id
        )

    async def history(
        self, user_id: str, *, limit: int = PAGE_SIZE, cursor: str | None = None
    ) -> Page[CreditTransaction]:
        """The wallet's ledger, newest first."""
        page = page_request(limit, cursor)
        async with self._units.read() as tx:
            wallet = await fetch_one(tx, _wallet_of(user_id), Wallet, f"the wallet of {user_id!r}")
            return await fetch_page(tx, wallet_history(wallet.id, page), CreditTransaction, page)

    async def _move(
        self,
        user_id: str,
        amount: int,
        sign: int,
        kind: CreditKind | str,
        kinds: frozenset[CreditKind],
        idempotency_key: str,
        scan_job_id: uuid.UUID | str | None,
    ) -> CreditTransaction:
        amount = adapt(_amount, amount, "amount")
        key = adapt(_key, idempotency_key, "idempotency_key")
        kind = member(CreditKind, kind, "kind")
        if kind not in kinds:
            allowed = ", ".join(sorted(kinds))
            raise ValidationError(f"kind: must be one of {allowed}", field="kind")
        job = None if scan_job_id is None else as_uuid(scan_job_id, "scan_job_id")
        async with self._units.write() as tx:
            # The wallet row lock orders concurrent moves of one wallet (PostgreSQL); SQLite's
            # write lock already does. Under it, the key check and balance check cannot race.
            wallet = await _locked_wallet(tx, user_id)
            first = await fetch_optional(
                tx,
                select(ledger).where(
                    ledger.c.wallet_id == wallet.id, ledger.c.idempotency_key == key
                ),
                CreditTransaction,
            )
            if first is not None:
                if (first.amount, first.kind, first.scan_job_id) != (sign * amount, kind, job):
                    raise IdempotencyKeyConflict(
                        "idempotency_key: already used for a different transaction; use a new key",
                        field="idempotency_key",
                    )
                return first
            if sign < 0 and wallet.credit_balance < amount:
                raise InsufficientCredits(
                    f"the wallet holds {wallet.credit_balance} credits, {amount} requested",
                    balance=wallet.credit_balance,
                    requested=amount,
                )
            return await insert_one(
                tx,
                ledger,
                CreditTransaction,
                wallet_id=wallet.id,
                amount=sign * amount,
                kind=str(kind),
                idempotency_key=key,
                scan_job_id=job,
            )


def _wallet_of(user_id: str) -> Select[Any]:
    return select(wallets).where(wallets.c.user_id == user_id)


async def _locked_wallet(tx: Transaction, user_id: str) -> Wallet:
    statement = locked(_wallet_of(user_id))
    return await fetch_one(tx, statement, Wallet, f"the wallet of {user_id!r}")
