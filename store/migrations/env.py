"""Alembic environment of the lead store.

:meth:`store.LeadStore.upgrade` runs it with an open connection in
``config.attributes["connection"]``, so no ``alembic.ini`` is needed. For the alembic
command line (for example ``revision --autogenerate``), build a config in Python::

    config = Config()
    config.set_main_option("script_location", "store:migrations")
    config.set_main_option("sqlalchemy.url", "sqlite:///.leadgrade/store.db")
    command.revision(config, "add a column", autogenerate=True)
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from store.engine import create_store_engine
from store.schema import metadata
from store.store import VERSION_TABLE


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # Its own version table, so the store can share a database with MLflow (which
        # keeps its own alembic_version).
        version_table=VERSION_TABLE,
        # SQLite cannot ALTER most things; batch mode recreates the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    """Write the SQL to a script instead of running it (``alembic upgrade --sql``)."""
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url or pass a connection in config.attributes")
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            _configure(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
