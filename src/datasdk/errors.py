"""The error taxonomy: the only exceptions a caller of datasdk ever sees."""

from __future__ import annotations


class DataSDKError(Exception):
    """Base of every error datasdk raises."""


class ConfigurationError(DataSDKError):
    """A URL, token or option the SDK cannot use."""


class AuthenticationError(ConfigurationError):
    """The server refused the credentials (a missing, invalid or expired auth token).

    Its text says why in the server's words; it never carries the token.
    """


class ValidationError(DataSDKError):
    """Input refused before any SQL ran."""

    def __init__(
        self, message: str, *, field: str | None = None, details: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.field = field
        # Every problem found, as {"field": ..., "message": ...}; `field` names the first.
        self.details = (
            details if details is not None else [{"field": field or "", "message": message}]
        )


class UnsafeURLError(ValidationError):
    """A URL that could reach a private, loopback or otherwise non-public address."""


class IdempotencyKeyConflict(ValidationError):
    """An idempotency key reused for a different request (another amount or kind)."""


class NotFoundError(DataSDKError):
    """The row asked for does not exist; `.table` says where it was looked for."""

    def __init__(self, message: str, *, table: str | None = None) -> None:
        super().__init__(message)
        self.table = table


class ConstraintViolation(DataSDKError):
    """A declared constraint refused a write; `.constraint` is its portable name."""

    def __init__(self, message: str, *, table: str | None, constraint: str | None) -> None:
        super().__init__(message)
        self.table = table
        self.constraint = constraint


class CheckViolation(ConstraintViolation):
    pass


class UniqueViolation(ConstraintViolation):
    pass


class ForeignKeyViolation(ConstraintViolation):
    pass


class NotNullViolation(ConstraintViolation):
    """A NULL in a NOT NULL column; `.constraint` is `nn_<table>_<column>`."""

    def __init__(self, message: str, *, table: str | None, column: str | None) -> None:
        constraint = f"nn_{table}_{column}" if table and column else None
        super().__init__(message, table=table, constraint=constraint)
        self.column = column


class InvalidValue(ConstraintViolation):
    """A value its column's type refuses: text in an integer column, a malformed UUID,
    timestamp, address or JSON text. `.column` names the column and `.constraint` is
    `ty_<table>_<column>` where the statement says which column it was (see docs/errors.md).
    """

    def __init__(self, message: str, *, table: str | None, column: str | None) -> None:
        constraint = f"ty_{table}_{column}" if table and column else None
        super().__init__(message, table=table, constraint=constraint)
        self.column = column


class RuleViolation(DataSDKError):
    """A rule of the schema (SCHEMA.md) refused a write; `.rule` names it."""

    rule: str = ""

    def __init__(self, message: str, *, table: str | None, rule: str | None = None) -> None:
        super().__init__(message)
        self.table = table
        if rule is not None:
            self.rule = rule


class AppendOnlyViolation(RuleViolation):
    rule = "append_only"


class RowLimitExceeded(RuleViolation):
    """A row_limit rule: the parent row already has as many rows as the rule allows."""


class DomainLimitExceeded(RowLimitExceeded):
    rule = "domain_limit"


class InvalidStateTransition(RuleViolation):
    """A state machine rule refused a move; `.rule` says which machine."""


class ConcurrencyError(DataSDKError):
    pass


class StaleVersionError(ConcurrencyError):
    def __init__(self, message: str, *, expected: int, actual: int | None) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class TransactionConflict(ConcurrencyError):
    """Serialization failure, deadlock, or a lock still held after the busy timeout."""


class InsufficientCredits(DataSDKError):
    def __init__(self, message: str, *, balance: int, requested: int) -> None:
        super().__init__(message)
        self.balance = balance
        self.requested = requested


class TransactionAborted(DataSDKError):
    """A statement of this unit of work failed earlier: the whole unit is rolled back.

    Every backend behaves as PostgreSQL does: after an error nothing more runs in
    the unit, and leaving it normally does not commit the statements before the error.
    """


class ReadOnlyTransactionError(DataSDKError):
    """A write inside a unit of work opened with `read_only=True`."""


class BackendError(DataSDKError):
    """Connection lost, timeouts, and any driver error the SDK has no better name for."""


class ConnectionLost(BackendError):
    """The connection to the database failed or was lost: the server restarted, went
    away, or refused a new connection. The SDK has already discarded every connection
    that may be dead, so the next call gets a fresh one.

    Reads outside a unit of work never raise this for a connection that died before
    they started: the SDK retries them once on a fresh connection. A write outside a
    unit, or a unit of work, may or may not have been applied when this is raised:
    `.retryable` says a retry is safe where the write is idempotent (debit and credit
    with the same `idempotency_key`, an upsert) or the unit checks before it writes.
    """

    retryable = True


class MigrationError(DataSDKError):
    """A migration that cannot run, or was refused by a guard."""


__all__ = [
    "AppendOnlyViolation",
    "AuthenticationError",
    "BackendError",
    "CheckViolation",
    "ConcurrencyError",
    "ConfigurationError",
    "ConnectionLost",
    "ConstraintViolation",
    "DataSDKError",
    "DomainLimitExceeded",
    "ForeignKeyViolation",
    "IdempotencyKeyConflict",
    "InsufficientCredits",
    "InvalidStateTransition",
    "InvalidValue",
    "MigrationError",
    "NotFoundError",
    "NotNullViolation",
    "ReadOnlyTransactionError",
    "RowLimitExceeded",
    "RuleViolation",
    "StaleVersionError",
    "TransactionAborted",
    "TransactionConflict",
    "UniqueViolation",
    "UnsafeURLError",
    "ValidationError",
]
