"""SQLAlchemy's dialect compliance suite; what libSQL lacks is declared in requirements.py."""

from sqlalchemy.testing.suite import *  # noqa: F403
