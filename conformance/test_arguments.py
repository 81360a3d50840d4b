"""Every public repository method checks its arguments before any SQL, the same way on
every backend: wrong input is a ValidationError naming the argument, and no statement
is sent. Valid values at the edges of each range are taken, with the same outcome."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from api_support import HASH, new_user, statements_sent

import datasdk
from datasdk.validation.arguments import INT4_MAX, MAX_AGE, MAX_DAYS

Call = Callable[[datasdk.Database, Any], Awaitable[object]]
ID = uuid.UUID("0190f0a0-0000-7000-8000-000000000001")
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# Values each kind of argument refuses.
NOT_USER_IDS = [
    0,
    7,
    uuid.uuid4(),
    Decimal(1),
    1.5,
    True,
    b"user_a",
    "",
    "x" * 256,
    "a\nb",
    "\x00",
    "\ud800",
    None,
]
NOT_ROW_IDS = [
    0,
    ID.int,
    Decimal(1),
    1.5,
    True,
    ID.bytes,
    "not-a-uuid",
    "",
    "{" + str(ID) + "}",
    "urn:uuid:" + str(ID),
    ID.hex,
    str(ID) + "0",
    [str(ID)],
    None,
]
# Where None means "no user" or "no job".
OPTIONAL_USER_IDS = [x for x in NOT_USER_IDS if x is not None]
OPTIONAL_ROW_IDS = [x for x in NOT_ROW_IDS if x is not None]
NOT_VERSIONS = [1.5, 1.9, 1.0, Decimal("1.5"), Decimal(1), True, False, "1", None, 0, -1, 2**31]
NOT_LIMITS = [0, -1, 1001, 10**20, 1.0, 2.5, Decimal(5), True, "5", None]
NOT_DAYS = [0, -1, MAX_DAYS + 1, 10**8, 10**30, 1.5, Decimal(30), True, "30", None]
NOT_AMOUNTS = [0, -1, 2**53 + 1, 2**63, 1.5, Decimal(1), True, "1", None]
NOT_AGES = [
    timedelta(0),
    timedelta(seconds=-1),
    MAX_AGE + timedelta(microseconds=1),
    timedelta.max,
    5,
    3600.0,
    "1h",
    None,
]
NOT_DATETIMES = [
    "2020-01-01T00:00:00+00:00",
    0,
    1.5,
    date(2020, 1, 1),
    datetime(2020, 1, 1),
    datetime.min.replace(tzinfo=timezone(timedelta(hours=5))),
    datetime.max.replace(tzinfo=timezone(timedelta(hours=-5))),
]
NOT_CURSORS = [
    "",
    "garbage!",
    "x" * 10_000,
    5,
    b"cursor",
    _b64("[" * 5_000),
    _b64('["a","b"]'),
    _b64("[1,2]"),
    _b64('"ab"'),
    _b64("{}"),
    _b64(f'["2030-01-01T00:00:00","{ID}"]'),
    _b64(f'["0001-01-01T00:00:00+05:00","{ID}"]'),
    _b64('["2030-01-01T00:00:00+00:00",7]'),
    base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
    "é" * 10,
]
NOT_BOOLS = [1, 0, "true", None, 1.0]
NOT_STATES = ["BOGUS", "fetching", 1, None, True, datasdk.ScanStatus.RUNNING]
NOT_KINDS = ["bogus", 5, None]
NOT_KEYS = ["", "x" * 256, "a\nb", 5, None, b"key", "k\udfff"]
NOT_TEXT = ["", "x" * 10_001, 5, None, b"failed", "failed \ud800", "failed\x00"]


def _outcome() -> datasdk.ScanOutcome:
    return datasdk.ScanOutcome(total_score=90)


def _result() -> datasdk.NewScanResult:
    return datasdk.NewScanResult(risk_score=1, content_hash=HASH)


def _entry() -> datasdk.NewAuditEntry:
    return datasdk.NewAuditEntry(url_accessed="https://a.example/", content_hash=HASH)


def _domain() -> datasdk.NewDomain:
    return datasdk.NewDomain(url="https://d.example.com", display_name="d")


def _report() -> datasdk.NewReport:
    return datasdk.NewReport(filename="r.pdf", s3_path="s3://b/r")


# (method, argument, a call that passes the bad value as that argument, bad values)
CASES: list[tuple[str, str, Call, list[Any]]] = [
    # users
    ("users.get", "user_id", lambda db, v: db.users.get(v), NOT_USER_IDS),
    ("users.delete", "user_id", lambda db, v: db.users.delete(v), NOT_USER_IDS),
    ("users.get_by_email", "email", lambda db, v: db.users.get_by_email(v), [None, 5, b"a@b.io"]),
    ("users.create", "user", lambda db, v: db.users.create(v), [None, {"id": "u"}, "u"]),
    # wallets
    ("wallets.open", "user_id", lambda db, v: db.wallets.open(v), NOT_USER_IDS),
    ("wallets.get", "user_id", lambda db, v: db.wallets.get(v), NOT_USER_IDS),
    ("wallets.history", "user_id", lambda db, v: db.wallets.history(v), NOT_USER_IDS),
    ("wallets.history", "limit", lambda db, v: db.wallets.history("u", limit=v), NOT_LIMITS),
    ("wallets.history", "cursor", lambda db, v: db.wallets.history("u", cursor=v), NOT_CURSORS),
    (
        "wallets.credit",
        "user_id",
        lambda db, v: db.wallets.credit(v, 1, idempotency_key="k"),
        NOT_USER_IDS,
    ),
    (
        "wallets.credit",
        "amount",
        lambda db, v: db.wallets.credit("u", v, idempotency_key="k"),
        NOT_AMOUNTS,
    ),
    (
        "wallets.credit",
        "kind",
        lambda db, v: db.wallets.credit("u", 1, kind=v, idempotency_key="k"),
        [*NOT_KINDS, "scan_charge"],
    ),
    (
        "wallets.credit",
        "idempotency_key",
        lambda db, v: db.wallets.credit("u", 1, idempotency_key=v),
        NOT_KEYS,
    ),
    (
        "wallets.credit",
        "scan_job_id",
        lambda db, v: db.wallets.credit("u", 1, idempotency_key="k", scan_job_id=v),
        OPTIONAL_ROW_IDS,
    ),
    (
        "wallets.debit",
        "user_id",
        lambda db, v: db.wallets.debit(v, 1, idempotency_key="k"),
        NOT_USER_IDS,
    ),
    (
        "wallets.debit",
        "amount",
        lambda db, v: db.wallets.debit("u", v, idempotency_key="k"),
        NOT_AMOUNTS,
    ),
    (
        "wallets.debit",
        "kind",
        lambda db, v: db.wallets.debit("u", 1, kind=v, idempotency_key="k"),
        [*NOT_KINDS, "purchase"],
    ),
    (
        "wallets.debit",
        "idempotency_key",
        lambda db, v: db.wallets.debit("u", 1, idempotency_key=v),
        NOT_KEYS,
    ),
    (
        "wallets.debit",
        "scan_job_id",
        lambda db, v: db.wallets.debit("u", 1, idempotency_key="k", scan_job_id=v),
        OPTIONAL_ROW_IDS,
    ),
    # scan_jobs
    (
        "scan_jobs.enqueue",
        "user_id",
        lambda db, v: db.scan_jobs.enqueue(v, "https://e.example/"),
        OPTIONAL_USER_IDS,
    ),
    ("scan_jobs.enqueue", "url", lambda db, v: db.scan_jobs.enqueue(None, v), [None, 5, b"x"]),
    ("scan_jobs.get", "job_id", lambda db, v: db.scan_jobs.get(v), NOT_ROW_IDS),
    (
        "scan_jobs.transition",
        "job_id",
        lambda db, v: db.scan_jobs.transition(v, "FETCHING", expected_version=1),
        NOT_ROW_IDS,
    ),
    (
        "scan_jobs.transition",
        "state",
        lambda db, v: db.scan_jobs.transition(ID, v, expected_version=1),
        NOT_STATES,
    ),
    (
        "scan_jobs.transition",
        "expected_version",
        lambda db, v: db.scan_jobs.transition(ID, "FETCHING", expected_version=v),
        NOT_VERSIONS,
    ),
    (
        "scan_jobs.transition_many",
        "job_id",
        lambda db, v: db.scan_jobs.transition_many([(v, 1, "FETCHING")]),
        NOT_ROW_IDS,
    ),
    (
        "scan_jobs.transition_many",
        "expected_version",
        lambda db, v: db.scan_jobs.transition_many([(ID, v, "FETCHING")]),
        NOT_VERSIONS,
    ),
    (
        "scan_jobs.transition_many",
        "state",
        lambda db, v: db.scan_jobs.transition_many([(ID, 1, v)]),
        NOT_STATES,
    ),
    (
        "scan_jobs.transition_many",
        "moves",
        lambda db, v: db.scan_jobs.transition_many(v),
        [None, "moves", {ID: 1}, [(ID, 1)], [ID], [(ID, 1, "FETCHING")] * 2],
    ),
    (
        "scan_jobs.complete_many",
        "expected_version",
        lambda db, v: db.scan_jobs.complete_many([(ID, v, _result())]),
        NOT_VERSIONS,
    ),
    (
        "scan_jobs.complete_many",
        "job_id",
        lambda db, v: db.scan_jobs.complete_many([(v, 1, _result())]),
        NOT_ROW_IDS,
    ),
    (
        "scan_jobs.complete_many",
        "completions",
        lambda db, v: db.scan_jobs.complete_many(v),
        [None, [(ID, 1, {"risk_score": 1})], [(ID, 1)]],
    ),
    ("scan_jobs.claim_batch", "n", lambda db, v: db.scan_jobs.claim_batch(v), NOT_LIMITS),
    (
        "scan_jobs.time_out_stale",
        "older_than",
        lambda db, v: db.scan_jobs.time_out_stale(older_than=v),
        NOT_AGES,
    ),
    (
        "scan_jobs.list_for_user",
        "user_id",
        lambda db, v: db.scan_jobs.list_for_user(v),
        NOT_USER_IDS,
    ),
    (
        "scan_jobs.list_for_user",
        "limit",
        lambda db, v: db.scan_jobs.list_for_user("u", limit=v),
        NOT_LIMITS,
    ),
    (
        "scan_jobs.list_for_user",
        "cursor",
        lambda db, v: db.scan_jobs.list_for_user("u", cursor=v),
        NOT_CURSORS,
    ),
    # scan_results, audit_logs
    (
        "scan_results.record",
        "job_id",
        lambda db, v: db.scan_results.record(v, _result()),
        NOT_ROW_IDS,
    ),
    (
        "scan_results.record",
        "result",
        lambda db, v: db.scan_results.record(ID, v),
        [None, {"risk_score": 1, "content_hash": HASH}, _entry()],
    ),
    ("scan_results.get", "job_id", lambda db, v: db.scan_results.get(v), NOT_ROW_IDS),
    ("audit_logs.append", "job_id", lambda db, v: db.audit_logs.append(v, _entry()), NOT_ROW_IDS),
    (
        "audit_logs.append",
        "entry",
        lambda db, v: db.audit_logs.append(ID, v),
        [None, {"url_accessed": "https://a.example/"}, _result()],
    ),
    (
        "audit_logs.list_for_job",
        "job_id",
        lambda db, v: db.audit_logs.list_for_job(v),
        NOT_ROW_IDS,
    ),
    (
        "audit_logs.list_for_job",
        "limit",
        lambda db, v: db.audit_logs.list_for_job(ID, limit=v),
        NOT_LIMITS,
    ),
    (
        "audit_logs.list_for_job",
        "cursor",
        lambda db, v: db.audit_logs.list_for_job(ID, cursor=v),
        NOT_CURSORS,
    ),
    # domains
    ("domains.add", "user_id", lambda db, v: db.domains.add(v, _domain()), NOT_USER_IDS),
    (
        "domains.add",
        "domain",
        lambda db, v: db.domains.add("u", v),
        [None, {"url": "https://d.example.com", "display_name": "d"}],
    ),
    ("domains.get", "domain_id", lambda db, v: db.domains.get(v), NOT_ROW_IDS),
    (
        "domains.list_for_user",
        "user_id",
        lambda db, v: db.domains.list_for_user(v),
        NOT_USER_IDS,
    ),
    (
        "domains.list_for_user",
        "include_inactive",
        lambda db, v: db.domains.list_for_user("u", include_inactive=v),
        NOT_BOOLS,
    ),
    (
        "domains.list_for_user",
        "limit",
        lambda db, v: db.domains.list_for_user("u", limit=v),
        NOT_LIMITS,
    ),
    (
        "domains.list_for_user",
        "cursor",
        lambda db, v: db.domains.list_for_user("u", cursor=v),
        NOT_CURSORS,
    ),
    ("domains.deactivate", "domain_id", lambda db, v: db.domains.deactivate(v), NOT_ROW_IDS),
    ("domains.remove", "domain_id", lambda db, v: db.domains.remove(v), NOT_ROW_IDS),
    ("domains.dashboard", "user_id", lambda db, v: db.domains.dashboard(v), NOT_USER_IDS),
    # scans, scan_modules
    ("scans.start", "domain_id", lambda db, v: db.scans.start(v), NOT_ROW_IDS),
    ("scans.get", "scan_id", lambda db, v: db.scans.get(v), NOT_ROW_IDS),
    (
        "scans.list_for_domain",
        "domain_id",
        lambda db, v: db.scans.list_for_domain(v),
        NOT_ROW_IDS,
    ),
    (
        "scans.list_for_domain",
        "limit",
        lambda db, v: db.scans.list_for_domain(ID, limit=v),
        NOT_LIMITS,
    ),
    (
        "scans.list_for_domain",
        "cursor",
        lambda db, v: db.scans.list_for_domain(ID, cursor=v),
        NOT_CURSORS,
    ),
    ("scans.mark_running", "scan_id", lambda db, v: db.scans.mark_running(v), NOT_ROW_IDS),
    ("scans.complete", "scan_id", lambda db, v: db.scans.complete(v, _outcome()), NOT_ROW_IDS),
    (
        "scans.complete",
        "outcome",
        lambda db, v: db.scans.complete(ID, v),
        [None, {"total_score": 90}],
    ),
    ("scans.fail", "scan_id", lambda db, v: db.scans.fail(v, "failed"), NOT_ROW_IDS),
    ("scans.fail", "error_message", lambda db, v: db.scans.fail(ID, v), NOT_TEXT),
    (
        "scans.purge_older_than",
        "days",
        lambda db, v: db.scans.purge_older_than(days=v),
        NOT_DAYS,
    ),
    (
        "scan_modules.list_for_scan",
        "scan_id",
        lambda db, v: db.scan_modules.list_for_scan(v),
        NOT_ROW_IDS,
    ),
    (
        "scan_modules.list_for_scan",
        "limit",
        lambda db, v: db.scan_modules.list_for_scan(ID, limit=v),
        NOT_LIMITS,
    ),
    (
        "scan_modules.list_for_scan",
        "cursor",
        lambda db, v: db.scan_modules.list_for_scan(ID, cursor=v),
        NOT_CURSORS,
    ),
    # reports, error_logs
    ("reports.create", "scan_id", lambda db, v: db.reports.create(v, _report()), NOT_ROW_IDS),
    (
        "reports.create",
        "report",
        lambda db, v: db.reports.create(ID, v),
        [None, {"filename": "r.pdf", "s3_path": "s3://b/r"}],
    ),
    (
        "reports.list_for_user",
        "user_id",
        lambda db, v: db.reports.list_for_user(v),
        NOT_USER_IDS,
    ),
    (
        "reports.list_for_user",
        "limit",
        lambda db, v: db.reports.list_for_user("u", limit=v),
        NOT_LIMITS,
    ),
    (
        "reports.list_for_user",
        "cursor",
        lambda db, v: db.reports.list_for_user("u", cursor=v),
        NOT_CURSORS,
    ),
    (
        "reports.purge_older_than",
        "days",
        lambda db, v: db.reports.purge_older_than(days=v),
        NOT_DAYS,
    ),
    (
        "error_logs.log",
        "entry",
        lambda db, v: db.error_logs.log(v),
        [None, {"type": "client_error", "severity": "info", "message": "m"}],
    ),
    ("error_logs.query", "type", lambda db, v: db.error_logs.query(type=v), ["bogus", 5, True]),
    (
        "error_logs.query",
        "severity",
        lambda db, v: db.error_logs.query(severity=v),
        ["bogus", 5, True],
    ),
    (
        "error_logs.query",
        "user_id",
        lambda db, v: db.error_logs.query(user_id=v),
        OPTIONAL_USER_IDS,
    ),
    ("error_logs.query", "since", lambda db, v: db.error_logs.query(since=v), NOT_DATETIMES),
    ("error_logs.query", "limit", lambda db, v: db.error_logs.query(limit=v), NOT_LIMITS),
    ("error_logs.query", "cursor", lambda db, v: db.error_logs.query(cursor=v), NOT_CURSORS),
]


def _cases() -> list[Any]:
    return [
        pytest.param(call, argument, values, id=f"{method}-{argument}")
        for method, argument, call, values in CASES
    ]


async def _outcome_of(db: datasdk.Database, call: Call, argument: str, value: Any) -> str | None:
    """None when `value` was refused as it must be; otherwise what happened instead."""
    with statements_sent(db) as sent:
        try:
            await call(db, value)
        except datasdk.ValidationError as exc:
            if type(exc) is not datasdk.ValidationError:
                return f"{type(exc).__name__} (a subclass)"
            if sent:
                return f"refused after SQL: {sent}"
            return None if exc.field == argument else f"names {exc.field!r}"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
    return "accepted"


@pytest.mark.parametrize(("call", "argument", "values"), _cases())
async def test_bad_arguments_are_refused_before_any_sql(
    database: datasdk.Database, call: Call, argument: str, values: list[Any]
) -> None:
    """One test per (method, argument); every bad value is tried, every miss reported."""
    wrong = {}
    for value in values:
        outcome = await _outcome_of(database, call, argument, value)
        if outcome is not None:
            wrong[_short(value)] = outcome
    assert wrong == {}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def test_every_public_method_is_covered() -> None:
    """Each repository method with an argument has a row above."""
    from datasdk.repositories import protocols

    covered = {method for method, *_ in CASES}
    missing = []
    for name, repository in vars(protocols).items():
        if not name.endswith("Repository"):
            continue
        prefix = name.removesuffix("Repository")
        attr = "".join("_" + c.lower() if c.isupper() else c for c in prefix).lstrip("_")
        for method in vars(repository):
            if method.startswith("_") or method == "claim_next":
                continue
            if f"{attr}.{method}" not in covered:
                missing.append(f"{attr}.{method}")
    assert missing == []


# The reproductions of issue 13.


@pytest.mark.parametrize("version", [1.5, 1.9, Decimal("1.5"), Decimal(1), True, 1.0])
async def test_a_non_integer_version_never_moves_a_job(
    database: datasdk.Database, version: object
) -> None:
    job = await database.scan_jobs.enqueue(None, "https://v.example/")
    with pytest.raises(datasdk.ValidationError) as one:
        await database.scan_jobs.transition(job.id, "FETCHING", expected_version=version)  # type: ignore[arg-type]
    with pytest.raises(datasdk.ValidationError) as many:
        await database.scan_jobs.transition_many([(job.id, version, "FETCHING")])  # type: ignore[list-item]
    assert one.value.field == many.value.field == "expected_version"
    assert (await database.scan_jobs.get(job.id)).version == 1


async def test_users_delete_of_a_non_string_is_refused(database: datasdk.Database) -> None:
    user = await new_user(database)
    for value in (0, uuid.uuid4(), Decimal(1)):
        with pytest.raises(datasdk.ValidationError):
            await database.users.delete(value)  # type: ignore[arg-type]
        with pytest.raises(datasdk.ValidationError):
            await database.users.get(value)  # type: ignore[arg-type]
    assert (await database.users.get(user.id)).id == user.id


async def test_the_largest_file_size_is_stored_and_read_back(database: datasdk.Database) -> None:
    user = await new_user(database)
    domain = await database.domains.add(user.id, _domain())
    scan = await database.scans.start(domain.id)
    report = datasdk.NewReport(filename="r.pdf", s3_path="s3://b/r", file_size=2**63 - 1)
    created = await database.reports.create(scan.id, report)
    listed = (await database.reports.list_for_user(user.id)).items
    assert created.file_size == listed[0].file_size == 2**63 - 1
    with pytest.raises(datasdk.ValidationError) as caught:
        datasdk.NewReport(filename="r.pdf", s3_path="s3://b/r", file_size=2**63)
    assert caught.value.field == "file_size"


@pytest.mark.parametrize("bad", ["A\x00", "\ud800"])
async def test_unstorable_text_is_refused_before_an_illegal_move_is_seen(
    database: datasdk.Database, bad: str
) -> None:
    """NUL and lone surrogates are wrong input, refused before any SQL: a call that
    would also be an illegal move is a ValidationError, never InvalidStateTransition."""
    user = await new_user(database)
    domain = await database.domains.add(user.id, _domain())
    scan = await database.scans.start(domain.id)
    await database.scans.mark_running(scan.id)
    await database.scans.complete(scan.id, datasdk.ScanOutcome(total_score=90))
    # Completed: a second complete, or a fail, is an illegal move.
    with statements_sent(database) as sent:
        with pytest.raises(datasdk.ValidationError) as caught:
            await database.scans.fail(scan.id, f"failed {bad}")
        assert caught.value.field == "error_message"
        with pytest.raises(datasdk.ValidationError) as built:
            datasdk.ScanOutcome(total_score=90, grade=bad)
        assert built.value.field == "grade"
        with pytest.raises(datasdk.ValidationError) as nested:
            datasdk.ScanOutcome(total_score=90, weights_used={"w": bad})
        assert nested.value.field == "weights_used"
    assert sent == []
    with pytest.raises(datasdk.InvalidStateTransition):
        await database.scans.fail(scan.id, "failed")


@pytest.mark.parametrize("since", ["2020-01-01", 0, date(2020, 1, 1)])
async def test_error_logs_since_must_be_a_datetime(
    database: datasdk.Database, since: object
) -> None:
    with pytest.raises(datasdk.ValidationError) as caught:
        await database.error_logs.query(since=since)  # type: ignore[arg-type]
    assert caught.value.field == "since"


# Values at the edges of each range: taken, with the same outcome on every backend.


async def test_the_edges_of_each_range_are_taken(database: datasdk.Database) -> None:
    user = await new_user(database, credits=2**53)
    job = await database.scan_jobs.enqueue(user.id, "https://edge.example/")
    assert (await database.scan_jobs.get(str(job.id).upper())).id == job.id
    with pytest.raises(datasdk.StaleVersionError):
        await database.scan_jobs.transition(job.id, "FETCHING", expected_version=INT4_MAX)
    batch = await database.scan_jobs.transition_many([(job.id, INT4_MAX, "FETCHING")])
    assert [r.reason for r in batch.refused] == [datasdk.RefusalReason.STALE_VERSION]
    assert await database.scans.purge_older_than(days=MAX_DAYS) == 0
    assert await database.reports.purge_older_than(days=MAX_DAYS) == 0
    assert await database.scan_jobs.time_out_stale(older_than=MAX_AGE) == []
    assert await database.scan_jobs.claim_batch(1000) != []
    with pytest.raises(datasdk.NotFoundError):
        await database.users.get("x" * 255)
    moved = await database.wallets.debit(user.id, 2**53, idempotency_key="all")
    assert moved.amount == -(2**53)
    since = NOW.astimezone(timezone(timedelta(hours=-5)))
    assert len((await database.error_logs.query(since=since, limit=1000)).items) == 0
    page = await database.domains.list_for_user(user.id, include_inactive=True, limit=1)
    assert page.items == []
