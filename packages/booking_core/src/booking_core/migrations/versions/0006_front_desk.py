"""the front desk and the booking page: arrived status, client notes, provider photo and bio

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_OLD = "status IN ('booked', 'cancelled', 'completed', 'no_show')"
_NEW = "status IN ('booked', 'arrived', 'cancelled', 'completed', 'no_show')"


def _status_check(condition: str) -> None:
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_appointments_status_values"), type_="check")
        batch_op.create_check_constraint(op.f("ck_appointments_status_values"), condition)


def upgrade() -> None:
    _status_check(_NEW)
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notes", sa.Text, nullable=False, server_default=""))
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("photo_url", sa.String(500), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("bio", sa.String(500), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.drop_column("bio")
        batch_op.drop_column("photo_url")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("notes")
    op.execute("UPDATE appointments SET status = 'booked' WHERE status = 'arrived'")
    _status_check(_OLD)
