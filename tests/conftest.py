"""Fixtures the unit tests share."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from datasdk.schema import metadata


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    """The logical schema, with its rules' triggers, in an in-memory sqlite3 database."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    engine = create_engine("sqlite://", creator=lambda: conn, poolclass=StaticPool)
    metadata.create_all(engine)
    conn.execute("PRAGMA foreign_keys = ON")
    yield conn
    engine.dispose()
    conn.close()
