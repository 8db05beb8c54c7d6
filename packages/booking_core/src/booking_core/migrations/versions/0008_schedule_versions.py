"""schedule versions: a counter per calendar owner and per catalog table, bumped by triggers in
the writing transaction, so that every process can tell whether an availability answer it keeps
is still current with one small read

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

#: What availability reads besides the busy time: bumped under the table's name.
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
#: Busy time, bumped per owner ("provider:3", "room:1"), so that bookings of different providers
#: never wait on each other's counter: each owner's writers are already serialized by its lock.
OWNER_KEYS = {
    "reservations": "{row}.resource_kind || ':' || {row}.resource_id",
    "appointments": "'provider:' || {row}.provider_id",
}

_UPSERT = (
    "INSERT INTO schedule_versions (key, version) VALUES ({key}, 1) "
    "ON CONFLICT (key) DO UPDATE SET version = schedule_versions.version + 1"
)


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
    for table, key in OWNER_KEYS.items():
        old, new = key.format(row="OLD"), key.format(row="NEW")
        op.execute(
            f"CREATE FUNCTION bump_{table}_schedule_version() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP <> 'INSERT' THEN PERFORM bump_schedule_version({old}); END IF; "
            f"IF TG_OP <> 'DELETE' THEN PERFORM bump_schedule_version({new}); END IF; "
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
    for table, key in OWNER_KEYS.items():
        old, new = key.format(row="OLD"), key.format(row="NEW")
        # An update may move the row to another owner: both owners change.
        keys += [(table, "INSERT", [new]), (table, "DELETE", [old]), (table, "UPDATE", [old, new])]
    return keys


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in (*CATALOG_TABLES, *OWNER_KEYS):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_schedule_version ON {table}")
        for table in OWNER_KEYS:
            op.execute(f"DROP FUNCTION IF EXISTS bump_{table}_schedule_version()")
        op.execute("DROP FUNCTION IF EXISTS bump_table_schedule_version()")
        op.execute("DROP FUNCTION IF EXISTS bump_schedule_version(text)")
    else:
        for table, event, _key in _sqlite_trigger_keys():
            op.execute(f"DROP TRIGGER IF EXISTS {table}_schedule_version_{event.lower()}")
    op.drop_table("schedule_versions")
