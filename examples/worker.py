"""A scan worker: claims jobs, charges a credit, records results and audit entries.

    python examples/worker.py --seed 5        # enqueue 5 demo jobs first
    python examples/worker.py --until-idle    # stop when the queue is empty

Ctrl-C (SIGINT) or SIGTERM stops it cleanly: the job in hand is finished and
committed, then the worker exits. Set DATASDK_DATABASE_URL for libSQL or PostgreSQL.
The fetch is simulated so that the example runs without network access.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import signal
import uuid
from datetime import timedelta

import datasdk
from datasdk import JobState

SCAN_PRICE = 1


async def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    """Stand-in for an HTTP client: status, headers and body of `url`."""
    await asyncio.sleep(0.05)
    body = f"<html><title>{url}</title></html>".encode()
    headers = {"Content-Type": "text/html", "Server": "demo", "Set-Cookie": "sid=never-stored"}
    return 200, headers, body


async def process(db: datasdk.Database, job: datasdk.ScanJob) -> str:
    status, headers, body = await fetch(job.url)
    digest = hashlib.sha256(body).hexdigest()  # the page itself is never stored
    async with db.transaction() as tx:
        job = await tx.scan_jobs.transition(
            job.id, JobState.ANALYZING, expected_version=job.version
        )
        await tx.audit_logs.append(
            job.id,
            datasdk.NewAuditEntry(
                url_accessed=job.url,
                content_hash=digest,
                http_status=status,
                http_headers=headers,
                content_type=headers["Content-Type"],
                risk_assessment_summary={"verdict": "benign"},
            ),
        )
        await tx.scan_results.record(
            job.id,
            datasdk.NewScanResult(
                risk_score=len(body) % 100,
                content_hash=digest,
                http_status=status,
                http_headers=headers,
                categories=["demo"],
            ),
        )
        await tx.scan_jobs.transition(job.id, JobState.COMPLETED, expected_version=job.version)
    return "completed"


async def claim_and_charge(db: datasdk.Database) -> tuple[datasdk.ScanJob | None, bool]:
    """Claim the oldest job and charge its owner, in one unit: both happen or neither.

    Returns the job to process (if any) and whether the queue was empty.
    """
    async with db.transaction() as tx:
        job = await tx.scan_jobs.claim_next()
        if job is None:
            return None, True
        if job.user_id is None:
            return job, False
        try:
            await tx.wallets.debit(
                job.user_id, SCAN_PRICE, scan_job_id=job.id, idempotency_key=f"scan:{job.id}"
            )
        except datasdk.InsufficientCredits:
            # Raised before anything was written: the unit goes on and fails the job.
            await tx.scan_jobs.transition(job.id, JobState.FAILED, expected_version=job.version)
            print(f"job {job.id}: no credits left, failed", flush=True)
            return None, False
        return job, False


async def run(db: datasdk.Database, stop: asyncio.Event, until_idle: bool) -> int:
    done = 0
    while not stop.is_set():
        await db.scan_jobs.time_out_stale(older_than=timedelta(minutes=10))
        job, idle = await claim_and_charge(db)
        if job is None:
            if idle and until_idle:
                break
            if not idle:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.5)
            continue
        print(f"job {job.id}: claimed {job.url}", flush=True)
        print(f"job {job.id}: {await process(db, job)}", flush=True)
        done += 1
    return done


async def seed(db: datasdk.Database, jobs: int) -> None:
    user = await db.users.create(datasdk.NewUser(id=f"user_demo_{uuid.uuid4().hex[:8]}"))
    await db.wallets.open(user.id)
    await db.wallets.credit(user.id, jobs, kind="grant", idempotency_key=f"seed:{user.id}")
    for n in range(jobs):
        await db.scan_jobs.enqueue(user.id, f"https://example.com/page/{n}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="enqueue this many demo jobs first")
    parser.add_argument("--until-idle", action="store_true", help="exit when no job is queued")
    args = parser.parse_args()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    async with datasdk.connect() as db:
        await db.migrate()
        if args.seed:
            await seed(db, args.seed)
        print("worker ready", flush=True)
        done = await run(db, stop, args.until_idle)
    print(f"worker stopped cleanly after {done} job(s)", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
