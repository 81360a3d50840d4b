"""JSON values the SDK stores: plain JSON, at most MAX_JSON_DEPTH levels, at most n bytes,
strings (keys included) without NUL or a lone surrogate.

One iterative walk decides, so neither a deep nor a huge value can make Python
recurse (RecursionError) or encode it whole before it is refused. It runs before
pydantic's own validation and before any json.dumps sees the value.
"""

from __future__ import annotations

import math
from json.encoder import encode_basestring
from typing import Any

# Objects and arrays nested deeper than this are refused (the top level is level 1).
MAX_JSON_DEPTH = 64

_NULL_OR_TRUE = 4  # `null`, `true`
_FALSE = 5


def json_problem(value: Any, *, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why `value` is not storable JSON, or None when it is.

    Storable: dicts with str keys, lists and tuples, str (no NUL, no lone surrogate:
    text no backend stores alike), int, finite float, bool and None; nested at most
    `max_depth` levels; at most `max_bytes` bytes in UTF-8 as compact JSON
    (`json.dumps(value, separators=(",", ":"), ensure_ascii=False)`).
    """
    size = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            string_size = _string_size(item)
            if string_size < 0:
                return _BAD_STRING
            size += string_size
        elif item is None or item is True:
            size += _NULL_OR_TRUE
        elif item is False:
            size += _FALSE
        elif isinstance(item, int):
            try:
                size += len(int.__repr__(item))
            except ValueError:  # more digits than Python will print
                return "a number too large for JSON"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "not JSON (holds NaN or infinity)"
            size += len(float.__repr__(item))
        elif isinstance(item, dict):
            if depth > max_depth:
                return f"nested more than {max_depth} levels"
            # Braces, and a colon per member and a comma between members.
            size += 2 + max(0, 2 * len(item) - 1)
            if size > max_bytes:
                break
            for key, member in item.items():
                if not isinstance(key, str):
                    return "object keys must be strings"
                key_size = _string_size(key)
                if key_size < 0:
                    return _BAD_STRING
                size += key_size
                stack.append((member, depth + 1))
        elif isinstance(item, list | tuple):
            if depth > max_depth:
                return f"nested more than {max_depth} levels"
            size += 2 + max(0, len(item) - 1)
            if size > max_bytes:
                break
            stack.extend((member, depth + 1) for member in item)
        else:
            return f"not JSON (holds a {type(item).__name__})"
        if size > max_bytes:
            break
    return f"larger than {max_bytes} bytes as JSON" if size > max_bytes else None


_BAD_STRING = "holds a string with NUL or a lone surrogate (no backend stores either alike)"


def _string_size(value: str) -> int:
    """The string's size as JSON in UTF-8, or -1 for one no backend stores alike: NUL,
    or a lone surrogate (which UTF-8 cannot encode)."""
    if "\x00" in value:
        return -1
    # The C encoder writes the escapes (`\"`, `\n`, `\u001f`).
    encoded: str = encode_basestring(value)
    if encoded.isascii():
        return len(encoded)
    try:
        return len(encoded.encode("utf-8"))
    except UnicodeEncodeError:
        return -1
