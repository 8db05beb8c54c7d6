"""Alembic environment: runs online against the URL set on the config (batch mode on SQLite)."""

from __future__ import annotations

from alembic import context

from booking_core.adapters.database import create_database_engine
from booking_core.adapters.tables import metadata

config = context.config


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = create_database_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
