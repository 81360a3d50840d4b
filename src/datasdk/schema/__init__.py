"""The logical schema: tables, portable types and the rules the database enforces."""

from __future__ import annotations

from sqlalchemy import ForeignKeyConstraint, Table
from sqlalchemy.schema import SchemaItem

from datasdk.schema.ddl import attach_rules
from datasdk.schema.enums import JOB_TRANSITIONS, SCAN_TRANSITIONS, JobState, ScanStatus
from datasdk.schema.rules import (
    AppendOnly,
    ForeignKeyGuard,
    Ledger,
    RowLimit,
    Rule,
    StateMachine,
    TouchUpdatedAt,
    VersionBump,
    rules_for,
)
from datasdk.schema.tables import (
    AUDIT_TABLES,
    CORE_TABLES,
    INDEXES,
    MONITORING_TABLES,
    TABLE_ORDER,
    metadata,
)

DOMAIN_LIMIT = 10
# Column names that would let page content into the audit trail.
CONTENT_COLUMN_WORDS = (
    "body",
    "html",
    "dom",
    "screenshot",
    "text",
    "page",
    "snapshot",
    "markup",
    "payload",
    "raw",
    "source",
)


def applies(item: SchemaItem, dialect: str) -> bool:
    """Whether a constraint or index declared with `ddl_if` exists on this dialect."""
    ddl_if = getattr(item, "_ddl_if", None)
    if ddl_if is None or ddl_if.dialect is None:
        return True
    wanted = ddl_if.dialect
    return dialect in ((wanted,) if isinstance(wanted, str) else tuple(wanted))


def foreign_key_guards(table: Table) -> list[Rule]:
    guards: list[Rule] = []
    for fk in sorted(table.foreign_key_constraints, key=lambda c: str(c.name)):
        assert isinstance(fk, ForeignKeyConstraint)
        guards.append(
            ForeignKeyGuard(
                table=table.name,
                constraint=str(fk.name),
                columns=tuple(fk.column_keys),
                parent_table=fk.referred_table.name,
                parent_columns=tuple(element.column.name for element in fk.elements),
                restrict=(fk.ondelete or "NO ACTION").upper() in {"RESTRICT", "NO ACTION"},
                restrict_update=(fk.onupdate or "NO ACTION").upper() in {"RESTRICT", "NO ACTION"},
            )
        )
    return guards


def _versioned_columns(table: Table) -> tuple[str, ...]:
    """Columns whose change must raise the version: all but those the database itself
    rewrites (the touched timestamp, and references an ON DELETE SET NULL clears)."""
    cleared = {
        column
        for fk in table.foreign_key_constraints
        if (fk.ondelete or "").upper() == "SET NULL"
        for column in fk.column_keys
    }
    return tuple(c.name for c in table.columns if c.name != "updated_at" and c.name not in cleared)


def _declare_rules() -> list[Rule]:
    rules: list[Rule] = []
    for name in TABLE_ORDER:
        table = metadata.tables[name]
        rules.extend(foreign_key_guards(table))
        if "updated_at" in table.c:
            rules.append(TouchUpdatedAt(table=name))
    rules.append(
        VersionBump(table="scan_jobs", columns=_versioned_columns(metadata.tables["scan_jobs"]))
    )
    rules += [
        AppendOnly(table="audit_logs", keys=(("pk_audit_logs", ("id",)),)),
        AppendOnly(
            table="credit_transactions",
            keys=(
                ("pk_credit_transactions", ("id",)),
                (
                    "uq_credit_transactions_wallet_id_idempotency_key",
                    ("wallet_id", "idempotency_key"),
                ),
            ),
            cascade_parent=("wallets", "id", "wallet_id"),
        ),
        Ledger(
            table="credit_transactions",
            account_column="wallet_id",
            account_table="wallets",
            balance_column="credit_balance",
            applied_column="last_transaction_id",
        ),
        StateMachine(
            table="scan_jobs",
            rule_name="job_state_machine",
            column="state",
            initial=JobState.QUEUED.value,
            transitions=tuple(sorted((a.value, b.value) for a, b in JOB_TRANSITIONS)),
        ),
        StateMachine(
            table="scans",
            rule_name="scan_status_machine",
            column="status",
            initial=ScanStatus.PENDING.value,
            transitions=tuple(sorted((a.value, b.value) for a, b in SCAN_TRANSITIONS)),
        ),
        RowLimit(
            table="domains",
            rule_name="domain_limit",
            column="user_id",
            parent_table="users",
            limit=DOMAIN_LIMIT,
        ),
    ]
    return rules


RULES: list[Rule] = _declare_rules()
attach_rules(metadata.sorted_tables, RULES)

__all__ = [
    "AUDIT_TABLES",
    "CONTENT_COLUMN_WORDS",
    "CORE_TABLES",
    "DOMAIN_LIMIT",
    "INDEXES",
    "MONITORING_TABLES",
    "RULES",
    "TABLE_ORDER",
    "applies",
    "metadata",
    "rules_for",
]
