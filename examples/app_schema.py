"""The example application's own table, with the SDK's append-only rule attached."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKeyConstraint, MetaData, Table, Text

from datasdk import application
from datasdk.schema.tables import NAMING_CONVENTION, users
from datasdk.schema.types import UTCDateTime, UUIDType

metadata = MetaData(naming_convention=NAMING_CONVENTION)

activity = Table(
    "app_activity",
    metadata,
    Column("id", UUIDType(), primary_key=True),
    Column("user_id", Text(), nullable=False),
    Column("event", Text(), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    ForeignKeyConstraint(["user_id"], [users.c.id], ondelete="RESTRICT"),
)

application.attach(
    metadata,
    application.AppendOnly(table="app_activity", keys=(("pk_app_activity", ("id",)),)),
)
