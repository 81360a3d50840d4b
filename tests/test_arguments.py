"""The argument checker (datasdk.validation.arguments), the JSON walk and the strict
model fields: wrong input is datasdk's ValidationError, never a Python exception."""

from __future__ import annotations

import enum
import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import datasdk
from datasdk.models._base import MAX_CURSOR_LENGTH, decode_cursor, encode_cursor
from datasdk.validation import arguments as check
from datasdk.validation import check_json_size
from datasdk.validation.json_shape import MAX_JSON_DEPTH, json_problem

HASH = "c" * 64
ID = uuid.UUID("0190f0a0-0000-7000-8000-000000000001")


class Number(enum.IntEnum):
    ONE = 1


class Word(enum.StrEnum):
    USER = "user_a"


def _refused(call: Any, *args: Any, **kwargs: Any) -> datasdk.ValidationError:
    with pytest.raises(datasdk.ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.mark.parametrize("value", [True, False, 1.0, 1.5, Decimal(1), "1", None, [1]])
def test_integers_are_ints(value: object) -> None:
    assert _refused(check.integer, value, "n", low=-10, high=10).field == "n"


def test_integers_are_bounded_and_int_subclasses_become_ints() -> None:
    assert check.integer(-10, "n", low=-10, high=10) == -10
    assert type(check.integer(Number.ONE, "n", low=0, high=1)) is int
    _refused(check.integer, 11, "n", low=-10, high=10)
    _refused(check.integer, 2**31, "v", low=1, high=check.INT4_MAX)


@pytest.mark.parametrize("value", [str(ID), str(ID).upper(), ID, uuid.UUID(str(ID).upper())])
def test_row_ids_take_a_uuid_or_its_36_character_form(value: object) -> None:
    assert check.row_id(value, "job_id") == ID


@pytest.mark.parametrize(
    "value",
    [
        ID.hex,
        "{" + str(ID) + "}",
        "urn:uuid:" + str(ID),
        f" {ID}",
        ID.int,
        ID.bytes,
        Decimal(1),
        None,
        True,
        "\uff46" * 8 + str(ID)[8:],  # fullwidth letters: not hex digits
    ],
)
def test_row_ids_refuse_other_spellings_and_types(value: object) -> None:
    assert _refused(check.row_id, value, "job_id").field == "job_id"


def test_user_ids() -> None:
    assert check.user_id("u" * 255) == "u" * 255
    assert type(check.user_id(Word.USER)) is str
    for value in ("", "u" * 256, "a\tb", "\x7f", "a\ud800", b"u", 7, uuid.uuid4(), None):
        assert _refused(check.user_id, value).field == "user_id"
    assert check.optional_user_id(None) is None


def test_datetimes_are_aware_and_come_back_in_utc() -> None:
    plus_two = datetime(2030, 1, 1, 2, tzinfo=timezone(timedelta(hours=2)))
    assert check.aware(plus_two, "since") == datetime(2030, 1, 1, tzinfo=UTC)
    assert check.aware(plus_two, "since").tzinfo is UTC
    far = datetime.min.replace(tzinfo=timezone(timedelta(hours=1)))
    for value in (datetime(2030, 1, 1), date(2030, 1, 1), "2030-01-01T00:00:00Z", 0, far):
        assert _refused(check.aware, value, "since").field == "since"


def test_flags_members_days_ages_and_instances() -> None:
    assert check.flag(True, "b") is True
    for value in (1, 0, "true", None):
        _refused(check.flag, value, "b")
    assert check.member(datasdk.JobState, "FETCHING", "state") is datasdk.JobState.FETCHING
    for value in ("fetching", 1, None, datasdk.JobState):
        _refused(check.member, datasdk.JobState, value, "state")
    assert check.days(check.MAX_DAYS) == check.MAX_DAYS
    for value in (0, check.MAX_DAYS + 1, 10**8, 1.0, True):
        assert _refused(check.days, value).field == "days"
    assert check.age(check.MAX_AGE, "older_than") == check.MAX_AGE
    for value in (timedelta(0), -check.MAX_AGE, timedelta.max, 60):
        _refused(check.age, value, "older_than")
    _refused(check.instance, {"id": "u"}, datasdk.NewUser, "user")


def test_text_lengths_and_characters() -> None:
    assert check.text("x\ny", "m", max_length=3) == "x\ny"
    _refused(check.text, "x\ny", "m", max_length=3, printable=True)
    _refused(check.text, "", "m", max_length=3)
    _refused(check.text, "abcd", "m", max_length=3)
    _refused(check.text, "\udc80", "m", max_length=3)
    # NUL is refused whether or not other control characters are taken.
    assert _refused(check.text, "a\x00", "m", max_length=3).field == "m"


# JSON: one iterative walk.

# Storable text: anything but NUL and lone surrogates (which UTF-8 cannot encode),
# which test_json_strings_hold_no_nul_or_lone_surrogate covers.
_text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"))
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=30,
)


