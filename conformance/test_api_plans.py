"""Every hot query of the repositories can be served by an index, on every backend."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Select, select

import datasdk
from datasdk.plans import indexes_used
from datasdk.repositories._sql import PageRequest
from datasdk.repositories.domains import dashboard_query, user_domains
from datasdk.repositories.reports import user_reports
from datasdk.repositories.results import audit_for_job
from datasdk.repositories.scan_jobs import claim_candidates, stale_candidates, user_page
from datasdk.repositories.scans import domain_scans, scan_module_page
from datasdk.repositories.wallets import wallet_history
from datasdk.schema.tables import error_logs

ID = uuid.UUID("01890000-0000-7000-8000-000000000000")
AT = datetime(2026, 1, 1, tzinfo=UTC)
FIRST = PageRequest()
NEXT = PageRequest(after=(AT, ID))

# query -> (the statement the repository runs, the indexes any of which may serve it)
HOT_QUERIES: dict[str, tuple[Callable[[], Select[Any]], set[str]]] = {
    "claim": (lambda: claim_candidates(10), {"idx_scan_jobs_claim"}),
    "time_out_stale": (
        lambda: stale_candidates(timedelta(minutes=5)),
        {"idx_scan_jobs_state", "idx_scan_jobs_claim"},
    ),
    "dashboard": (lambda: dashboard_query("user_1"), {"idx_domains_user"}),
    "list_for_user": (
        lambda: user_page("user_1", FIRST),
        {"idx_scan_jobs_user_created"},
    ),
    "list_for_user_next_page": (
        lambda: user_page("user_1", NEXT),
        {"idx_scan_jobs_user_created"},
    ),
    "audit_by_job": (
        lambda: audit_for_job(ID, NEXT),
        {"idx_audit_logs_job_time", "idx_audit_logs_scan_job_id"},
    ),
    "wallet_history": (lambda: wallet_history(ID, NEXT), {"idx_credit_transactions_wallet"}),
    "scans_for_domain": (lambda: domain_scans(ID, NEXT), {"idx_scans_domain"}),
    "reports_for_user": (lambda: user_reports("user_1", NEXT), {"idx_reports_user"}),
    # Both bounded per parent (DOMAIN_LIMIT domains a user, one row per module a scan):
    # the index finds the parent's rows, a small sort orders them.
    "domains_for_user": (lambda: user_domains("user_1", False, NEXT), {"idx_domains_user"}),
    "modules_for_scan": (lambda: scan_module_page(ID, NEXT), {"idx_scan_modules_scan"}),
}


@pytest.mark.parametrize("name", sorted(HOT_QUERIES))
async def test_hot_query_uses_an_index(database: datasdk.Database, name: str) -> None:
    build, expected = HOT_QUERIES[name]
    used = await indexes_used(database, build())
    assert used & expected, f"{name} reads {sorted(used) or 'no index'}; expected one of {expected}"


async def test_a_query_on_an_unindexed_column_reads_no_index(database: datasdk.Database) -> None:
    # The probe can fail: a filter no index covers is reported as reading none.
    statement = select(error_logs).where(error_logs.c.message == "x")
    assert await indexes_used(database, statement) == set()
