"""What ``sqlite+libsql`` (local file) supports, for SQLAlchemy's and Alembic's suites.

SQLAlchemy's suite defaults leave most features closed; the ones SQLite (3.35+) and this
dialect support are opened here so that the suite exercises them. Every requirement
closed here says why in a one-line comment.
"""

from typing import Any

from alembic.testing.requirements import SuiteRequirements as AlembicRequirements
from sqlalchemy.testing import exclusions
from sqlalchemy.testing.requirements import SuiteRequirements as SQLARequirements

_open = exclusions.open
_closed = exclusions.closed


class Requirements(SQLARequirements, AlembicRequirements):
    # -- transactions: what the dialect itself has to get right ------------------------

    @property
    def isolation_level(self) -> Any:
        return _open()

    def get_isolation_levels(self, config: Any) -> dict[str, Any]:
        levels = ["READ UNCOMMITTED", "SERIALIZABLE", "AUTOCOMMIT"]
        return {"default": "SERIALIZABLE", "supported": levels}

    @property
    def autocommit(self) -> Any:
        return _open()

    @property
    def autocommit_isolation(self) -> Any:  # Alembic's name for the same thing
        return _open()

    @property
    def savepoints(self) -> Any:
        return _open()

    @property
    def async_dialect(self) -> Any:
        return _open()

    @property
    def independent_connections(self) -> Any:
        # SQLite provisioning ATTACHes test_schema to the main test engine only, as for
        # SQLAlchemy's own SQLite drivers.
        return _closed()

    # -- SQL that SQLite speaks ---------------------------------------------------------

    @property
    def regexp_match(self) -> Any:
        # The dialect registers regexp() in file mode; a remote stream cannot register
        # Python functions, so REGEXP there is whatever the server provides.
        return exclusions.only_if(
            lambda config: config.db.url.host is None,
            "libSQL remote streams cannot register functions",
        )

    @property
    def table_ddl_if_exists(self) -> Any:
        return _open()

    @property
    def index_ddl_if_exists(self) -> Any:
        return _open()

    @property
    def intersect(self) -> Any:
        return _open()

    @property
    def except_(self) -> Any:
        return _open()

    @property
    def window_functions(self) -> Any:
        return _open()

    @property
    def ctes(self) -> Any:
        return _open()

    @property
    def ctes_with_update_delete(self) -> Any:
        return _open()

    @property
    def tuple_in(self) -> Any:
        return _open()

    @property
    def nullsordering(self) -> Any:
        return _open()

    @property
    def dbapi_lastrowid(self) -> Any:
        return _open()

    @property
    def views(self) -> Any:
        return _open()

    @property
    def json_type(self) -> Any:
        return _open()

    @property
    def server_defaults(self) -> Any:
        return _open()

    @property
    def expression_server_defaults(self) -> Any:
        return _open()

    @property
    def computed_columns(self) -> Any:
        return _open()

    @property
    def computed_columns_virtual(self) -> Any:
        return _open()

    @property
    def computed_columns_stored(self) -> Any:
        return _open()

    @property
    def update_from(self) -> Any:
        return _open()

    @property
    def indexes_with_expressions(self) -> Any:
        return _open()

    @property
    def temp_table_names(self) -> Any:
        return _open()

    @property
    def has_temp_table(self) -> Any:
        return _open()

    @property
    def temporary_views(self) -> Any:
        return _open()

    @property
    def datetime_historic(self) -> Any:
        return _open()

    @property
    def date_historic(self) -> Any:
        return _open()

    @property
    def supports_bitwise_and(self) -> Any:
        return _open()

    @property
    def supports_bitwise_or(self) -> Any:
        return _open()

    @property
    def supports_bitwise_not(self) -> Any:
        return _open()

    @property
    def supports_bitwise_shift(self) -> Any:
        return _open()

    @property
    def foreign_key_constraint_option_reflection_ondelete(self) -> Any:
        return _open()

    @property
    def foreign_key_constraint_option_reflection_onupdate(self) -> Any:
        return _open()

    @property
    def fk_constraint_option_reflection_ondelete_restrict(self) -> Any:
        return _open()

    @property
    def fk_constraint_option_reflection_ondelete_noaction(self) -> Any:
        return _open()

    @property
    def fk_constraint_option_reflection_onupdate_restrict(self) -> Any:
        return _open()

    @property
    def check_constraint_reflection(self) -> Any:
        return _open()

    @property
    def computed_columns_reflect_persisted(self) -> Any:
        return _open()

    @property
    def reflect_table_options(self) -> Any:
        return _open()

    @property
    def reflects_pk_names(self) -> Any:
        return _open()

    @property
    def foreign_key_constraint_name_reflection(self) -> Any:
        return _open()

    @property
    def create_table_as(self) -> Any:
        return _open()

    @property
    def create_temp_table_as(self) -> Any:
        return _open()

    @property
    def window_range(self) -> Any:
        return _open()

    @property
    def window_range_numeric(self) -> Any:
        return _open()

    @property
    def ctes_with_values(self) -> Any:
        return _open()

    @property
    def ctes_on_dml(self) -> Any:
        return _open()

    @property
    def unicode_ddl(self) -> Any:
        return _open()

    @property
    def timestamp_microseconds(self) -> Any:
        return _open()

    @property
    def insert_from_select(self) -> Any:
        return _open()

    @property
    def order_by_label_with_expression(self) -> Any:
        return _open()

    # -- SQLite's own limits (the same with SQLAlchemy's pysqlite/aiosqlite drivers) ------

    @property
    def implicitly_named_constraints(self) -> Any:
        # SQLite gives an unnamed constraint no name; reflection reports None.
        return _closed()

    @property
    def parens_in_union_contained_select_w_limit_offset(self) -> Any:
        # SQLite's grammar has no parenthesised SELECT inside UNION/INTERSECT/EXCEPT.
        return _closed()

    @property
    def parens_in_union_contained_select_wo_limit_offset(self) -> Any:
        # SQLite's grammar has no parenthesised SELECT inside UNION/INTERSECT/EXCEPT.
        return _closed()

    @property
    def alter_column(self) -> Any:
        # SQLite has no ALTER COLUMN; Alembic changes its columns in batch mode (copy
        # and move), which this round-trip fixture does not use.
        return _closed()
