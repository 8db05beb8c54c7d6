"""the AI receptionist: verification codes, call counters, callbacks, policies, FAQ, preparation

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "verification_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("created_at", _STAMP, nullable=False),
        sa.Column("expires_at", _STAMP, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("used_at", _STAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_verification_codes"),
    )
    op.create_index(
        "ix_verification_codes_phone_created", "verification_codes", ["phone", "created_at"]
    )
    op.create_table(
        "call_counters",
        sa.Column("caller_key", sa.String(64), nullable=False),
        sa.Column("window_start", _STAMP, nullable=False),
        sa.Column("calls", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("caller_key", "window_start", name="pk_call_counters"),
    )
    op.create_table(
        "callbacks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_name", sa.String(200), nullable=False),
        sa.Column("client_phone", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", _STAMP, nullable=False),
        sa.Column("done_at", _STAMP, nullable=True),
        sa.CheckConstraint("status IN ('open', 'done')", name="ck_callbacks_status_values"),
        sa.PrimaryKeyConstraint("id", name="pk_callbacks"),
    )
    op.create_index("ix_callbacks_status_created", "callbacks", ["status", "created_at"])
    op.create_table(
        "business_texts",
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_business_texts"),
    )
    op.create_table(
        "faq_entries",
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("question", sa.String(200), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_faq_entries"),
    )
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preparation", sa.Text, nullable=False, server_default=""))
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verification_id", sa.Integer, nullable=True))
        batch_op.create_foreign_key(
            "fk_notifications_verification_id_verification_codes",
            "verification_codes",
            ["verification_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_notifications_verification_id_verification_codes", type_="foreignkey"
        )
        batch_op.drop_column("verification_id")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("preparation")
    op.drop_table("faq_entries")
    op.drop_table("business_texts")
    op.drop_index("ix_callbacks_status_created", table_name="callbacks")
    op.drop_table("callbacks")
    op.drop_table("call_counters")
    op.drop_index("ix_verification_codes_phone_created", table_name="verification_codes")
    op.drop_table("verification_codes")
