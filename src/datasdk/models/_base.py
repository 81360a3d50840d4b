"""Base classes: input models raise datasdk's ValidationError, output models are frozen."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from typing import Any, Generic, Self, TypeVar, cast, get_args

import pydantic
from pydantic import BaseModel, ConfigDict

from datasdk.errors import ValidationError
from datasdk.schema.canonical import check_text


def _path(loc: tuple[int | str, ...]) -> str:
    # Field names and list positions; pydantic also lists union members ("lax-or-strict[...]").
    return ".".join(str(p) for p in loc if isinstance(p, int) or p.isidentifier())


def _as_datasdk_error(exc: pydantic.ValidationError, model: str) -> ValidationError:
    first = exc.errors(include_input=False, include_url=False)[0]
    field = _path(first["loc"]) or None
    count = exc.error_count()
    more = f" (and {count - 1} more)" if count > 1 else ""
    # The input is left out on purpose: it may be a password hash or a token.
    message = f"{model}.{field}: {first['msg']}{more}" if field else f"{model}: {first['msg']}"
    details = [
        {"field": _path(e["loc"]), "message": e["msg"]}
        for e in exc.errors(include_input=False, include_url=False)
    ]
    error = ValidationError(message, field=field, details=details)
    return error


class InputModel(BaseModel):
    """What a caller hands in; refused, with the offending field named, before any SQL."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except pydantic.ValidationError as exc:
            raise _as_datasdk_error(exc, type(self).__name__) from None

    def model_post_init(self, context: Any, /) -> None:
        """Every text field, whatever its type, holds text every backend stores alike (no
        NUL, no lone surrogate): refused here, before any SQL, not when it is bound.
        (JSON fields' strings are checked by their own walk, json_shape.json_problem;
        nested models by their own post-init.)"""
        for name, value in self.__dict__.items():
            if type(value) is str:
                try:
                    check_text(value, name)
                except ValidationError as exc:
                    # Named as pydantic's refusals are: "Model.field: ...", field "field".
                    raise ValidationError(f"{type(self).__name__}.{exc}", field=name) from None

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, **kwargs)
        except pydantic.ValidationError as exc:
            raise _as_datasdk_error(exc, cls.__name__) from None

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; changed fields are validated as the constructor would (pydantic's own
        model_copy takes `update` unchecked)."""
        copied = super().model_copy(update=update, deep=deep)
        if not update:
            return copied
        return type(self).model_validate(
            {name: getattr(copied, name) for name in copied.model_fields_set | set(update)}
        )


class OutputModel(BaseModel):
    """What the SDK hands back: frozen, built from a row."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        """The model of a row the database already checked: its constraints guarantee
        what validation would, and SQLAlchemy's types have made the Python values
        (UUIDs, aware datetimes, JSON); only enum columns are turned into members."""
        fields, plain = _row_fields(cls)
        values = {
            name: row[name] if convert is None else convert(row[name])
            for name, convert in fields.items()
            if name in row
        }
        if plain is None or len(values) != len(fields):
            return cast(Self, cls.model_construct(**values))
        # Every field is in the row: what model_construct would do, without its
        # per-field search for aliases and defaults (the hot path's largest cost).
        model = cls.__new__(cls)
        _set(model, "__dict__", values)
        _set(model, "__pydantic_fields_set__", plain.copy())
        _set(model, "__pydantic_extra__", None)
        _set(model, "__pydantic_private__", None)
        return model


def _enum_of(annotation: Any) -> type[Enum] | None:
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, Enum):
            return candidate
    return None


def _member(enum: type[Enum]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        return value if value is None or isinstance(value, enum) else enum(value)

    return convert


_set = object.__setattr__


@cache
def _row_fields(
    model: type[OutputModel],
) -> tuple[dict[str, Callable[[Any], Any] | None], set[str] | None]:
    """Per field, the conversion a row's value needs; and the field names, when a
    model built from a full row needs nothing model_construct does beyond setting them
    (no aliases, private attributes, post-init hook or extra fields)."""
    fields: dict[str, Callable[[Any], Any] | None] = {}
    for name, info in model.model_fields.items():
        enum = _enum_of(info.annotation)
        fields[name] = _member(enum) if enum is not None else None
    simple = (
        not model.__pydantic_root_model__
        and not model.__pydantic_post_init__
        and not model.__private_attributes__
        and model.model_config.get("extra") != "allow"
        and all(
            info.alias is None and info.validation_alias is None
            for info in model.model_fields.values()
        )
    )
    return fields, set(fields) if simple else None


T = TypeVar("T", bound=OutputModel)


# Every list method's page size: `limit` defaults to PAGE_SIZE, at most MAX_PAGE_SIZE.
PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


class Page(BaseModel, Generic[T]):
    """One page of a listing, newest first; pass `next_cursor` back as `cursor=` for
    the next one. `next_cursor` is None on the last page."""

    model_config = ConfigDict(frozen=True)

    items: list[T]
    next_cursor: str | None


def encode_cursor(at: datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps([at.isoformat(), str(row_id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# A cursor this SDK returns is under 100 characters.
MAX_CURSOR_LENGTH = 256


def decode_cursor(cursor: object) -> tuple[datetime, uuid.UUID]:
    """The position a cursor names; anything but a cursor this SDK returned is a
    ValidationError (checked before decoding: a long string is never parsed)."""
    if isinstance(cursor, str) and len(cursor) <= MAX_CURSOR_LENGTH:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            decoded = json.loads(raw)
            if isinstance(decoded, list) and len(decoded) == 2:
                at, row_id = decoded
                if isinstance(at, str) and isinstance(row_id, str):
                    when = datetime.fromisoformat(at)
                    if when.utcoffset() is not None:
                        return when.astimezone(UTC), uuid.UUID(row_id)
        except (ValueError, OverflowError):
            pass
    raise ValidationError("cursor: not a cursor this SDK returned", field="cursor")
