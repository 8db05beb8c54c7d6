"""The schema (SQLAlchemy Core). Alembic migrations create it; this module describes it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """timestamptz on PostgreSQL; on SQLite a UTC text stamp. Always aware UTC in Python.

    The SQLite stamp is SQLAlchemy's own DATETIME format (``2027-03-14 08:00:00.000000``), read
    and written here with the C-level isoformat functions instead of its regular expression.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime reached the database layer")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]

    def bind_processor(self, dialect: sa.Dialect) -> Any:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def stamp(value: datetime | None) -> str | None:
            utc = self.process_bind_param(value, dialect)
            return None if utc is None else utc.isoformat(sep=" ", timespec="microseconds")

        return stamp

    def result_processor(self, dialect: sa.Dialect, coltype: Any) -> Any:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        parse = datetime.fromisoformat

        def instant(value: str | None) -> datetime | None:
            # The naive UTC stamp this type writes, read as UTC in one call (a booking reads
            # dozens; datetime.replace costs several times more); anything else as
            # process_result_value reads it.
            if value is None:
                return None
            try:
                parsed = parse(value + "+00:00")
            except ValueError:
                return self.process_result_value(value, dialect)
            return parsed if parsed.tzinfo is UTC else self.process_result_value(value, dialect)

        return instant


providers = sa.Table(
    "providers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("title", sa.String(120), nullable=False, server_default=""),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # Shown to clients on the booking page (optional).
    sa.Column("photo_url", sa.String(500), nullable=False, server_default=""),
    sa.Column("bio", sa.String(500), nullable=False, server_default=""),
)

