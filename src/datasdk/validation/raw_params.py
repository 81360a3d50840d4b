"""The parameters of raw SQL (`db.execute`, `tx.execute`): the same answer on every backend.

A value one driver binds and another refuses (a Decimal, a list, NaN, a naive datetime)
is refused here, before any SQL, so that raw SQL meets the same rules everywhere.
"""

from __future__ import annotations

import ipaddress
import math
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from datasdk.errors import ValidationError
from datasdk.schema.canonical import SURROGATE
from datasdk.validation.arguments import INT8_MAX, INT8_MIN, aware

# What every backend binds the same way (the dialect then puts it in its stored form).
_PLAIN = (str, bytes, uuid.UUID, ipaddress.IPv4Address, ipaddress.IPv6Address, datetime)


def raw_params(params: object) -> dict[str, Any]:
    """`params` as a dict of checked values; ValidationError for anything else."""
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise ValidationError(
            f"params must be a mapping of names to values, not {type(params).__name__}",
            field="params",
        )
    return {str(name): raw_value(value, str(name)) for name, value in params.items()}


def raw_value(value: Any, name: str) -> Any:
    """One raw SQL parameter, if every backend binds it alike."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not INT8_MIN <= value <= INT8_MAX:
            raise ValidationError(f"{name}: an integer parameter must fit in 64 bits", field=name)
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"{name}: NaN and infinity cannot be stored", field=name)
        return value
    if not isinstance(value, _PLAIN):
        raise ValidationError(
            f"{name}: a raw SQL parameter is None, bool, int, float, str, bytes, an aware"
            f" datetime, a UUID or an IP address, not {type(value).__name__}",
            field=name,
        )
    if isinstance(value, str):
        # A lone surrogate cannot even be sent as UTF-8. A NUL can: the type checks
        # refuse it in every column (InvalidValue), as PostgreSQL's text does.
        if not value.isascii() and SURROGATE.search(value):
            raise ValidationError(f"{name}: text may not hold a lone surrogate", field=name)
        return value
    if isinstance(value, datetime):
        aware(value, name)  # naive, or beyond the range in UTC: refused alike
    return value
