"""the waitlist: entries, offers, and freed time for the dispatcher to match

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("service_ids", sa.JSON, nullable=False),
        sa.Column("services_key", sa.String(100), nullable=False),
        sa.Column("provider_id", sa.Integer, nullable=True),
        sa.Column("date_from", sa.Date, nullable=False),
        sa.Column("date_to", sa.Date, nullable=False),
        sa.Column("earliest_time", sa.Time, nullable=True),
        sa.Column("latest_time", sa.Time, nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("created_at", _STAMP, nullable=False),
        sa.Column("ended_at", _STAMP, nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'booked', 'left', 'removed', 'expired')",
            name="ck_waitlist_entries_status_values",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_waitlist_entries_client_id_clients"
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name="fk_waitlist_entries_provider_id_providers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_waitlist_entries"),
    )
    op.create_index(
        "ix_waitlist_entries_status_dates", "waitlist_entries", ["status", "date_from", "date_to"]
    )
    op.create_index("ix_waitlist_entries_client", "waitlist_entries", ["client_id"])
    op.create_table(
        "waitlist_offers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("entry_id", sa.Integer, nullable=False),
        sa.Column("start_at", _STAMP, nullable=False),
        sa.Column("provider_ids", sa.JSON, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", _STAMP, nullable=False),
        sa.Column("sent_at", _STAMP, nullable=False),
        sa.Column("expires_at", _STAMP, nullable=False),
        sa.Column("appointment_id", sa.String(36), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'claimed')", name="ck_waitlist_offers_status_values"
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["waitlist_entries.id"],
            name="fk_waitlist_offers_entry_id_waitlist_entries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_waitlist_offers"),
        sa.UniqueConstraint("entry_id", "start_at", name="uq_waitlist_offers_entry_start"),
    )
    op.create_table(
        "freed_time",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("start_at", _STAMP, nullable=False),
        sa.Column("end_at", _STAMP, nullable=False),
        sa.Column("provider_id", sa.Integer, nullable=True),
        sa.Column("created_at", _STAMP, nullable=False),
        sa.Column("processed_at", _STAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_freed_time"),
    )
    op.create_index("ix_freed_time_processed", "freed_time", ["processed_at"])


def downgrade() -> None:
    op.drop_index("ix_freed_time_processed", table_name="freed_time")
    op.drop_table("freed_time")
    op.drop_table("waitlist_offers")
    op.drop_index("ix_waitlist_entries_client", table_name="waitlist_entries")
    op.drop_index("ix_waitlist_entries_status_dates", table_name="waitlist_entries")
    op.drop_table("waitlist_entries")
