"""One mapper per entity: table row to domain object and back. A column added to a table is
written here once, and read and written everywhere through these functions."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from booking_core.adapters import tables as t
from booking_core.domain.model import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Client,
    Closure,
    EventKind,
    Offering,
    Provider,
    Service,
    Source,
    TimeOff,
    WorkingHours,
)

# --- providers and services ------------------------------------------------------------------


def provider_from_row(row: Any) -> Provider:
    return Provider(id=row.id, name=row.name, title=row.title, active=row.active)


def service_from_row(row: Any) -> Service:
    return Service(
        id=row.id,
        name=row.name,
        description=row.description,
        duration_minutes=row.duration_minutes,
        buffer_minutes=row.buffer_minutes,
        price_cents=row.price_cents,
        active=row.active,
    )


def offering_from_row(row: Any) -> Offering:
    return Offering(row.provider_id, row.service_id, row.duration_minutes)


def working_hours_from_row(row: Any) -> WorkingHours:
    return WorkingHours(row.provider_id, row.weekday, row.start_time, row.end_time, row.id)


def working_hours_values(provider_id: int, hours: WorkingHours) -> dict[str, Any]:
    return {
        "provider_id": provider_id,
        "weekday": hours.weekday,
        "start_time": hours.start,
        "end_time": hours.end,
    }


def time_off_from_row(row: Any) -> TimeOff:
    return TimeOff(row.provider_id, row.start_at, row.end_at, row.reason, row.id)


def time_off_values(entry: TimeOff) -> dict[str, Any]:
    return {
        "provider_id": entry.provider_id,
        "start_at": entry.start,
        "end_at": entry.end,
        "reason": entry.reason,
    }


def closure_from_row(row: Any) -> Closure:
    return Closure(row.date, row.reason)


# --- clients and appointments ----------------------------------------------------------------


#: An appointment's row and the names of its provider and service.
APPOINTMENT_OWN_COLUMNS = (
    t.appointments,
    t.providers.c.name.label("provider_name"),
    t.services.c.name.label("service_name"),
)
#: What an appointment is read with: its own columns and its client's.
APPOINTMENT_COLUMNS = (
    *APPOINTMENT_OWN_COLUMNS,
    t.clients.c.name.label("client_name"),
    t.clients.c.phone.label("client_phone"),
    t.clients.c.email.label("client_email"),
)
APPOINTMENT_FROM = (
    t.appointments.join(t.providers, t.providers.c.id == t.appointments.c.provider_id)
    .join(t.services, t.services.c.id == t.appointments.c.service_id)
    .join(t.clients, t.clients.c.id == t.appointments.c.client_id)
)


def select_appointments() -> sa.Select[Any]:
    return sa.select(*APPOINTMENT_COLUMNS).select_from(APPOINTMENT_FROM)


def appointment_from_row(row: Any, client: Client | None = None) -> Appointment:
    """``client``: when the row does not carry the client's columns (``APPOINTMENT_COLUMNS``)."""
    if client is None:
        client = Client(row.client_id, row.client_name, row.client_phone, row.client_email)
    return Appointment(
        id=row.id,
        provider_id=row.provider_id,
        provider_name=row.provider_name,
        service_id=row.service_id,
        service_name=row.service_name,
        client=client,
        start=row.start_at,
        end=row.end_at,
        buffer_minutes=row.buffer_minutes,
        status=AppointmentStatus(row.status),
        source=Source(row.source),
        notes=row.notes,
        created_at=row.created_at,
        updated_at=row.updated_at,
        cancelled_at=row.cancelled_at,
        sequence=row.sequence,
    )


def appointment_values(appointment: Appointment) -> dict[str, Any]:
    """The appointment's own columns, but its client's id (the manage token's hash is written
    on creation only)."""
    return {
        "id": appointment.id,
        "provider_id": appointment.provider_id,
        "service_id": appointment.service_id,
        "start_at": appointment.start,
        "end_at": appointment.end,
        "buffer_minutes": appointment.buffer_minutes,
        "status": appointment.status.value,
        "source": appointment.source.value,
        "notes": appointment.notes,
        "sequence": appointment.sequence,
        "created_at": appointment.created_at,
        "updated_at": appointment.updated_at,
        "cancelled_at": appointment.cancelled_at,
    }


#: What a change of an existing appointment may write (its identity, client, service, notes,
#: source and creation time never change).
APPOINTMENT_CHANGEABLE = (
    "provider_id",
    "start_at",
    "end_at",
    "buffer_minutes",
    "status",
    "sequence",
    "updated_at",
    "cancelled_at",
)


def appointment_snapshot(appointment: Appointment) -> dict[str, Any]:
    """The appointment as JSON, for an idempotent replay of the result that created it."""
    values = appointment_values(appointment)
    snapshot = {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in values.items()
    }
    client = appointment.client
    snapshot.update(
        provider_name=appointment.provider_name,
        service_name=appointment.service_name,
        client={"id": client.id, "name": client.name, "phone": client.phone, "email": client.email},
    )
    return snapshot


def appointment_from_snapshot(snapshot: dict[str, Any]) -> Appointment:
    row: dict[str, Any] = {
        key: datetime.fromisoformat(value) if key.endswith("_at") and value else value
        for key, value in snapshot.items()
    }
    client = Client(**row.pop("client"))
    return appointment_from_row(SimpleNamespace(**row), client)


# --- history ---------------------------------------------------------------------------------
# The event's fields are its columns, one for one.
_EVENT_FIELDS = tuple(field.name for field in fields(AppointmentEvent))


def event_values(event: AppointmentEvent) -> dict[str, Any]:
    values = {name: getattr(event, name) for name in _EVENT_FIELDS}
    values.update(kind=event.kind.value, source=event.source.value)
    return values


def event_from_row(row: Any) -> AppointmentEvent:
    values = {name: getattr(row, name) for name in _EVENT_FIELDS}
    values.update(kind=EventKind(row.kind), source=Source(row.source))
    return AppointmentEvent(**values)
