"""The ledger rule checks one ledger row per balance move, not the whole ledger.

wallets gains last_transaction_id, the ledger row last applied to the balance,
filled in for existing wallets; the ledger's triggers move it with the balance.
"""

from __future__ import annotations

from pathlib import Path

from datasdk.frozen import run_files

# The revision this one follows.
DOWN_REVISION = "0005_type_checks"

revision = "0006_flat_ledger"
down_revision = DOWN_REVISION
branch_labels = None
depends_on = None

# Frozen: the DDL of this revision's moment, one file per dialect and direction.
SQL = Path(__file__).resolve().parents[1] / "sql" / revision


def upgrade() -> None:
    run_files(SQL, "up")


def downgrade() -> None:
    run_files(SQL, "down")
