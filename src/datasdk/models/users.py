"""Accounts."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from datasdk.models._base import InputModel, OutputModel
from datasdk.models._fields import JsonObject, Name, Timestamp, UserId
from datasdk.schema.enums import SubscriptionStatus

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Modular crypt format ($2b$..., $argon2id$..., $scrypt$...) or Django's algorithm$...$hash.
_PASSWORD_HASH = re.compile(r"(\$[a-z0-9-]+\$|[a-z0-9_]+\$\d+\$)\S{16,}")


def _email(value: str) -> str:
    # Stored lower-case (ASCII letters only, as the database's check reads it).
    value = value.strip().translate(_ASCII_LOWER)
    if not _EMAIL.fullmatch(value):
        raise ValueError("not an email address")
    return value


def _password_hash(value: str) -> str:
    if not _PASSWORD_HASH.fullmatch(value):
        # Never a plain password: a hash in a crypt format says which algorithm made it.
        raise ValueError("must be a password hash in crypt format (bcrypt, argon2, scrypt)")
    return value


Email = Annotated[str, Field(max_length=255), AfterValidator(_email)]
PasswordHash = Annotated[str, Field(max_length=255), AfterValidator(_password_hash)]


class NewUser(InputModel):
    """An account. `id` is the identity provider's user id; the SDK makes one if absent."""

    id: UserId | None = None
    email: Email | None = None
    name: Name | None = None
    password_hash: PasswordHash | None = Field(default=None, repr=False)
    email_verified_at: Timestamp | None = None
    provider: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    provider_id: Name | None = None
    trial_ends_at: Timestamp | None = None
    stripe_customer_id: Name | None = None
    stripe_subscription_id: Name | None = None
    stripe_price_id: Name | None = None
    subscription_status: SubscriptionStatus = SubscriptionStatus.TRIALING
    subscription_ends_at: Timestamp | None = None
    notification_preferences: JsonObject = Field(default_factory=dict)
    unsubscribe_token: Name | None = Field(default=None, repr=False)
    onboarding_progress: JsonObject = Field(default_factory=dict)
    metadata: JsonObject | None = None

    @model_validator(mode="after")
    def _provider_pair(self) -> NewUser:
        if (self.provider is None) != (self.provider_id is None):
            raise ValueError("provider and provider_id are given together or not at all")
        return self


class User(OutputModel):
    id: str
    email: str | None
    name: str | None
    password_hash: str | None = Field(repr=False)
    email_verified_at: datetime | None
    provider: str | None
    provider_id: str | None
    trial_ends_at: datetime
    stripe_customer_id: str | None
    stripe_subscription_id: str | None
    stripe_price_id: str | None
    subscription_status: SubscriptionStatus
    subscription_ends_at: datetime | None
    notification_preferences: dict[str, Any]
    unsubscribe_token: str | None = Field(repr=False)
    onboarding_progress: dict[str, Any]
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


__all__ = ["NewUser", "User"]
