"""manage tokens derived from the server secret: the sealed copy for replays goes

An idempotent replay derives the client's manage token again from the appointment id and the
server secret (BOOKING_SECRET_KEY), so the idempotency record no longer keeps it sealed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_column("sealed_token")


def downgrade() -> None:
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_token", sa.String(64), nullable=True))
