"""The markdown report (docs/performance.md): every figure beside its target."""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

from benchmarks.raw import DRIVERS
from benchmarks.runner import Comparison, Growth, Settings
from benchmarks.stats import Spread

# The targets.
RATIO_TARGET = {"postgres": 1.3, "sqlite": 1.5, "libsql": 1.5}
GROWTH_TARGET = 1.5
DASHBOARD_P95_MS = 2.0
QUEUE_TARGET = 1.0
_PACKAGES = ("datasdk", "sqlalchemy", "asyncpg", "aiosqlite", "libsql-client", "pgqueuer")


@dataclass
class Results:
    comparisons: list[Comparison] = field(default_factory=list)
    growth: list[Growth] = field(default_factory=list)
    queue: dict[str, Spread] | None = None
    lag: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    postgres: dict[str, str] = field(default_factory=dict)
    load: list[tuple[float, float, float]] = field(default_factory=list)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    seconds: float = 0.0


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _ratio(spread: Spread) -> str:
    return spread.fmt(2, "x")


def _us(values: list[float]) -> str:
    return Spread.of([v * 1e6 for v in values]).fmt(0)


def _package(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine(results: Results) -> list[str]:
    load = ", ".join("/".join(f"{x:.1f}" for x in sample) for sample in results.load)
    pg = results.postgres.get("server_version", "not run")
    return [
        f"- Machine: `{' '.join(platform.uname()).strip()}`, {os.cpu_count()} CPUs;"
        f" load average (1/5/15 min) at start and end: {load or 'n/a'}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, PostgreSQL {pg}",
        "- Packages: " + ", ".join(f"{name} {_package(name)}" for name in _PACKAGES),
        f"- Run: {results.started:%Y-%m-%d %H:%M} UTC, {results.seconds / 60:.1f} minutes,"
        f" `{' '.join(['python -m benchmarks', *sys.argv[1:]])}`",
    ]


def settings_lines(settings: Settings, results: Results) -> list[str]:
    pg = results.postgres
    durability = (
        ", ".join(f"{k}={pg[k]}" for k in ("fsync", "synchronous_commit", "full_page_writes"))
        if pg
        else "n/a"
    )
    return [
        f"- {settings.rounds} rounds; blocks of at most {settings.ops} calls or"
        f" {settings.block_seconds:g} s; callers: {', '.join(map(str, settings.callers))}",
        f"- Datasets: small {settings.small_rows:,} scan jobs + {settings.small_rows:,} ledger"
        f" rows in the debited wallet + {settings.small_rows // 10:,} users x 10 domains;"
        f" large {settings.large_rows:,} + {settings.large_rows:,} +"
        f" {settings.dashboard_users:,} users x 10 domains",
        f"- PostgreSQL 15 throwaway server (conformance/harness/postgres.py): {durability}"
        " — commits do not wait for the disk, on both sides of every comparison",
        "- SQLite and libSQL: WAL, synchronous=NORMAL, busy_timeout 5 s (the SDK's pragmas,"
        " repeated on the raw connections)",
        f"- Queue drain: {settings.queue_jobs:,} no-op jobs, {settings.queue_consumers}"
        f" consumers, batch {settings.queue_batch}; pgqueuer installed with its default"
        " durability (`durable`: every table logged)",
    ]


# Wall SDK/raw (median) of the run before hot statements went straight to the driver
# (2026-12-01 03:54 UTC, commit 4b65202: every statement through SQLAlchemy's execution),
# against the backend's first raw driver; kept for the before/after the issue asks for.
BEFORE_DIRECT: dict[tuple[str, str, int], float] = {
    ("sqlite", "enqueue", 1): 2.40,
    ("sqlite", "enqueue", 8): 2.49,
    ("sqlite", "debit", 1): 2.63,
    ("sqlite", "debit", 8): 2.11,
    ("sqlite", "claim_next", 1): 5.30,
    ("sqlite", "claim_next", 8): 3.98,
    ("sqlite", "claim_batch(10)", 1): 3.22,
    ("sqlite", "claim_batch(10)", 8): 2.26,
    ("sqlite", "transition", 1): 4.74,
    ("sqlite", "transition", 8): 4.09,
    ("sqlite", "get", 1): 3.37,
    ("sqlite", "get", 8): 2.92,
    ("sqlite", "dashboard", 1): 3.06,
    ("sqlite", "dashboard", 8): 2.57,
    ("libsql", "enqueue", 1): 3.91,
    ("libsql", "enqueue", 8): 2.37,
    ("libsql", "debit", 1): 3.21,
    ("libsql", "debit", 8): 2.71,
    ("libsql", "claim_next", 1): 8.45,
    ("libsql", "claim_next", 8): 7.10,
    ("libsql", "claim_batch(10)", 1): 3.41,
    ("libsql", "claim_batch(10)", 8): 2.95,
    ("libsql", "transition", 1): 6.58,
    ("libsql", "transition", 8): 5.31,
    ("libsql", "get", 1): 10.95,
    ("libsql", "get", 8): 10.48,
    ("libsql", "dashboard", 1): 7.99,
    ("libsql", "dashboard", 8): 7.42,
    ("postgres", "enqueue", 1): 2.68,
    ("postgres", "enqueue", 8): 3.36,
    ("postgres", "debit", 1): 2.51,
    ("postgres", "debit", 8): 1.50,
    ("postgres", "claim_next", 1): 2.86,
    ("postgres", "claim_next", 8): 3.43,
    ("postgres", "claim_batch(10)", 1): 2.44,
    ("postgres", "claim_batch(10)", 8): 2.46,
    ("postgres", "transition", 1): 4.80,
    ("postgres", "transition", 8): 6.52,
    ("postgres", "get", 1): 3.43,
    ("postgres", "get", 8): 7.21,
    ("postgres", "dashboard", 1): 3.17,
    ("postgres", "dashboard", 8): 5.67,
}
BEFORE_DIRECT_QUEUE = 0.32  # datasdk/pgqueuer, the same run (transition_many per call-built)


def comparison_table(results: Results) -> list[str]:
    lines = [
        "| backend | operation | callers | raw driver | SDK µs/op | raw µs/op | wall SDK/raw"
        " | CPU SDK/raw | target | | before |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in results.comparisons:
        target = RATIO_TARGET[c.backend]
        wall, cpu = c.ratio("wall"), c.ratio("cpu")
        first = c.driver == DRIVERS[c.backend][0].name
        before = BEFORE_DIRECT.get((c.backend, c.op, c.callers)) if first else None
        lines.append(
            f"| {c.backend} | {c.op} | {c.callers} | {c.driver} | {_us(c.sdk_wall)}"
            f" | {_us(c.raw_wall)} | {_ratio(wall)} | {_ratio(cpu)} | ≤ {target}x"
            f" | {_mark(wall.median <= target)} | {f'{before:.2f}x' if before else ''} |"
        )
    return lines


def growth_table(results: Results, settings: Settings) -> list[str]:
    lines = [
        f"| backend | operation | µs/op at {settings.small_rows:,} | µs/op at"
        f" {settings.large_rows:,} | large/small | target | |",
        "|---|---|---|---|---|---|---|",
    ]
    for g in results.growth:
        ratio = g.ratio()
        lines.append(
            f"| {g.backend} | {g.op} | {_us(g.small)} | {_us(g.large)} | {_ratio(ratio)}"
            f" | ≤ {GROWTH_TARGET}x | {_mark(ratio.median <= GROWTH_TARGET)} |"
        )
    return lines


def dashboard_table(results: Results, settings: Settings) -> list[str]:
    lines = [
        "| backend | population | calls | p50 ms | p95 ms | target p95 | |",
        "|---|---|---|---|---|---|---|",
    ]
    for g in results.growth:
        if g.op != "dashboard":
            continue
        p50, p95 = g.latency(50) * 1e3, g.latency(95) * 1e3
        lines.append(
            f"| {g.backend} | {settings.dashboard_users:,} users x 10 domains"
            f" | {len(g.large_latencies)} | {p50:.2f} | {p95:.2f} | ≤ {DASHBOARD_P95_MS} ms"
            f" | {_mark(p95 <= DASHBOARD_P95_MS)} |"
        )
    return lines


def queue_table(results: Results) -> list[str]:
    q = results.queue
    if q is None:
        return ["Not run (needs the postgres backend)."]
    return [
        "| | jobs/s | target | |",
        "|---|---|---|---|",
        f"| datasdk (claim_batch + transition_many x 2) | {q['datasdk'].fmt(0)} | | |",
        f"| pgqueuer | {q['pgqueuer'].fmt(0)} | | |",
        f"| datasdk/pgqueuer | {_ratio(q['ratio'])} | ≥ {QUEUE_TARGET}x"
        f" | {_mark(q['ratio'].median >= QUEUE_TARGET)} |",
        "",
        f"Before the direct path (see *SDK against the raw driver*): {BEFORE_DIRECT_QUEUE:.2f}x.",
    ]


def lag_table(results: Results) -> list[str]:
    # The figure is the worst lateness per backend; no target was set for it.
    lines = [
        "| backend | SDK blocks: worst ms | SDK blocks: p99 ms | raw blocks: worst ms"
        " | raw blocks: p99 ms |",
        "|---|---|---|---|---|",
    ]
    for backend, lag in results.lag.items():
        cells = []
        for label in ("sdk", "raw"):
            worst, p99 = lag.get(label, (0.0, 0.0))
            cells += [f"{worst * 1e3:.1f}", f"{p99 * 1e3:.1f}"]
        lines.append(f"| {backend} | {' | '.join(cells)} |")
    return lines


NOTES = """\
## How it is measured

- Every figure is a ratio, or a figure beside its target, measured side by side in
  the same run: within each round the SDK block and the raw block(s) of the same
  operation run back to back (interleaved), and the figure is the median over rounds
  with the min-max spread in brackets. The machine's other load moves both sides.
- **Raw drivers** run the statement captured from the SDK (its statement listener)
  for that operation, with the same parameters (a new id where the SDK makes one).
  Every operation here is one statement that commits by itself, on both sides: no
  `BEGIN` or `COMMIT` around it. The raw side checks the rows it gets back as the SDK
  does. What it skips is the SDK: validation, the connection pool, type conversion
  of parameters and rows, models. (The SDK sends these statements straight to the
  driver, past SQLAlchemy's execution: docs/concurrency.md.)
- **CPU** is this process's CPU time (`time.process_time()`) per operation. On
  PostgreSQL the server is another process, so that is the client's CPU alone. On
  SQLite and libSQL the database engine runs inside the process (aiosqlite's thread,
  or the event loop's own thread for libsql-client and sqlite3), so it includes the
  engine's work.
- **Dashboard** is `domains.dashboard(user_id)`: the one aggregate over a user's
  active domains a dashboard page shows (count, average score, critical issues, last
  scan); p50/p95 are per call, one caller, on the large dataset.
- **Growth** runs each operation through the SDK, one caller, on the small and the
  large dataset in alternating blocks. For `debit`, all ledger rows are in the
  debited wallet. The datasets are loaded with COPY (PostgreSQL, through every
  trigger) or executemany in one transaction (SQLite; libSQL gets a copy of the
  file). On SQLite the ledger's two balance triggers are set aside while the wallet's
  ledger rows load and recreated from their stored text in the same transaction, with
  the balance set to the ledger's sum: through them each row re-sums the wallet's
  ledger, so loading N rows costs N²/2 row reads (every other rule runs on every row).
- **Claims on PostgreSQL** start each block from a vacuumed `scan_jobs` (untimed):
  every claim leaves a dead row version at the head of the queue's index, which the
  next claims walk past until (auto)vacuum clears it. Unvacuumed, a claim at the end
  of this run cost several times one at its start, on both sides alike. For the same
  reason both databases are vacuumed before the growth blocks: the small one has taken
  every comparison's writes by then, the large one none.
- **Queue drain**: datasdk consumers call `scan_jobs.claim_batch(batch)` and move the
  batch FETCHING → ANALYZING → COMPLETED with `transition_many` (one statement and
  one commit per step for the whole batch; the state machine has no shorter edge);
  pgqueuer's `QueueManager.run(mode=drain)` with a no-op
  entrypoint, which acknowledges jobs in buffered batches.
- **Event-loop lag**: how late a 1 ms `asyncio.sleep` ticker woke up while the timed
  blocks ran (worst, and the 99th percentile of all ticks). It counts whatever kept
  the loop from running: the SDK's work between awaits, SQLite on the loop's thread
  (libsql-client and sqlite3 run it there, so their raw blocks hold the loop by
  design), and, on a busy machine, the operating system running other processes; the
  worst figure is the most sensitive to that.
- The figures of a loaded machine (see the load average above) spread widely; compare
  medians of runs on the same machine, and rerun on a quiet one before reading much
  into a single ratio.
- **before** is the wall SDK/raw median of the run before the SDK sent its hot
  statements straight to the driver (2026-12-01, commit 4b65202), when each went
  through SQLAlchemy's execution (a Connection, its events, a cursor, a Result:
  120-250 µs of client CPU per statement). What changed: prepared statements
  compiled once per dialect and sent by the dialect in one driver call on a kept
  pool connection; rows to models without pydantic's per-field search; one prepared
  `transition_many` statement per batch size (docs/concurrency.md).
- Targets are for reading the table; nothing here is a timed test.

## Running

`nox -s bench` (about 6 minutes on a busy 2-core machine) rewrites this file;
`nox -s bench -- --quick` is a smoke run of about a minute, `-- --full` loads the
million-row large dataset, `-- --backends sqlite postgres` picks backends and
`-- --output PATH` writes elsewhere (`python -m benchmarks --help` in a venv with
`.[all]` and the `bench` dependency group).
"""


def render(results: Results, settings: Settings) -> str:
    parts = [
        "# Performance",
        "",
        "<!-- Written by `nox -s bench` (benchmarks/report.py); edit the generator. -->",
        "",
        "The latest run of the benchmarks (`nox -s bench`, outside the default run). A busy"
        " or shared machine moves the absolute numbers; the ratios are measured side by side.",
        "",
        *machine(results),
        "",
        "Settings:",
        "",
        *settings_lines(settings, results),
        "",
        "## SDK against the raw driver",
        "",
        *comparison_table(results),
        "",
        "## Queue drain against pgqueuer (PostgreSQL)",
        "",
        *queue_table(results),
        "",
        "## Growth",
        "",
        *growth_table(results, settings),
        "",
        "## Dashboard latency",
        "",
        *dashboard_table(results, settings),
        "",
        "## Event-loop lag",
        "",
        *lag_table(results),
        "",
        NOTES,
    ]
    return "\n".join(parts)
