"""reservations indexed by resource and end time

A busy-time lookup asks for intervals with start < window end and end > window start. Indexed by
start, it scanned a resource's whole history before the window (which only grows); indexed by
end, it reads from the window onwards, and the future is bounded by the booking horizon. The
SQLite no-overlap triggers run the same lookup on every write.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:05:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reservations_resource_end", ["resource_kind", "resource_id", "end_at"]
        )
        batch_op.drop_index("ix_reservations_resource_start")


def downgrade() -> None:
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reservations_resource_start", ["resource_kind", "resource_id", "start_at"]
        )
        batch_op.drop_index("ix_reservations_resource_end")
