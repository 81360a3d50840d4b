"""Input models refuse bad input with datasdk's ValidationError, naming the field."""

from __future__ import annotations

import uuid

import pytest

import datasdk
from datasdk.ids import new_id
from datasdk.models._base import decode_cursor, encode_cursor

HASH = "c" * 64
BCRYPT = "$2b$12$abcdefghijklmnopqrstuuQ0fGkq0r7oQfQeQeQeQeQeQeQeQeQe"


@pytest.mark.parametrize(
    ("model", "fields", "field"),
    [
        (datasdk.NewUser, {"email": "not-an-email"}, "email"),
        (datasdk.NewUser, {"id": ""}, "id"),
        (datasdk.NewUser, {"name": "x" * 256}, "name"),
        (datasdk.NewUser, {"password_hash": "hunter2"}, "password_hash"),
        (datasdk.NewUser, {"subscription_status": "free"}, "subscription_status"),
        (datasdk.NewUser, {"unknown": 1}, "unknown"),
        (datasdk.NewScanResult, {"risk_score": -1, "content_hash": HASH}, "risk_score"),
        (datasdk.NewScanResult, {"risk_score": "50", "content_hash": HASH}, "risk_score"),
        (datasdk.NewScanResult, {"risk_score": 1, "content_hash": HASH.upper()}, "content_hash"),
        (datasdk.NewDomain, {"url": "http://example.com", "display_name": "x"}, "url"),
        (datasdk.NewDomain, {"url": "https://example.com", "display_name": ""}, "display_name"),
        (datasdk.NewScanModule, {"module": "ssh", "status": "ok"}, "module"),
        (datasdk.NewScanModule, {"module": "ssl_tls", "status": "ok", "score": 101}, "score"),
        (datasdk.NewReport, {"filename": "r", "s3_path": "p", "file_size": -1}, "file_size"),
        (datasdk.NewErrorLog, {"type": "x", "severity": "info", "message": "m"}, "type"),
        (
            datasdk.NewErrorLog,
            {"type": "client_error", "severity": "info", "message": "m", "ip": "300.1.1.1"},
            "ip",
        ),
    ],
)
def test_bad_input_names_the_field(
    model: type[datasdk.InputModel], fields: dict[str, object], field: str
) -> None:
    with pytest.raises(datasdk.ValidationError) as caught:
        model(**fields)
    assert caught.value.field == field
    assert caught.value.details[0]["field"] == field


def test_errors_never_echo_the_input() -> None:
    with pytest.raises(datasdk.ValidationError) as caught:
        datasdk.NewUser(password_hash="my-secret-password")
    assert "my-secret-password" not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_provider_fields_come_in_pairs() -> None:
    with pytest.raises(datasdk.ValidationError):
        datasdk.NewUser(provider="google")
    assert datasdk.NewUser(provider="google", provider_id="123").provider == "google"


def test_email_is_stored_ascii_lower_case() -> None:
    assert datasdk.NewUser(email=" Ann@Example.COM ").email == "ann@example.com"


def test_password_hashes_are_kept_out_of_repr() -> None:
    user = datasdk.NewUser(password_hash=BCRYPT)
    assert BCRYPT not in repr(user)


def test_model_validate_raises_datasdk_errors_too() -> None:
    with pytest.raises(datasdk.ValidationError):
        datasdk.NewDomain.model_validate({"url": "https://example.com"})


def test_scan_outcome_allows_each_module_once() -> None:
    module = datasdk.NewScanModule(module="ssl_tls", status="ok")
    with pytest.raises(datasdk.ValidationError) as caught:
        datasdk.ScanOutcome(total_score=1, modules=[module, module])
    assert caught.value.field == "modules"


def test_headers_are_sanitized_on_the_way_in() -> None:
    result = datasdk.NewScanResult(
        risk_score=1,
        content_hash=HASH,
        http_headers={"Server": "nginx", "Authorization": "Bearer t", "Cookie": "a=b"},
    )
    assert result.http_headers == {"server": "nginx"}


def test_error_log_context_is_redacted() -> None:
    entry = datasdk.NewErrorLog(
        type="application_error",
        severity="error",
        message="m",
        context={"password": "p", "nested": [{"session_token": "t", "ok": 1}]},
    )
    assert entry.context == {
        "password": "[redacted]",
        "nested": [{"session_token": "[redacted]", "ok": 1}],
    }


def test_new_ids_are_time_ordered_version_7() -> None:
    ids = [new_id() for _ in range(10_000)]
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    assert len(set(ids)) == 10_000
    # Strictly increasing within a process, as text too (how SQLite compares them).
    assert ids == sorted(ids)
    assert [str(i) for i in ids] == sorted(str(i) for i in ids)


def test_cursors_round_trip_and_refuse_garbage() -> None:
    from datetime import UTC, datetime

    at, row_id = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), new_id()
    assert decode_cursor(encode_cursor(at, row_id)) == (at, row_id)
    for bad in ("", "abc", encode_cursor(at, row_id)[:-3]):
        with pytest.raises(datasdk.ValidationError):
            decode_cursor(bad)
