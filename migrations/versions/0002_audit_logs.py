"""The append-only audit trail."""

from __future__ import annotations

from datasdk.migrate import create_tables, drop_tables
from datasdk.schema import AUDIT_TABLES

revision = "0002_audit_logs"
down_revision = "0001_core_tables"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tables(AUDIT_TABLES)


def downgrade() -> None:
    drop_tables(AUDIT_TABLES)
