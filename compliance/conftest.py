"""SQLAlchemy's and Alembic's third-party dialect suites against ``sqlite+libsql``.

Run through nox (``nox -s dialect-compliance``), which passes ``-c compliance/pytest.ini``
so neither the project's pytest settings nor pytest-asyncio apply here.
"""

import pytest

pytest.register_assert_rewrite("sqlalchemy.testing.assertions")

from sqlalchemy.dialects import registry  # noqa: E402

registry.register("sqlite.libsql", "datasdk.dialects.libsql", "LibSQLDialect")

# SQLAlchemy's SQLite provisioning (per-test-run files, the attached test_schema) keys on
# the backend name, "sqlite"; the dialect lives outside SQLAlchemy, so load it here.
import sqlalchemy.dialects.sqlite.provision  # noqa: E402, F401
from sqlalchemy.testing.plugin.pytestplugin import *  # noqa: E402, F403