def _size(value: Any) -> int:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return len(text.encode("utf-8", "surrogatepass"))


@given(_json)
def test_the_walk_counts_bytes_as_json_dumps_does(value: Any) -> None:
    size = _size(value)
    assert json_problem(value, max_bytes=size) is None
    assert json_problem(value, max_bytes=size - 1) is not None


def _nested(depth: int, *, as_list: bool = False) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value] if as_list else {"a": value}
    return value


def test_depth_is_limited_without_recursion() -> None:
    assert json_problem(_nested(MAX_JSON_DEPTH), max_bytes=10**6) is None
    assert json_problem(_nested(MAX_JSON_DEPTH + 1), max_bytes=10**6) is not None
    # Far beyond the interpreter's recursion limit: refused, no RecursionError.
    for value in (_nested(200_000), _nested(200_000, as_list=True)):
        assert json_problem(value, max_bytes=10**9) == f"nested more than {MAX_JSON_DEPTH} levels"
        with pytest.raises(datasdk.ValidationError):
            check_json_size(value, field="f", max_bytes=10**9)


@pytest.mark.parametrize(
    "value",
    [
        {1: "a"},
        {"a": {None: 1}},
        [float("nan")],
        {"a": float("inf")},
        [Decimal(1)],
        {"a": {1, 2}},
        [b"bytes"],
        [datetime(2030, 1, 1, tzinfo=UTC)],
        [10**5000],
    ],
)
def test_only_plain_json_is_taken(value: Any) -> None:
    assert json_problem(value, max_bytes=10**6) is not None


@pytest.mark.parametrize(
    "value",
    ["a\x00", ["\ud800"], {"k": ["x\udfffy"]}, {"\x00": 1}, {"a": {"\ud83d": 1}}],
)
def test_json_strings_hold_no_nul_or_lone_surrogate(value: Any) -> None:
    """Text no backend stores alike, in a value or a key, at any depth."""
    assert json_problem(value, max_bytes=10**6) is not None


def test_json_strings_may_hold_any_other_character() -> None:
    value = {"\U0001f600k\u0301": ["\x01\x1f\x7f", "\ufeff\U0010ffff", "\\u0000"]}
    assert json_problem(value, max_bytes=10**6) is None


def test_a_huge_value_is_refused_by_size_before_it_is_walked() -> None:
    assert json_problem(list(range(10**6)), max_bytes=64 * 1024) is not None
    assert json_problem({"a": "x" * 10**7}, max_bytes=64 * 1024) is not None


# Model fields.

_JSON_FIELDS = [
    (datasdk.NewUser, {}, "notification_preferences", dict),
    (datasdk.NewUser, {}, "onboarding_progress", dict),
    (datasdk.NewUser, {}, "metadata", dict),
    (datasdk.NewScanResult, {"risk_score": 1, "content_hash": HASH}, "categories", list),
    (datasdk.NewScanResult, {"risk_score": 1, "content_hash": HASH}, "indicators", list),
    (datasdk.NewScanResult, {"risk_score": 1, "content_hash": HASH}, "analysis_metadata", dict),
    (
        datasdk.NewAuditEntry,
        {"url_accessed": "https://a.example/", "content_hash": HASH},
        "risk_assessment_summary",
        dict,
    ),
    (datasdk.NewScanModule, {"module": "ssl_tls", "status": "ok"}, "raw", dict),
    (datasdk.ScanOutcome, {"total_score": 1}, "weights_used", dict),
    (
        datasdk.NewErrorLog,
        {"type": "client_error", "severity": "info", "message": "m"},
        "context",
        dict,
    ),
]


@pytest.mark.parametrize(("model", "base", "field", "top"), _JSON_FIELDS)
@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_json_in_every_json_field_is_a_validation_error(
    model: type[datasdk.InputModel], base: dict[str, Any], field: str, top: type, depth: int
) -> None:
    deep = {"a": _nested(depth)} if top is dict else [_nested(depth, as_list=True)]
    error = _refused(model, **base, **{field: deep})
    assert error.field == field


@pytest.mark.parametrize(("model", "base", "field", "top"), _JSON_FIELDS)
def test_json_fields_take_64_levels_and_refuse_huge_values(
    model: type[datasdk.InputModel], base: dict[str, Any], field: str, top: type
) -> None:
    deepest = {"a": _nested(MAX_JSON_DEPTH - 1)} if top is dict else [_nested(MAX_JSON_DEPTH - 1)]
    assert getattr(model(**base, **{field: deepest}), field) is not None
    huge = {"a": "x" * 70_000} if top is dict else ["x" * 70_000]
    assert _refused(model, **base, **{field: huge}).field == field


