"""What a live database holds beyond what SQLAlchemy reflects: triggers, functions, types."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TriggerInfo:
    table: str
    definition: str
    # PostgreSQL: ENABLE ALWAYS, so session_replication_role = replica cannot skip it.
    always: bool


@dataclass(frozen=True)
class Catalog:
    triggers: dict[str, TriggerInfo] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)
    types: set[str] = field(default_factory=set)
