"""Rows an example starts from (made with valid input), and the values the oracle expects
back for them. Setup that fails is a broken test, so it raises."""

from __future__ import annotations

from typing import Any

import datasdk
from differential.oracle import NOW
from differential.runner import fresh
from differential.values import CONTENT_HASH


def user_value(uid: str, email: str | None, **fields: Any) -> dict[str, Any]:
    """A user as read back, made from these fields and the schema's defaults."""
    value: dict[str, Any] = {
        "id": uid,
        "email": email,
        "name": None,
        "password_hash": None,
        "email_verified_at": None,
        "provider": None,
        "provider_id": None,
        "trial_ends_at": NOW,
        "stripe_customer_id": None,
        "stripe_subscription_id": None,
        "stripe_price_id": None,
        "subscription_status": "trialing",
        "subscription_ends_at": None,
        "notification_preferences": {},
        "unsubscribe_token": None,
        "onboarding_progress": {},
        "metadata": None,
        "created_at": NOW,
        "updated_at": NOW,
    }
    value.update({k: v for k, v in fields.items() if v is not None})
    return value


async def user(db: datasdk.Database, *, wallet: bool = False, credits: int = 0) -> str:
    uid = fresh("du")
    await db.users.create(datasdk.NewUser(id=uid, email=f"{uid}@example.com"))
    if wallet or credits:
        await db.wallets.open(uid)
    if credits:
        await db.wallets.credit(uid, credits, kind="grant", idempotency_key=fresh("seed"))
    return uid


def wallet_value(uid: str, balance: int) -> dict[str, Any]:
    return {
        "id": "<wallet>",
        "user_id": uid,
        "credit_balance": balance,
        "created_at": NOW,
        "updated_at": NOW,
    }


async def job(db: datasdk.Database, uid: str | None = None, *, path: str = "") -> datasdk.ScanJob:
    return await db.scan_jobs.enqueue(uid, f"https://example.com/{path or fresh('j')}")


def job_value(job: datasdk.ScanJob, state: str, version: int) -> dict[str, Any]:
    return {
        "id": "<job>",
        "user_id": job.user_id,
        "url": job.url,
        "state": state,
        "version": version,
        "created_at": NOW,
        "updated_at": NOW,
    }


async def job_at(db: datasdk.Database, path: list[str]) -> datasdk.ScanJob:
    """A new job moved along `path` (legal moves) from QUEUED."""
    current = await job(db)
    for state in path:
        current = await db.scan_jobs.transition(current.id, state, expected_version=current.version)
    return current


def result_fields() -> dict[str, Any]:
    return {"risk_score": 5, "content_hash": CONTENT_HASH}


async def domain(db: datasdk.Database, uid: str | None = None) -> datasdk.Domain:
    owner = uid or await user(db)
    new = datasdk.NewDomain(url=f"https://{fresh('d')}.example.com", display_name="d")
    return await db.domains.add(owner, new)


async def scan(db: datasdk.Database, path: list[str] | None = None) -> datasdk.Scan:
    """A new scan of a new domain, moved along `path` ("running", "failed")."""
    started = await db.scans.start((await domain(db)).id)
    for status in path or []:
        if status == "running":
            started = await db.scans.mark_running(started.id)
        elif status == "failed":
            started = await db.scans.fail(started.id, "failed")
        elif status == "completed":
            started = await db.scans.complete(started.id, datasdk.ScanOutcome(total_score=50))
    return started
