"""Alembic's dialect compliance suite; what libSQL lacks is declared in requirements.py."""

from alembic.testing.suite import *  # noqa: F403
