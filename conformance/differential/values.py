"""Hypothesis strategies for valid, boundary and hostile values of each kind an argument has."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

# Strings a data layer gets wrong: NUL, lone surrogates, combining marks, RTL overrides,
# a BOM, emoji (astral), and the lengths either side of the columns' limits.
EDGE_TEXT = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "e\u0301\u0301",
    "\u202eabc\u202c",
    "\u05e9\u05dc\u05d5\u05dd",
    "\ufeffbom",
    "\U0001f600",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "tab\there",
    "line\nbreak",
    "'; DROP TABLE users; --",
    "%_\\",
    "a" * 255,
    "a" * 256,
    "\U0001f600" * 255,
    "\U0001f600" * 256,
    "b" * 10_001,
)

# Text no database should store: refused with ValidationError everywhere.
UNSTORABLE = ("\x00", "a\x00b", "\ud800", "x\udfffy", "\udc80\x00")

text_chars = st.characters(codec=None, exclude_categories=())  # surrogates included


def texts(max_size: int = 40) -> st.SearchStrategy[str]:
    """Any text, hostile included; NUL and lone surrogates in a quarter of them."""
    return st.one_of(
        st.text(max_size=max_size),
        st.text(alphabet=text_chars, max_size=max_size),
        st.sampled_from(EDGE_TEXT),
        st.sampled_from(UNSTORABLE),
    )


def plain_texts(min_size: int = 1, max_size: int = 30) -> st.SearchStrategy[str]:
    """Printable text every rule accepts."""
    return st.text(
        alphabet=st.characters(categories=("L", "N", "P", "S", "M"), codec="utf-8"),
        min_size=min_size,
        max_size=max_size,
    ).filter(lambda s: s.strip() == s and s != "")


EDGE_INTS = (0, 1, -1, 99, 100, 101, 599, 600, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1)
EDGE_INTS += (2**53, 2**53 + 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 10**20)
# Numbers that are not ints, though each passes for one somewhere.
NOT_INTS = (True, False, 1.0, 1.5, -0.0, 1e16, Decimal(1), Decimal("1.5"), "1", math.nan, math.inf)


def ints(low: int = -5, high: int = 1000) -> st.SearchStrategy[Any]:
    """Integers near the interesting range, at every limit, and numbers that are not ints."""
    return st.one_of(
        st.integers(low, high), st.sampled_from(EDGE_INTS), st.sampled_from(NOT_INTS), st.none()
    )


EDGE_FLOATS = (0.0, -0.0, 1.5, 1e16, -1e16, 1e17, 2.0**53 + 2, 1e308, 5e-324, 1e-7, 0.1)


def json_leaves() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.sampled_from(EDGE_INTS),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(EDGE_FLOATS),
        texts(12),
    )


def json_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    keys = st.one_of(st.text(max_size=6), st.sampled_from(("", "\x00", "\ud83d", "k\u0301")))
    return st.recursive(
        json_leaves(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
        max_leaves=max_leaves,
    )


def nested(depth: int, kind: str) -> Any:
    """`depth` containers, one inside the other, around a 1."""
    value: Any = 1
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


# Depths well inside the limit (oracle.MAX_JSON_DEPTH, 64 levels), either side of it
# (a field may wrap the value in one more level), and far beyond it.
SHALLOW, EDGE, DEEP = (1, 16), (61, 67), (500, 2000)


def deep_json() -> st.SearchStrategy[Any]:
    depth = st.integers(*SHALLOW) | st.integers(*EDGE) | st.integers(*DEEP)
    return st.builds(nested, depth, st.sampled_from(("list", "dict")))


# Values a JSON column cannot hold.
NOT_JSON = (math.nan, math.inf, -math.inf, Decimal("1.5"), b"bytes", {1, 2}, object)


def json_objects() -> st.SearchStrategy[Any]:
    """Mostly objects: plain, deep, holding non-JSON values; sometimes not an object."""
    nasty = st.sampled_from(NOT_JSON).map(lambda v: {"v": v})
    return st.one_of(
        st.dictionaries(st.text(max_size=6), json_values(), max_size=4),
        deep_json().map(lambda v: {"deep": v}),
        nasty,
        json_values(),
    )


def json_lists() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(json_values(), max_size=4),
        deep_json().map(lambda v: [v]),
        st.sampled_from(NOT_JSON).map(lambda v: [v]),
        json_values(),
    )


def uuids_any() -> st.SearchStrategy[Any]:
    """Row ids: UUIDs, their spellings, and things that are not one."""
    u = st.uuids()
    return st.one_of(
        u,
        u.map(str),
        u.map(lambda v: str(v).upper()),
        u.map(lambda v: "{" + str(v) + "}"),
        u.map(lambda v: v.urn),
        u.map(lambda v: v.hex),
        st.sampled_from(("", "0", "not-a-uuid", "\x00", "\ud800", " " * 36)),
        st.sampled_from((0, -1, 2**128, 1.5, True, Decimal(1), b"\x00" * 16, None)),
    )


def user_ids_any() -> st.SearchStrategy[Any]:
    """User ids (text): hostile text, and values of other types."""
    return st.one_of(
        texts(),
        st.uuids(),
        st.sampled_from((0, -1, 2**63, 1.5, True, Decimal(1), b"id", None)),
    )


_OFFSETS = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))


def datetimes_any() -> st.SearchStrategy[Any]:
    """Datetimes at the ends of the calendar, naive ones, and offsets other than UTC."""
    extreme = st.sampled_from(
        (datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999), datetime(1970, 1, 1))
    )
    naive = st.datetimes() | extreme
    zones = st.one_of(st.just(UTC), _OFFSETS)
    aware = st.builds(lambda d, z: d.replace(tzinfo=z), naive, zones)
    return st.one_of(aware, naive, st.sampled_from(("2024-01-01T00:00:00Z", 0, 1.5)))


URL_HOSTS = (
    "example.com",
    "EXAMPLE.com",
    "bücher.example",
    "8.8.8.8",
    "[2001:4860:4860::8888]",
    "[2001:4860:4860::8888%25eth0]",
    "[fe80::1%eth0]",
    "127.0.0.1",
    "127.1",
    "0x7f000001",
    "2130706433",
    "[::1]",
    "localhost",
    "a.local",
    "user:pw@example.com",
    "example.com:443",
    "example.com:8443",
    "example.com:0",
    "example.com:99999",
    "xn--.example",
    "",
    "ex\u00adample.com",
    "exa\x00mple.com",
    "\ud800.example",
)
URL_PATHS = ("", "/", "/a/b?x=1&token=abc#frag", "/\x00", "/\ud800", "/%00", "/é", "/" + "p" * 3000)


def urls_any() -> st.SearchStrategy[Any]:
    scheme = st.sampled_from(("https", "http", "HTTPS", "ftp", "javascript", ""))
    built = st.builds(
        lambda s, h, p: f"{s}://{h}{p}",
        scheme,
        st.sampled_from(URL_HOSTS),
        st.sampled_from(URL_PATHS),
    )
    return st.one_of(built, texts(), st.sampled_from((None, 1, b"https://example.com")))


CONTENT_HASH = "c" * 64


# --- valid values at the boundaries (what every backend must store and give back) ----

VALID_EDGE_TEXT = (
    "e\u0301\u0301",
    "\u202eabc\u202c",
    "\u05e9\u05dc\u05d5\u05dd",
    "\ufeffbom",
    "\U0001f600",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "'; DROP TABLE users; --",
    "%_\\",
    "\u00a0nbsp",
    "\uffff\U0010ffff",
)


def valid_texts(max_size: int = 30, *, edges: bool = True) -> st.SearchStrategy[str]:
    """Non-empty text with no control character: any script, marks, emoji, RTL."""
    chars = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
    drawn = st.text(alphabet=chars, min_size=1, max_size=max_size)
    longest = st.sampled_from(("a" * max_size, "\U0001f600" * max_size))
    return st.one_of(drawn, st.sampled_from(VALID_EDGE_TEXT), longest) if edges else drawn


def valid_json_values(max_leaves: int = 6) -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.sampled_from(EDGE_INTS),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(EDGE_FLOATS),
        st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=10),
    )
    keys = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6)
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
        max_leaves=max_leaves,
    )


def valid_json_objects() -> st.SearchStrategy[dict[str, Any]]:
    keys = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6)
    shallow = st.builds(nested, st.integers(*SHALLOW), st.sampled_from(("list", "dict")))
    return st.one_of(
        st.dictionaries(keys, valid_json_values(), max_size=4), shallow.map(lambda v: {"n": v})
    )


def valid_json_lists() -> st.SearchStrategy[list[Any]]:
    return st.lists(valid_json_values(), max_size=4)


def valid_datetimes() -> st.SearchStrategy[datetime]:
    """Aware datetimes: any UTC instant from year 1 to 9999, and offsets other than UTC."""
    in_utc = st.datetimes(timezones=st.just(UTC))
    ends = st.sampled_from(
        (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))
    )
    offset = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1))
    return st.one_of(in_utc, ends, st.builds(lambda d, z: d.replace(tzinfo=z), offset, _OFFSETS))


def spoiled(
    required: dict[str, st.SearchStrategy[Any]],
    optional: dict[str, st.SearchStrategy[Any]],
    hostile: dict[str, st.SearchStrategy[Any]],
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid fields, and in half the examples one of them replaced by a hostile value."""
    base = st.fixed_dictionaries(required, optional=optional)
    names = sorted(hostile)

    def spoil(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        one = st.sampled_from(names).flatmap(
            lambda name: hostile[name].map(lambda value: {**valid, name: value})
        )
        return st.one_of(st.just(valid), one)

    return base.flatmap(spoil)
