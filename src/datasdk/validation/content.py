"""The audit trail never holds page content: key names that could carry it are refused."""

from __future__ import annotations

import re

from datasdk.errors import ValidationError
from datasdk.schema import CONTENT_COLUMN_WORDS
from datasdk.validation.json_shape import MAX_JSON_DEPTH, json_problem

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# Metadata about content, not content.
_CONTENT_METADATA = frozenset({"content_hash", "content_type", "content_length"})
# Words that merely contain a forbidden one ("dom" in "domain", "text" in "context").
_HARMLESS_WORDS = frozenset({"domain", "domains", "context", "resource", "resources", "random"})
_MAX_DEPTH = MAX_JSON_DEPTH


def is_content_key(name: str) -> bool:
    """True for a column or JSON key name that could hold page content (body, html, ...)."""
    snake = _CAMEL.sub("_", name).lower().replace("-", "_")
    if snake in _CONTENT_METADATA:
        return False
    words = [word for word in snake.split("_") if word and word not in _HARMLESS_WORDS]
    forbidden = (*CONTENT_COLUMN_WORDS, "content")
    return any(bad in word for word in words for bad in forbidden)


def refuse_content_keys(value: object, *, field: str) -> None:
    """Raise ValidationError at the first key, at any depth, that could hold page content."""
    _walk(value, field, 0)


def _walk(value: object, path: str, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise ValidationError(f"{path}: nested more than {_MAX_DEPTH} levels", field=path)
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(f"{path}: keys must be strings", field=path)
            where = f"{path}.{key}"
            if is_content_key(key):
                raise ValidationError(
                    f"{where}: the audit trail never stores page content; store a"
                    " content_hash instead",
                    field=where,
                )
            _walk(item, where, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            _walk(item, path, depth + 1)


def check_json_size(value: object, *, field: str, max_bytes: int) -> None:
    """Refuse values that are not plain JSON (NaN included), are nested more than
    MAX_JSON_DEPTH levels or encode to over max_bytes (one walk, no recursion)."""
    problem = json_problem(value, max_bytes=max_bytes)
    if problem is not None:
        raise ValidationError(f"{field}: {problem}", field=field)
