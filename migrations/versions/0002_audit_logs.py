"""The append-only audit trail."""

from __future__ import annotations

from pathlib import Path

from datasdk.frozen import run_files

revision = "0002_audit_logs"
down_revision = "0001_core_tables"
branch_labels = None
depends_on = None

# Frozen: the DDL of this revision's moment, one file per dialect and direction.
SQL = Path(__file__).resolve().parents[1] / "sql" / revision


def upgrade() -> None:
    run_files(SQL, "up")


def downgrade() -> None:
    run_files(SQL, "down")
