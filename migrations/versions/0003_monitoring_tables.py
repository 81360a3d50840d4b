"""Monitoring: domains, scans, scan_modules, reports, error_logs."""

from __future__ import annotations

from pathlib import Path

from datasdk.frozen import run_files

revision = "0003_monitoring_tables"
down_revision = "0002_audit_logs"
branch_labels = None
depends_on = None

# Frozen: the DDL of this revision's moment, one file per dialect and direction.
SQL = Path(__file__).resolve().parents[1] / "sql" / revision


def upgrade() -> None:
    run_files(SQL, "up")


def downgrade() -> None:
    run_files(SQL, "down")
