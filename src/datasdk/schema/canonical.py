"""One stored form per value, whatever the backend: JSON text, and what text may hold.

PostgreSQL's `jsonb` keeps a number as `numeric`, which has no exponent and no negative
zero: `1e16` reads back as the integer 10000000000000000 and `-0.0` as `0.0`. So the SDK
writes every float as `jsonb` keeps it, on every backend: an integral float as a
positional decimal with `.0` (`10000000000000000.0`), zero without a sign. Strings hold
Unicode scalar values only (no lone surrogate, which no backend can store as UTF-8) and
never NUL, which PostgreSQL's text and `jsonb` refuse.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from datasdk.errors import ValidationError

# ensure_ascii=False: strings stay as they are, so a lone surrogate is still there to
# find (ASCII output would spell it `\ud800`, which jsonb refuses and SQLite keeps).
_ENCODE = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, check_circular=True, separators=(",", ":")
).encode
SURROGATE = re.compile("[\ud800-\udfff]")
NUL_ESCAPE = "\\u0000"


def _refuse(message: str, field: str | None) -> ValidationError:
    where = f"{field}: " if field else ""
    return ValidationError(where + message, field=field)


def check_text(value: str, field: str | None = None) -> str:
    """`value` if every backend can store it as text: no NUL, no lone surrogate."""
    if "\x00" in value:
        raise _refuse("text may not hold the NUL character", field)
    if not value.isascii() and SURROGATE.search(value):
        raise _refuse("text may not hold a lone surrogate (U+D800..U+DFFF)", field)
    return value


def holds_nul_escape(encoded: str) -> bool:
    """True when JSON text has a `\\u0000` escape (an escaped backslash before `u0000`
    is not one): the rule SQLite's JSON type check applies too."""
    return NUL_ESCAPE in encoded and NUL_ESCAPE in encoded.replace("\\\\", "")


def _float(value: float) -> str:
    if value == 0.0:
        return "0.0"  # numeric has no negative zero
    text = repr(value)
    if "e+" not in text:
        return text  # positional already, or a small exponent (numeric keeps it a fraction)
    return format(Decimal(text), "f") + ".0"


def _slow(value: Any) -> str:
    """The canonical text, built item by item (only for values the fast path cannot
    write as is: big or negative-zero floats)."""
    if isinstance(value, float) and not isinstance(value, bool):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("NaN and infinity are not JSON")
        return _float(value)
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            # json.dumps's own key rules (str, int, float, bool, None), then canonical.
            key_text = _ENCODE({key: None})[1:-6]
            items.append(f"{key_text}:{_slow(item)}")
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_slow(item) for item in value) + "]"
    return _ENCODE(value)


def dumps(value: Any) -> str:
    """The SDK's JSON text for `value`, the same on every backend; ValidationError for
    what no backend keeps as given (NaN, infinity, NUL, lone surrogates, non-JSON)."""
    try:
        encoded = _ENCODE(value)
        # Cheap tests on the text; a walk only when a float may need rewriting.
        if "e+" in encoded or "-0.0" in encoded:
            encoded = _slow(value)
    except RecursionError:
        raise _refuse("JSON nested too deeply", None) from None
    except (TypeError, ValueError) as exc:
        raise _refuse(f"not storable as JSON ({exc})", None) from None
    if holds_nul_escape(encoded):
        raise _refuse("JSON strings may not hold the NUL character", None)
    if not encoded.isascii() and SURROGATE.search(encoded):
        raise _refuse("JSON strings may not hold a lone surrogate (U+D800..U+DFFF)", None)
    return encoded


def _number(text: str) -> int | float:
    """A JSON number with a fraction or exponent, read as `numeric` keeps it: no
    fraction digits left (`1e16`, `1E2`) is an integer, otherwise a float, and never
    a negative zero. PostgreSQL's jsonb does this on input; reading every backend's
    JSON text this way gives raw SQL's spellings one value everywhere."""
    number = Decimal(text)
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(number)
    return float(number) + 0.0  # + 0.0: -0.0 becomes 0.0


_DECODE = json.JSONDecoder(parse_float=_number).decode


def loads(text: str | bytes) -> Any:
    """The value of stored JSON text, the same whichever backend stored it."""
    return _DECODE(text.decode() if isinstance(text, bytes) else text)
