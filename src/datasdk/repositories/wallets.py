"""wallets: credit balances that only the append-only ledger moves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Select, bindparam, insert, select

from datasdk.errors import (
    IdempotencyKeyConflict,
    InsufficientCredits,
    TransactionConflict,
    UniqueViolation,
    ValidationError,
)
from datasdk.ids import new_id
from datasdk.models import PAGE_SIZE, CreditKind, CreditTransaction, Page, Wallet
from datasdk.models.credits import CREDIT_KINDS, DEBIT_KINDS
from datasdk.prepared import Prepared
from datasdk.repositories._sql import (
    PageRequest,
    fetch_all,
    fetch_one,
    fetch_optional,
    fetch_page,
    insert_one,
    keyset,
    locked,
    page_request,
    require_user,
)
from datasdk.repositories._unit import Units
from datasdk.schema.tables import credit_transactions as ledger
from datasdk.schema.tables import wallets
from datasdk.validation import arguments as check

if TYPE_CHECKING:
    from datasdk.database import Transaction

# An amount fits a BIGINT, and stays exact in a JSON number.
MAX_CREDITS = 2**53


def wallet_history(wallet_id: uuid.UUID, page: PageRequest) -> Select[Any]:
    statement = select(ledger).where(ledger.c.wallet_id == wallet_id)
    return keyset(statement, ledger.c.created_at, page)


class SqlWallets:
    def __init__(self, units: Units) -> None:
        self._units = units

    async def open(self, user_id: str) -> Wallet:
        """The user's wallet, created empty if it does not exist yet."""
        user_id = check.user_id(user_id)
        async with self._units.write() as tx:
            # Lock the user: two concurrent opens then create one wallet, not a duplicate error.
            await require_user(tx, user_id, lock=True)
            existing = await fetch_optional(tx, _WALLET, Wallet, {"user_id": user_id})
            if existing is not None:
                return existing
            return await insert_one(tx, wallets, Wallet, user_id=user_id)

    async def get(self, user_id: str) -> Wallet:
        user_id = check.user_id(user_id)
        async with self._units.read() as tx:
            return await fetch_one(
                tx, _WALLET, Wallet, f"the wallet of {user_id!r}", {"user_id": user_id}
            )

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
        user_id = check.user_id(user_id)
        page = page_request(limit, cursor)
        async with self._units.read() as tx:
            wallet = await fetch_one(
                tx, _WALLET, Wallet, f"the wallet of {user_id!r}", {"user_id": user_id}
            )
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
        user_id = check.user_id(user_id)
        amount = check.integer(amount, "amount", low=1, high=MAX_CREDITS)
        key = check.text(idempotency_key, "idempotency_key", max_length=255, printable=True)
        kind = check.member(CreditKind, kind, "kind")
        if kind not in kinds:
            allowed = ", ".join(sorted(kinds))
            raise ValidationError(f"kind: must be one of {allowed}", field="kind")
        job = None if scan_job_id is None else check.row_id(scan_job_id, "scan_job_id")
        move = _Move(user_id, sign * amount, str(kind), key, job)
        for _ in range(_ATTEMPTS):
            try:
                async with self._units.statement() as tx:
                    rows = await fetch_all(tx, _MOVE, CreditTransaction, move.params())
                    if rows:
                        return rows[0]
                    # Nothing moved: the single statement only says no; read to say why.
                    return await move.explain(tx)
            except UniqueViolation as exc:
                # A racing call with the same key got in first (PostgreSQL: its row was
                # not in this statement's snapshot). Answered as a repeat, when this call
                # is its own unit; in the caller's unit the failed statement ended it.
                if exc.constraint != _KEY_CONSTRAINT or self._units.joined:
                    raise
            except _BalanceMoved:
                # Nothing failed (the statement only said no): trying again is safe,
                # in the caller's unit too.
                continue
        raise TransactionConflict("the wallet kept changing; retry the call")


_ATTEMPTS = 3
_KEY_CONSTRAINT = "uq_credit_transactions_wallet_id_idempotency_key"


class _BalanceMoved(Exception):
    """The statement found too few credits, the read after it enough: a credit landed."""


def _move_statement() -> Any:
    """One INSERT into the ledger, or no row: the wallet (locked on PostgreSQL, whose
    READ COMMITTED re-checks the balance after the lock) must hold :needed credits and
    the key must be new. The ledger's trigger moves the balance."""
    chosen = locked(
        select(wallets.c.id).where(
            wallets.c.user_id == bindparam("user_id"),
            wallets.c.credit_balance >= bindparam("needed", type_=BigInteger),
        )
    ).cte("chosen")
    key = bindparam("idempotency_key", type_=ledger.c.idempotency_key.type)
    key_used = (
        select(ledger.c.id)
        .where(ledger.c.wallet_id == chosen.c.id, ledger.c.idempotency_key == key)
        .exists()
    )
    typed = {name: bindparam(name, type_=ledger.c[name].type) for name in _BOUND}
    values = {**typed, "wallet_id": chosen.c.id, "idempotency_key": key}
    row = select(*(value.label(name) for name, value in values.items())).where(~key_used)
    return insert(ledger).from_select(list(values), row).returning(*ledger.c)


_BOUND = ("id", "amount", "kind", "scan_job_id")
_MOVE = Prepared(_move_statement())  # built and compiled once: the hot path only binds


@dataclass(frozen=True)
class _Move:
    user_id: str
    amount: int  # signed: negative takes credits
    kind: str
    key: str
    job: uuid.UUID | None

    def params(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "needed": max(0, -self.amount),
            "idempotency_key": self.key,
            "id": new_id(),
            "amount": self.amount,
            "kind": self.kind,
            "scan_job_id": self.job,
        }

    async def explain(self, tx: Transaction) -> CreditTransaction:
        """Why the statement moved nothing: the repeat of a request, or the error."""
        wallet = await fetch_one(
            tx, _WALLET, Wallet, f"the wallet of {self.user_id!r}", {"user_id": self.user_id}
        )
        first = await fetch_optional(
            tx,
            select(ledger).where(
                ledger.c.wallet_id == wallet.id, ledger.c.idempotency_key == self.key
            ),
            CreditTransaction,
        )
        if first is not None:
            if (first.amount, first.kind, first.scan_job_id) != (self.amount, self.kind, self.job):
                raise IdempotencyKeyConflict(
                    "idempotency_key: already used for a different transaction; use a new key",
                    field="idempotency_key",
                )
            return first
        if wallet.credit_balance >= -self.amount:
            raise _BalanceMoved
        raise InsufficientCredits(
            f"the wallet holds {wallet.credit_balance} credits, {-self.amount} requested",
            balance=wallet.credit_balance,
            requested=-self.amount,
        )


_WALLET = Prepared(select(wallets).where(wallets.c.user_id == bindparam("user_id")), read=True)
