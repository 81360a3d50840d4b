"""Monitoring: domains, scans, scan_modules, reports, error_logs."""

from __future__ import annotations

from datasdk.migrate import create_tables, drop_tables
from datasdk.schema import MONITORING_TABLES

revision = "0003_monitoring_tables"
down_revision = "0002_audit_logs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tables(MONITORING_TABLES)


def downgrade() -> None:
    drop_tables(MONITORING_TABLES)
