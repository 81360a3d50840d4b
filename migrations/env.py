"""Alembic environment for datasdk: run through `datasdk.migrate` on the SDK's engine."""

from __future__ import annotations

from typing import Any

from alembic import context

from datasdk.autogen import add_rule_steps, render_item
from datasdk.migrate import refuse_content_columns, target_metadata
from datasdk.schema import applies


def _guard(*, ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
    # After every revision, before anything commits: the audit trail never gets a
    # column that could hold page content.
    refuse_content_columns(ctx.connection, step.up_revision_id or "base")


def _include(item: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    # Autogenerate compares against this dialect's schema only (no GIN index on SQLite).
    dialect = context.get_context().dialect.name
    return reflected or applies(item, dialect)


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run datasdk migrations with `datasdk db ...` or Database.migrate()")
    profile = context.config.attributes["profile"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata(context.config.attributes.get("app_metadata")),
        on_version_apply=_guard,
        include_object=_include,
        compare_type=True,
        process_revision_directives=add_rule_steps,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
        profile.verify_migration(connection)


if context.is_offline_mode():
    raise RuntimeError("datasdk migrations run online only: rules need a live connection")
run_migrations_online()
