"""Emptying the one remote libSQL database that a remote conformance run shares.

A remote URL is a single database for the whole run, so each test must start from
nothing, whatever the test before it left: tables of a test-only revision, an
alembic_version row naming a revision the SDK does not know (which defeats
`downgrade("base")`), rows, views, triggers. This works below the SDK, on the schema
table itself, so it cannot be defeated by what it cleans up.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import libsql_client

_ROUNDS = 5
# Long enough for a server to roll back a transaction that a failed earlier test
# abandoned (sqld times such a transaction out after 5 s when another writer waits).
_LOCKED_FOR_AT_MOST = 30.0


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def wipe(url: str, auth_token: str | None = None) -> None:
    """Drop every view and table (with their indexes and triggers) of the database."""
    client = libsql_client.create_client(url, auth_token=auth_token)
    try:
        # A transaction's stream turns, after COMMIT, into a connection of its own on
        # which a PRAGMA sticks: without foreign-key enforcement, the implicit DELETE
        # of DROP TABLE cannot fail on a parent dropped before its children.
        stream: Any = client.transaction()
        try:
            await stream.execute("COMMIT")
            await stream.execute("PRAGMA foreign_keys = OFF")
            for _ in range(_ROUNDS):
                result = await stream.execute(
                    "SELECT type, name FROM sqlite_schema"
                    " WHERE type IN ('view', 'table', 'trigger', 'index')"
                    " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                    " ORDER BY CASE type WHEN 'view' THEN 0 WHEN 'trigger' THEN 1"
                    " WHEN 'index' THEN 2 ELSE 3 END"
                )
                if not result.rows:
                    return
                for kind, name in (tuple(row) for row in result.rows):
                    await _patiently(stream, f"DROP {kind.upper()} IF EXISTS {_quote(name)}")
            raise RuntimeError(f"{url}: the schema would not empty in {_ROUNDS} rounds")
        finally:
            stream.close()
    finally:
        await client.close()


async def _patiently(stream: Any, sql: str) -> None:
    deadline = time.monotonic() + _LOCKED_FOR_AT_MOST
    while True:
        try:
            await stream.execute(sql)
            return
        except libsql_client.LibsqlError as err:
            if not err.code.startswith("SQLITE_BUSY") or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.1)
