"""domains: the https sites a user monitors, at most DOMAIN_LIMIT each."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, case, delete, func, select, true, update

from datasdk.errors import DomainLimitExceeded
from datasdk.models import PAGE_SIZE, Dashboard, Domain, NewDomain, Page
from datasdk.prepared import Prepared
from datasdk.repositories._sql import (
    PageRequest,
    by_id,
    fetch_one,
    fetch_page,
    insert_one,
    keyset,
    page_request,
    require_user,
)
from datasdk.repositories._unit import Units
from datasdk.schema import DOMAIN_LIMIT
from datasdk.schema.tables import domains
from datasdk.validation import arguments as check
from datasdk.validation import check_resolves_public

CRITICAL_SCORE = 60


def dashboard_query(user_id: str | BindParameter[str]) -> Select[Any]:
    """The seed's dashboard metrics in one statement; the average is finished in Python
    because AVG's type and rounding differ per backend."""
    score = domains.c.last_scan_score
    return select(
        func.count().label("total_domains"),
        func.coalesce(func.sum(score), 0).label("score_sum"),
        func.count(score).label("scored"),
        func.count(case((score < CRITICAL_SCORE, 1))).label("critical_issues"),
        func.max(domains.c.last_scan_at).label("last_scan_at"),
    ).where(domains.c.user_id == user_id, domains.c.is_active == true())


def user_domains(user_id: str, include_inactive: bool, page: PageRequest) -> Select[Any]:
    statement = select(domains).where(domains.c.user_id == user_id)
    if not include_inactive:
        statement = statement.where(domains.c.is_active == true())
    return keyset(statement, domains.c.created_at, page)


_DASHBOARD = Prepared(dashboard_query(bindparam("user_id")), read=True)  # built and compiled once


class SqlDomains:
    def __init__(self, units: Units) -> None:
        self._units = units

    async def add(self, user_id: str, domain: NewDomain) -> Domain:
        """Monitor `domain`; the (DOMAIN_LIMIT + 1)th raises DomainLimitExceeded."""
        user_id = check.user_id(user_id)
        check.instance(domain, NewDomain, "domain")
        if self._units.resolver is not None:
            await check_resolves_public(domain.url, resolver=self._units.resolver)
        async with self._units.write() as tx:
            # The user's row lock orders concurrent adds (PostgreSQL; SQLite's write lock
            # already does), so the count below cannot be outrun.
            await require_user(tx, user_id, lock=True)
            owned = select(func.count().label("n")).where(domains.c.user_id == user_id)
            if (await tx.execute(owned)).rows[0]["n"] >= DOMAIN_LIMIT:
                raise DomainLimitExceeded(
                    f"user {user_id!r} already monitors {DOMAIN_LIMIT} domains", table="domains"
                )
            return await insert_one(
                tx, domains, Domain, user_id=user_id, **domain.model_dump(exclude_none=True)
            )

    async def get(self, domain_id: uuid.UUID | str) -> Domain:
        domain_id = check.row_id(domain_id, "domain_id")
        async with self._units.read() as tx:
            return await fetch_one(tx, by_id(domains, domain_id), Domain, f"domain {domain_id}")

    async def list_for_user(
        self,
        user_id: str,
        *,
        include_inactive: bool = False,
        limit: int = PAGE_SIZE,
        cursor: str | None = None,
    ) -> Page[Domain]:
        """The user's domains (active ones unless `include_inactive`), newest first."""
        user_id = check.user_id(user_id)
        include_inactive = check.flag(include_inactive, "include_inactive")
        page = page_request(limit, cursor)
        async with self._units.read() as tx:
            return await fetch_page(tx, user_domains(user_id, include_inactive, page), Domain, page)

    async def deactivate(self, domain_id: uuid.UUID | str) -> Domain:
        """Stop monitoring; the domain, its scans and reports stay (and still count)."""
        domain_id = check.row_id(domain_id, "domain_id")
        async with self._units.write() as tx:
            await fetch_one(tx, by_id(domains, domain_id, lock=True), Domain, f"domain {domain_id}")
            await tx.execute(
                update(domains).where(domains.c.id == domain_id).values(is_active=False)
            )
            return await fetch_one(tx, by_id(domains, domain_id), Domain, f"domain {domain_id}")

    async def remove(self, domain_id: uuid.UUID | str) -> None:
        """Delete the domain with its scans, modules and reports."""
        domain_id = check.row_id(domain_id, "domain_id")
        async with self._units.write() as tx:
            await fetch_one(tx, by_id(domains, domain_id, lock=True), Domain, f"domain {domain_id}")
            await tx.execute(delete(domains).where(domains.c.id == domain_id))

    async def dashboard(self, user_id: str) -> Dashboard:
        user_id = check.user_id(user_id)
        async with self._units.read() as tx:
            row = (await tx.run(_DASHBOARD, {"user_id": user_id})).rows[0]
        scored, total = int(row["scored"]), int(row["score_sum"])
        # Half up, in integers: the same answer on every backend.
        average = (2 * total + scored) // (2 * scored) if scored else None
        return Dashboard(
            total_domains=int(row["total_domains"]),
            avg_score=average,
            critical_issues=int(row["critical_issues"]),
            last_scan_at=row["last_scan_at"],
        )
