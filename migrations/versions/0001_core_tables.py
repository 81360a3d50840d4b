"""Core tables: users, wallets, scan_jobs, the credit ledger, scan_results."""

from __future__ import annotations

from datasdk.migrate import create_tables, drop_tables
from datasdk.schema import CORE_TABLES

revision = "0001_core_tables"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tables(CORE_TABLES)


def downgrade() -> None:
    drop_tables(CORE_TABLES)
