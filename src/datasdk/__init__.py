"""datasdk: one logical schema, enforced by the database, on SQLite, libSQL and PostgreSQL 15."""

from __future__ import annotations

from datasdk import dialects as _dialects  # noqa: F401  (registers the per-dialect compilers)
from datasdk import errors, models
from datasdk.config import Backend, DatabaseConfig
from datasdk.database import Database, QueryResult, Transaction, connect, create_engine
from datasdk.errors import *  # noqa: F403
from datasdk.models import *  # noqa: F403

__all__ = [
    "Backend",
    "Database",
    "DatabaseConfig",
    "QueryResult",
    "Transaction",
    "connect",
    "create_engine",
    "errors",
    "models",
    *errors.__all__,
    *models.__all__,
]
__version__ = "0.1.0"
