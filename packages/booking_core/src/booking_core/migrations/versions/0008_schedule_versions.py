"""schedule versions: counters bumped by triggers in the writing transaction, so that every
process can tell with one small read whether an availability answer it keeps is still current

Keys: a catalog table's name for any change to it; for busy time, its owner and UTC date
("provider:3:2026-12-04", "resource:2:2026-12-04"; a busy interval lasts at most 12 hours, so
its start's and end's dates are all it touches), so that a booking only makes stale what
covers that owner on that day, and bookings of different providers never wait on each other's
counter (each owner's writers are already serialized by its lock).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: What availability reads besides the busy time (as of this revision).
CATALOG_TABLES = (
    "providers",
    "services",
    "provider_services",
    "working_hours",
    "time_off",
    "closures",
    "resources",
    "resource_time_off",
    "service_resources",
)

_UPSERT = (
    "INSERT INTO schedule_versions (key, version) VALUES ({key}, 1) "
    "ON CONFLICT (key) DO UPDATE SET version = schedule_versions.version + 1"
)


def _owner_keys(row: str, engine: str) -> dict[str, list[str]]:
    """Per table, the SQL of the keys a row of it touches (``row``: NEW or OLD)."""
    if engine == "postgresql":
        day = "to_char({row}.{column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    else:  # the stored UTC stamp, "YYYY-MM-DD HH:MM:SS.ffffff"
        day = "substr({row}.{column}, 1, 10)"
    owner = (
        f"CASE WHEN {row}.resource_kind = 'provider' THEN 'provider:' ELSE 'resource:' END "
        f"|| {row}.resource_id || ':' || "
    )
    return {
        "reservations": [
            owner + day.format(row=row, column="start_at"),
            owner + day.format(row=row, column="end_at"),
        ],
        "appointments": [
            f"'provider:' || {row}.provider_id || ':' || " + day.format(row=row, column="start_at")
        ],
    }


def upgrade() -> None:
    op.create_table(
        "schedule_versions",
        sa.Column("key", sa.String(60), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_schedule_versions"),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _postgresql_triggers() -> None:
    op.execute(
        "CREATE FUNCTION bump_schedule_version(changed text) RETURNS void "
        f"LANGUAGE sql AS $$ {_UPSERT.format(key='changed')} $$"
    )
    op.execute(
        "CREATE FUNCTION bump_table_schedule_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM bump_schedule_version(TG_TABLE_NAME); RETURN NULL; END $$"
    )
    for table in CATALOG_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_schedule_version "
            f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_table_schedule_version()"
        )
    old, new = _owner_keys("OLD", "postgresql"), _owner_keys("NEW", "postgresql")
    for table in old:
        bump_old = " ".join(f"PERFORM bump_schedule_version({key});" for key in old[table])
        bump_new = " ".join(f"PERFORM bump_schedule_version({key});" for key in new[table])
        op.execute(
            f"CREATE FUNCTION bump_{table}_schedule_version() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP <> 'INSERT' THEN {bump_old} END IF; "
            f"IF TG_OP <> 'DELETE' THEN {bump_new} END IF; "
            "RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_schedule_version "
            f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION bump_{table}_schedule_version()"
        )


def _sqlite_triggers() -> None:
    # SQLite triggers are per row; a write transaction holds the database lock anyway.
    for table, event, keys in _sqlite_trigger_keys():
        bumps = " ".join(f"{_UPSERT.format(key=key)};" for key in keys)
        op.execute(
            f"CREATE TRIGGER {table}_schedule_version_{event.lower()} "
            f"AFTER {event} ON {table} BEGIN {bumps} END"
        )


def _sqlite_trigger_keys() -> list[tuple[str, str, list[str]]]:
    keys = []
    for table in CATALOG_TABLES:
        keys += [(table, event, [f"'{table}'"]) for event in ("INSERT", "UPDATE", "DELETE")]
    old, new = _owner_keys("OLD", "sqlite"), _owner_keys("NEW", "sqlite")
    for table in old:
        # An update may move the row to another owner or day: both change.
        keys += [
            (table, "INSERT", new[table]),
            (table, "DELETE", old[table]),
            (table, "UPDATE", old[table] + new[table]),
        ]
    return keys


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in (*CATALOG_TABLES, "reservations", "appointments"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_schedule_version ON {table}")
        for table in ("reservations", "appointments"):
            op.execute(f"DROP FUNCTION IF EXISTS bump_{table}_schedule_version()")
        op.execute("DROP FUNCTION IF EXISTS bump_table_schedule_version()")
        op.execute("DROP FUNCTION IF EXISTS bump_schedule_version(text)")
    else:
        for table, event, _keys in _sqlite_trigger_keys():
            op.execute(f"DROP TRIGGER IF EXISTS {table}_schedule_version_{event.lower()}")
    op.drop_table("schedule_versions")
