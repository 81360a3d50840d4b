"""Valid rows for every table, written through plain SQL (SQLAlchemy Core), no repository."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

import datasdk
from datasdk.schema import metadata

_n = itertools.count(1)
HASH = "a" * 64


def valid_row(table: str, parents: dict[str, Any]) -> dict[str, Any]:
    """A row of `table` that every rule and constraint accepts, given its parents' ids."""
    n = next(_n)
    rows: dict[str, dict[str, Any]] = {
        "users": {"id": f"user_{n}", "email": f"u{n}@example.com", "unsubscribe_token": f"t{n}"},
        "wallets": {"id": uuid.uuid4(), "user_id": parents.get("user_id")},
        "scan_jobs": {
            "id": uuid.uuid4(),
            "user_id": parents.get("user_id"),
            "url": "https://example.com/",
        },
        "credit_transactions": {
            "id": uuid.uuid4(),
            "wallet_id": parents.get("wallet_id"),
            "amount": 10,
            "kind": "grant",
            "idempotency_key": f"key-{n}",
        },
        "scan_results": {
            "id": uuid.uuid4(),
            "job_id": parents.get("job_id"),
            "risk_score": 50,
            "content_hash": HASH,
        },
        "audit_logs": {
            "id": uuid.uuid4(),
            "scan_job_id": parents.get("job_id"),
            "url_accessed": "https://example.com/",
            "content_hash": HASH,
        },
        "domains": {
            "id": uuid.uuid4(),
            "user_id": parents.get("user_id"),
            "url": f"https://d{n}.example.com",
            "display_name": f"Domain {n}",
        },
        "scans": {
            "id": uuid.uuid4(),
            "domain_id": parents.get("domain_id"),
            "user_id": parents.get("user_id"),
        },
        "scan_modules": {
            "id": uuid.uuid4(),
            "scan_id": parents.get("scan_id"),
            "module": "ssl_tls",
            "status": "ok",
        },
        "reports": {
            "id": uuid.uuid4(),
            "scan_id": parents.get("scan_id"),
            "user_id": parents.get("user_id"),
            "filename": "report.pdf",
            "s3_path": "s3://bucket/report.pdf",
        },
        "error_logs": {
            "id": uuid.uuid4(),
            "type": "client_error",
            "severity": "info",
            "message": "m",
        },
    }
    return rows[table]


async def insert_row(db: datasdk.Database, table: str, row: dict[str, Any]) -> dict[str, Any]:
    await db.execute(insert(metadata.tables[table]).values(**row))
    return row


async def fetch(db: datasdk.Database, table: str, **where: Any) -> list[dict[str, Any]]:
    t = metadata.tables[table]
    stmt = select(t).where(*(t.c[k] == v for k, v in where.items()))
    return (await db.execute(stmt)).rows


async def set_columns(db: datasdk.Database, table: str, key: Any, **values: Any) -> int:
    """UPDATE one row as any well-behaved writer does: raising `version` where there is one."""
    t = metadata.tables[table]
    if "version" in t.c and "version" not in values:
        values["version"] = t.c.version + 1
    return (await db.execute(update(t).where(t.c.id == key).values(**values))).rowcount


@dataclass
class World:
    """One row of every table, wired together."""

    user_id: str
    wallet_id: uuid.UUID
    job_id: uuid.UUID
    domain_id: uuid.UUID
    scan_id: uuid.UUID

    @property
    def parents(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "wallet_id": self.wallet_id,
            "job_id": self.job_id,
            "domain_id": self.domain_id,
            "scan_id": self.scan_id,
        }


async def build_world(db: datasdk.Database) -> World:
    user = await insert_row(db, "users", valid_row("users", {}))
    parents: dict[str, Any] = {"user_id": user["id"]}
    parents["wallet_id"] = (await insert_row(db, "wallets", valid_row("wallets", parents)))["id"]
    parents["job_id"] = (await insert_row(db, "scan_jobs", valid_row("scan_jobs", parents)))["id"]
    parents["domain_id"] = (await insert_row(db, "domains", valid_row("domains", parents)))["id"]
    parents["scan_id"] = (await insert_row(db, "scans", valid_row("scans", parents)))["id"]
    return World(**parents)


async def fill_every_table(db: datasdk.Database) -> World:
    """A world plus one row in each remaining table."""
    world = await build_world(db)
    for table in (
        "credit_transactions",
        "scan_results",
        "audit_logs",
        "scan_modules",
        "reports",
        "error_logs",
    ):
        await insert_row(db, table, valid_row(table, world.parents))
    return world
