"""Wallets and their ledger."""

from __future__ import annotations

import uuid
from datetime import datetime

from datasdk.models._base import OutputModel
from datasdk.schema.enums import CreditKind


class Wallet(OutputModel):
    id: uuid.UUID
    user_id: str
    credit_balance: int
    created_at: datetime
    updated_at: datetime


class CreditTransaction(OutputModel):
    """One ledger row: positive amounts credit the wallet, negative ones debit it."""

    id: uuid.UUID
    wallet_id: uuid.UUID
    amount: int
    kind: CreditKind
    idempotency_key: str
    scan_job_id: uuid.UUID | None
    created_at: datetime


# Which kinds move credits which way.
CREDIT_KINDS = frozenset(
    {CreditKind.GRANT, CreditKind.PURCHASE, CreditKind.REFUND, CreditKind.ADJUSTMENT}
)
DEBIT_KINDS = frozenset({CreditKind.SCAN_CHARGE, CreditKind.ADJUSTMENT})
