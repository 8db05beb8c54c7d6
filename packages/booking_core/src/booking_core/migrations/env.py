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
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    if not sqlite:
        with context.begin_transaction():
            context.run_migrations()
        return
    # Batch mode rebuilds a table (copy, DROP, rename) to change a constraint; with foreign
    # keys enforced, the DROP would cascade-delete the rows referencing it (an appointment's
    # parts and busy time). So they are off while migrating (the PRAGMA only takes effect
    # outside a transaction), and every reference is checked before they are on again.
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        with context.begin_transaction():
            context.run_migrations()
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration left broken references: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


run_migrations_online()