services = sa.Table(
    "services",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("duration_minutes", sa.Integer, nullable=False),
    sa.Column("buffer_minutes", sa.Integer, nullable=False, server_default="0"),
    sa.Column("price_cents", sa.Integer, nullable=False, server_default="0"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("preparation", sa.Text, nullable=False, server_default=""),
    sa.CheckConstraint("duration_minutes > 0", name="positive_duration"),
    sa.CheckConstraint("buffer_minutes >= 0", name="nonnegative_buffer"),
)

provider_services = sa.Table(
    "provider_services",
    metadata,
    sa.Column("provider_id", sa.ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("service_id", sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("duration_minutes", sa.Integer, nullable=True),
)

working_hours = sa.Table(
    "working_hours",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("provider_id", sa.ForeignKey("providers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("weekday", sa.Integer, nullable=False),
    sa.Column("start_time", sa.Time, nullable=False),
    sa.Column("end_time", sa.Time, nullable=False),
    sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
    sa.CheckConstraint("end_time > start_time", name="ordered"),
    sa.Index("ix_working_hours_provider", "provider_id"),
)

time_off = sa.Table(
    "time_off",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("provider_id", sa.ForeignKey("providers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("start_at", UTCDateTime, nullable=False),
    sa.Column("end_at", UTCDateTime, nullable=False),
    sa.Column("reason", sa.String(200), nullable=False, server_default=""),
    sa.CheckConstraint("end_at > start_at", name="ordered"),
    sa.Index("ix_time_off_provider_start", "provider_id", "start_at"),
)

closures = sa.Table(
    "closures",
    metadata,
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("reason", sa.String(200), nullable=False, server_default=""),
)

clients = sa.Table(
    "clients",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("phone", sa.String(20), nullable=False, unique=True),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # The front desk's private notes (allergies, preferences): never sent to the client.
    sa.Column("notes", sa.Text, nullable=False, server_default=""),
)

appointments = sa.Table(
    "appointments",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("provider_id", sa.ForeignKey("providers.id"), nullable=False),
    sa.Column("service_id", sa.ForeignKey("services.id"), nullable=False),
    sa.Column("client_id", sa.ForeignKey("clients.id"), nullable=False),
    sa.Column("start_at", UTCDateTime, nullable=False),
    sa.Column("end_at", UTCDateTime, nullable=False),
    sa.Column("buffer_minutes", sa.Integer, nullable=False, server_default="0"),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("source", sa.String(10), nullable=False),
    sa.Column("notes", sa.Text, nullable=False, server_default=""),
    sa.Column("manage_token_hash", sa.String(64), nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("cancelled_at", UTCDateTime, nullable=True),
    sa.CheckConstraint("end_at > start_at", name="ordered"),
    sa.CheckConstraint(
        "status IN ('booked', 'arrived', 'cancelled', 'completed', 'no_show')",
        name="status_values",
    ),
    sa.CheckConstraint("source IN ('web', 'ai', 'admin')", name="source_values"),
    sa.Index("ix_appointments_start", "start_at"),
    sa.Index("ix_appointments_client_start", "client_id", "start_at"),
    sa.Index("ix_appointments_provider_start", "provider_id", "start_at"),
)

# One service of a visit (an appointment has one part or more, run back to back). The
# appointment's own provider_id, service_id and times are its first part's and its span.
appointment_parts = sa.Table(
    "appointment_parts",
    metadata,
    sa.Column(
        "appointment_id", sa.ForeignKey("appointments.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("service_id", sa.ForeignKey("services.id"), nullable=False),
    sa.Column("provider_id", sa.ForeignKey("providers.id"), nullable=False),
    sa.Column("start_at", UTCDateTime, nullable=False),
    sa.Column("end_at", UTCDateTime, nullable=False),
    sa.Column("buffer_minutes", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("end_at > start_at", name="ordered"),
    sa.Index("ix_appointment_parts_provider_start", "provider_id", "start_at"),
)

# Rooms and devices: each one unit, bookable by one appointment part at a time.
resources = sa.Table(
    "resources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("kind IN ('room', 'device')", name="kind_values"),
)

resource_time_off = sa.Table(
    "resource_time_off",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("resource_id", sa.ForeignKey("resources.id", ondelete="CASCADE"), nullable=False),
    sa.Column("start_at", UTCDateTime, nullable=False),
    sa.Column("end_at", UTCDateTime, nullable=False),
    sa.Column("reason", sa.String(200), nullable=False, server_default=""),
    sa.CheckConstraint("end_at > start_at", name="ordered"),
    sa.Index("ix_resource_time_off_resource_start", "resource_id", "start_at"),
)

# What a service needs besides its provider: one resource of every group (group_no), e.g.
# "one of {Treatment Room 1, Treatment Room 2}" is one group of two rows.
service_resources = sa.Table(
    "service_resources",
    metadata,
    sa.Column("service_id", sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("group_no", sa.Integer, primary_key=True),
    sa.Column("resource_id", sa.ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
)

# The resources a booked part holds (what the booking shows; the busy time is in reservations).
appointment_part_resources = sa.Table(
    "appointment_part_resources",
    metadata,
    sa.Column(
        "appointment_id", sa.ForeignKey("appointments.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("resource_id", sa.ForeignKey("resources.id"), primary_key=True),
)

# A busy interval held by a booked appointment on one resource: a provider, a room or a device
# (resource_kind), each guarded by the same no-overlap constraint.
reservations = sa.Table(
    "reservations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "appointment_id",
        sa.ForeignKey("appointments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("resource_kind", sa.String(20), nullable=False),
    sa.Column("resource_id", sa.Integer, nullable=False),
    sa.Column("start_at", UTCDateTime, nullable=False),
    sa.Column("end_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("end_at > start_at", name="ordered"),
    sa.Index("ix_reservations_resource_end", "resource_kind", "resource_id", "end_at"),
    sa.Index("ix_reservations_appointment", "appointment_id"),
)

appointment_events = sa.Table(
    "appointment_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("appointment_id", sa.ForeignKey("appointments.id"), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("source", sa.String(10), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("old_start", UTCDateTime, nullable=True),
    sa.Column("old_end", UTCDateTime, nullable=True),
    sa.Column("new_start", UTCDateTime, nullable=True),
    sa.Column("new_end", UTCDateTime, nullable=True),
    sa.Column("old_provider_id", sa.Integer, nullable=True),
    sa.Column("new_provider_id", sa.Integer, nullable=True),
    sa.Column("old_status", sa.String(20), nullable=True),
    sa.Column("new_status", sa.String(20), nullable=True),
    sa.Index("ix_appointment_events_appointment", "appointment_id"),
)

idempotency_records = sa.Table(
    "idempotency_records",
    metadata,
    sa.Column("operation", sa.String(20), primary_key=True),
    # The key itself is never stored: its hash finds the record.
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("appointment_id", sa.String(36), nullable=False),
    sa.Column("result", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Index("ix_idempotency_records_expires", "expires_at"),
)

# Exclusion constraint: no two reservations of the same resource overlap (PostgreSQL only;
# created by the migration, described here so metadata.create_all matches it in tests).
RESERVATIONS_NO_OVERLAP = "reservations_no_overlap"
reservations.append_constraint(
    postgresql.ExcludeConstraint(
        (reservations.c.resource_kind, "="),
        (reservations.c.resource_id, "="),
        (sa.func.tstzrange(reservations.c.start_at, reservations.c.end_at, "[)"), "&&"),
        name=RESERVATIONS_NO_OVERLAP,
        using="gist",
    ).ddl_if(dialect="postgresql")
)

# A one-time code texted to a phone: the code itself is never stored (it is derived from the
# row's id with the server secret); the row counts its tries and marks its one use.
verification_codes = sa.Table(
    "verification_codes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("phone", sa.String(20), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("used_at", UTCDateTime, nullable=True),
    sa.Index("ix_verification_codes_phone_created", "phone", "created_at"),
)

# Calls per caller and minute, shared by every server process.
call_counters = sa.Table(
    "call_counters",
    metadata,
    sa.Column("caller_key", sa.String(64), primary_key=True),
    sa.Column("window_start", UTCDateTime, primary_key=True),
    sa.Column("calls", sa.Integer, nullable=False),
)

# A caller who asked for a person to call them back (the AI receptionist never strands one).
callbacks = sa.Table(
    "callbacks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("client_name", sa.String(200), nullable=False),
    sa.Column("client_phone", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("done_at", UTCDateTime, nullable=True),
    sa.CheckConstraint("status IN ('open', 'done')", name="status_values"),
    sa.Index("ix_callbacks_status_created", "status", "created_at"),
)

# The waitlist: a client's wish (services in visit order, optionally a provider, local dates and
# times of day) to hear when a fitting time frees up.
waitlist_entries = sa.Table(
    "waitlist_entries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("client_id", sa.ForeignKey("clients.id"), nullable=False),
    sa.Column("service_ids", sa.JSON, nullable=False),
    # The services as text ("2,4"): what a booking compares to end the entries it fulfils.
    sa.Column("services_key", sa.String(100), nullable=False),
    sa.Column("provider_id", sa.ForeignKey("providers.id"), nullable=True),
    sa.Column("date_from", sa.Date, nullable=False),
    sa.Column("date_to", sa.Date, nullable=False),
    sa.Column("earliest_time", sa.Time, nullable=True),
    sa.Column("latest_time", sa.Time, nullable=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("source", sa.String(10), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("ended_at", UTCDateTime, nullable=True),
    sa.CheckConstraint(
        "status IN ('active', 'booked', 'left', 'removed', 'expired')", name="status_values"
    ),
    sa.Index("ix_waitlist_entries_status_dates", "status", "date_from", "date_to"),
    sa.Index("ix_waitlist_entries_client", "client_id"),
)

# A time offered to an entry; claimed through a link whose token is derived from the offer's id.
waitlist_offers = sa.Table(
    "waitlist_offers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("entry_id", sa.ForeignKey("waitlist_entries.id", ondelete="CASCADE"), nullable=False),
    sa.Column("start_at", UTCDateTime, nullable=False),
    sa.Column("provider_ids", sa.JSON, nullable=False),  # each part's provider, in order
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=False),  # when its text goes out
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("appointment_id", sa.String(36), nullable=True),
    sa.CheckConstraint("status IN ('open', 'claimed')", name="status_values"),
    sa.UniqueConstraint("entry_id", "start_at", name="uq_waitlist_offers_entry_start"),
)

# Time that freed up (a cancellation, a move away, time off or a closure removed, hours
# widened), written in the change's own transaction; the dispatcher matches it to the waitlist.
freed_time = sa.Table(
    "freed_time",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("start_at", UTCDateTime, nullable=False),
    sa.Column("end_at", UTCDateTime, nullable=False),
    sa.Column("provider_id", sa.Integer, nullable=True),  # whose time (None: anyone's)
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("processed_at", UTCDateTime, nullable=True),
    sa.Index("ix_freed_time_processed", "processed_at"),
)

# The owner's texts for callers: the policy (key "policies") and the FAQ.
business_texts = sa.Table(
    "business_texts",
    metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
)

faq_entries = sa.Table(
    "faq_entries",
    metadata,
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("question", sa.String(200), nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
)

# Transactional outbox: messages written in the same transaction as the appointment change.
notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("appointment_id", sa.ForeignKey("appointments.id"), nullable=True),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("recipient", sa.String(254), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False, server_default=""),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("claimed_at", UTCDateTime, nullable=True),
    sa.Column("claimed_by", sa.String(64), nullable=True),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # A verification code's SMS: the code is derived from this row's id when it is sent.
    sa.Column(
        "verification_id",
        sa.ForeignKey("verification_codes.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.CheckConstraint(
        "status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')", name="status_values"
    ),
    sa.Index("ix_notifications_status_due", "status", "due_at"),
    sa.Index("ix_notifications_appointment", "appointment_id"),
)

provider_feed_tokens = sa.Table(
    "provider_feed_tokens",
    metadata,
    sa.Column("provider_id", sa.ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# Availability answers a process keeps are current while the counters they depend on are
# unchanged. Triggers (migration 0008) bump them in every transaction that changes what
# availability reads: per owner of busy time and UTC date ("provider:3:2026-12-04",
# "resource:2:2026-12-04") and per catalog table otherwise (its name).
schedule_versions = sa.Table(
    "schedule_versions",
    metadata,
    sa.Column("key", sa.String(60), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
)

#: The tables whose every change bumps their own key.
SCHEDULE_CATALOG_TABLES = (
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
