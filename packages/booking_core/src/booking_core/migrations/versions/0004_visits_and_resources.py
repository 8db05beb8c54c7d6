"""visits of several services, and rooms and devices as bookable resources

Every appointment gets its parts (one for an existing appointment, copied from its own
columns); rooms and devices, their time off and the services' requirements are new tables.
Their busy time goes in reservations, under the same no-overlap constraint as providers'.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('room', 'device')", name="ck_resources_kind_values"),
        sa.PrimaryKeyConstraint("id", name="pk_resources"),
    )
    op.create_table(
        "resource_time_off",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("resource_id", sa.Integer, nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.CheckConstraint("end_at > start_at", name="ck_resource_time_off_ordered"),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name="fk_resource_time_off_resource_id_resources",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_resource_time_off"),
    )
    op.create_index(
        "ix_resource_time_off_resource_start", "resource_time_off", ["resource_id", "start_at"]
    )
    op.create_table(
        "service_resources",
        sa.Column("service_id", sa.Integer, nullable=False),
        sa.Column("group_no", sa.Integer, nullable=False),
        sa.Column("resource_id", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name="fk_service_resources_service_id_services",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name="fk_service_resources_resource_id_resources",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "service_id", "group_no", "resource_id", name="pk_service_resources"
        ),
    )
    op.create_table(
        "appointment_parts",
        sa.Column("appointment_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("service_id", sa.Integer, nullable=False),
        sa.Column("provider_id", sa.Integer, nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("buffer_minutes", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint("end_at > start_at", name="ck_appointment_parts_ordered"),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name="fk_appointment_parts_appointment_id_appointments",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name="fk_appointment_parts_service_id_services"
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name="fk_appointment_parts_provider_id_providers"
        ),
        sa.PrimaryKeyConstraint("appointment_id", "position", name="pk_appointment_parts"),
    )
    op.create_index(
        "ix_appointment_parts_provider_start", "appointment_parts", ["provider_id", "start_at"]
    )
    op.create_table(
        "appointment_part_resources",
        sa.Column("appointment_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("resource_id", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name="fk_appointment_part_resources_appointment_id_appointments",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name="fk_appointment_part_resources_resource_id_resources",
        ),
        sa.PrimaryKeyConstraint(
            "appointment_id", "position", "resource_id", name="pk_appointment_part_resources"
        ),
    )
    # Every existing appointment is a visit of one part.
    op.execute(
        "INSERT INTO appointment_parts "
        "(appointment_id, position, service_id, provider_id, start_at, end_at, buffer_minutes) "
        "SELECT id, 0, service_id, provider_id, start_at, end_at, buffer_minutes "
        "FROM appointments"
    )


def downgrade() -> None:
    op.drop_table("appointment_part_resources")
    op.drop_index("ix_appointment_parts_provider_start", table_name="appointment_parts")
    op.drop_table("appointment_parts")
    op.drop_table("service_resources")
    op.drop_index("ix_resource_time_off_resource_start", table_name="resource_time_off")
    op.drop_table("resource_time_off")
    op.drop_table("resources")
    op.execute("DELETE FROM reservations WHERE resource_kind <> 'provider'")
