"""The seeds' performance indexes and the SDK's hot-query indexes."""

from __future__ import annotations

from datasdk.migrate import create_indexes, drop_indexes

revision = "0004_indexes"
down_revision = "0003_monitoring_tables"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_indexes()


def downgrade() -> None:
    drop_indexes()
