"""The application's side of migrations, configured once.

Where the application's revisions live and which MetaData holds its tables, from
(first found wins) command-line arguments, the environment, or ``[tool.datasdk]`` in
the nearest pyproject.toml::

    [tool.datasdk]
    migrations = "migrations/versions"      # DATASDK_MIGRATIONS; `--path`
    metadata = "myapp.schema:metadata"      # DATASDK_METADATA; `--metadata`
    branch = "app"                          # DATASDK_BRANCH; the revisions' branch label

Paths in pyproject.toml are relative to that file; the SDK never writes into its own
installed package.
"""

from __future__ import annotations

import importlib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import MetaData

from datasdk.errors import ConfigurationError

MIGRATIONS_ENV = "DATASDK_MIGRATIONS"
METADATA_ENV = "DATASDK_METADATA"
BRANCH_ENV = "DATASDK_BRANCH"
DEFAULT_BRANCH = "app"


@dataclass(frozen=True)
class AppMigrations:
    """The application's revisions directory, its branch label and its MetaData."""

    versions: Path | None = None
    metadata: MetaData | None = None
    branch: str = DEFAULT_BRANCH


def _pyproject(start: Path) -> tuple[dict[str, str], Path] | None:
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            with candidate.open("rb") as handle:
                table = tomllib.load(handle).get("tool", {}).get("datasdk")
            return (table, directory) if isinstance(table, dict) else None
    return None


def load_metadata(target: str) -> MetaData:
    """The MetaData named `module:attribute`."""
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise ConfigurationError(f"metadata {target!r}: use the form 'package.module:attribute'")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"metadata {target!r} cannot be imported: {exc}") from None
    if not isinstance(found, MetaData):
        raise ConfigurationError(f"metadata {target!r} is a {type(found).__name__}, not MetaData")
    return found


def resolve(
    *,
    versions: Path | None = None,
    metadata: str | MetaData | None = None,
    branch: str | None = None,
    start: Path | None = None,
) -> AppMigrations:
    """Arguments first, then the environment, then `[tool.datasdk]`."""
    found = _pyproject((start or Path.cwd()).resolve())
    table, root = found if found else ({}, Path.cwd())
    raw_versions = versions or os.environ.get(MIGRATIONS_ENV) or table.get("migrations")
    raw_metadata = metadata or os.environ.get(METADATA_ENV) or table.get("metadata")
    if raw_versions is not None and not Path(raw_versions).is_absolute():
        # From the environment or arguments: relative to here; from pyproject: to it.
        base = root if not versions and not os.environ.get(MIGRATIONS_ENV) else Path.cwd()
        raw_versions = base / raw_versions
    return AppMigrations(
        versions=Path(raw_versions) if raw_versions is not None else None,
        metadata=load_metadata(raw_metadata) if isinstance(raw_metadata, str) else raw_metadata,
        branch=branch or os.environ.get(BRANCH_ENV) or table.get("branch") or DEFAULT_BRANCH,
    )
