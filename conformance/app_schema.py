"""An application's own tables, declared on its own MetaData, with the SDK's rules."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKeyConstraint, Integer, MetaData, Table, Text

from datasdk import application
from datasdk.schema.tables import NAMING_CONVENTION, users
from datasdk.schema.types import UTCDateTime, UUIDType

TASK_LIMIT = 3


def app_schema(task_limit: int = TASK_LIMIT) -> MetaData:
    """A fresh application MetaData; `task_limit` varies one rule between versions."""
    schema = MetaData(naming_convention=NAMING_CONVENTION)
    Table(
        "app_notes",
        schema,
        Column("id", UUIDType(), primary_key=True),
        Column("user_id", Text(), nullable=False),
        Column("body", Text(), nullable=False),
        ForeignKeyConstraint(["user_id"], [users.c.id], ondelete="RESTRICT"),
        CheckConstraint("length(body) <= 500", name="body_length"),
    )
    Table(
        "app_tasks",
        schema,
        Column("id", UUIDType(), primary_key=True),
        Column("user_id", Text(), nullable=False),
        Column("title", Text(), nullable=False),
        Column("state", Text(), nullable=False),
        Column("version", Integer(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
        ForeignKeyConstraint(["user_id"], [users.c.id], ondelete="CASCADE"),
    )
    application.attach(
        schema,
        application.AppendOnly(table="app_notes", keys=(("pk_app_notes", ("id",)),)),
        application.TouchUpdatedAt(table="app_tasks"),
        application.VersionBump(
            table="app_tasks", columns=("user_id", "title", "state", "version")
        ),
        application.StateMachine(
            table="app_tasks",
            rule_name="task_flow",
            column="state",
            initial="open",
            transitions=(("done", "open"), ("open", "done")),
        ),
        application.RowLimit(
            table="app_tasks",
            rule_name="task_limit",
            column="user_id",
            parent_table="users",
            limit=task_limit,
        ),
    )
    return schema