def test_file_size_fits_a_bigint() -> None:
    report = datasdk.NewReport(filename="r", s3_path="s", file_size=2**63 - 1)
    assert report.file_size == 2**63 - 1
    for value in (2**63, -1, 1.0, True, Decimal(1)):
        assert _refused(datasdk.NewReport, filename="r", s3_path="s", file_size=value).field == (
            "file_size"
        )


@pytest.mark.parametrize(
    "value",
    [
        "2030-01-01T00:00:00+00:00",
        1_900_000_000,
        1.5,
        Decimal(1),
        datetime(2030, 1, 1),
        datetime.min.replace(tzinfo=timezone(timedelta(hours=3))),
    ],
)
def test_model_timestamps_are_aware_datetimes(value: object) -> None:
    assert _refused(datasdk.NewUser, trial_ends_at=value).field == "trial_ends_at"


_RESULT = {"risk_score": 1, "content_hash": HASH}
_TEXT_FIELDS = [
    (datasdk.NewUser, {}, "name"),
    (datasdk.NewDomain, {"url": "https://d.example.com", "display_name": "d"}, "display_name"),
    (datasdk.NewDomain, {"url": "https://d.example.com", "display_name": "d"}, "dkim_selector"),
    (datasdk.NewScanResult, _RESULT, "content_type"),
    (datasdk.NewScanResult, _RESULT, "model_used"),
    (datasdk.NewScanResult, _RESULT, "reasoning"),
    (datasdk.NewScanModule, {"module": "ssl_tls", "status": "ok"}, "platform"),
    (datasdk.ScanOutcome, {"total_score": 1}, "grade"),
    (datasdk.ScanOutcome, {"total_score": 1}, "scoring_version"),
    (datasdk.NewReport, {"filename": "r.pdf", "s3_path": "s3://b/r"}, "s3_path"),
    (datasdk.NewErrorLog, {"type": "client_error", "severity": "info", "message": "m"}, "message"),
    (datasdk.NewErrorLog, {"type": "client_error", "severity": "info", "message": "m"}, "url"),
    (
        datasdk.NewErrorLog,
        {"type": "client_error", "severity": "info", "message": "m"},
        "user_agent",
    ),
]


@pytest.mark.parametrize(("model", "base", "field"), _TEXT_FIELDS)
@pytest.mark.parametrize("bad", ["a\x00", "\ud800", "x\udfffy"])
def test_text_fields_refuse_nul_and_lone_surrogates(
    model: type[Any], base: dict[str, Any], field: str, bad: str
) -> None:
    """Whatever the field's own type: refused when the model is built, before any SQL."""
    model(**{**base, field: "ok"})
    assert _refused(model, **{**base, field: bad}).field == field


def test_header_values_refuse_lone_surrogates() -> None:
    headers = {"content-type": "text/html\ud800"}
    assert _refused(datasdk.NewScanResult, **_RESULT, http_headers=headers).field == "http_headers"


def test_user_ids_in_models_are_strings() -> None:
    assert _refused(datasdk.NewUser, id=b"user_a").field == "id"


# Cursors.


@pytest.mark.parametrize(
    "cursor",
    ["", "!!", "x" * (MAX_CURSOR_LENGTH + 1), 5, None, b"c", "W1sxXV0", "WyJhIiwiYiJd"],
)
def test_anything_but_a_returned_cursor_is_refused(cursor: object) -> None:
    assert _refused(decode_cursor, cursor).field == "cursor"


def test_a_returned_cursor_reads_back_in_utc() -> None:
    at = datetime(2030, 1, 1, 2, tzinfo=timezone(timedelta(hours=2)))
    cursor = encode_cursor(at, ID)
    assert len(cursor) <= MAX_CURSOR_LENGTH
    assert decode_cursor(cursor) == (at, ID)
    assert decode_cursor(cursor)[0].tzinfo is UTC


def test_a_copy_with_changes_is_validated_as_a_new_model() -> None:
    user = datasdk.NewUser(id="user_a", email="A@B.io")
    assert user.model_copy(update={"name": "n"}) == datasdk.NewUser(
        id="user_a", email="a@b.io", name="n"
    )
    assert _refused(user.model_copy, update={"metadata": _nested(5_000)}).field == "metadata"
    assert _refused(user.model_copy, update={"trial_ends_at": "2030"}).field == "trial_ends_at"
