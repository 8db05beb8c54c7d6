"""One mapper per entity: table row to domain object and back. A column added to a table is
written here once, and read and written everywhere through these functions."""

from __future__ import annotations

from dataclasses import asdict, fields, replace
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from booking_core.adapters import tables as t
from booking_core.domain.model import (
    Appointment,
    AppointmentEvent,
    AppointmentPart,
    AppointmentStatus,
    Callback,
    Client,
    Closure,
    EventKind,
    Offering,
    Provider,
    Resource,
    ResourceKind,
    ResourceRef,
    ResourceTimeOff,
    Service,
    Source,
    TimeOff,
    WorkingHours,
)

# --- providers and services ------------------------------------------------------------------


def provider_from_row(row: Any) -> Provider:
    return Provider(
        id=row.id,
        name=row.name,
        title=row.title,
        active=row.active,
        photo_url=row.photo_url or "",
        bio=row.bio or "",
    )


def service_from_row(row: Any) -> Service:
    return Service(
        id=row.id,
        name=row.name,
        description=row.description,
        duration_minutes=row.duration_minutes,
        buffer_minutes=row.buffer_minutes,
        price_cents=row.price_cents,
        active=row.active,
        preparation=row.preparation or "",
    )


def callback_from_row(row: Any) -> Callback:
    return Callback(
        id=row.id,
        client_name=row.client_name,
        client_phone=row.client_phone,
        reason=row.reason,
        status=row.status,
        created_at=row.created_at,
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


# --- rooms and devices -----------------------------------------------------------------------


def resource_from_row(row: Any) -> Resource:
    return Resource(id=row.id, name=row.name, kind=ResourceKind(row.kind), active=row.active)


def resource_time_off_from_row(row: Any) -> ResourceTimeOff:
    return ResourceTimeOff(row.resource_id, row.start_at, row.end_at, row.reason, row.id)


def resource_time_off_values(entry: ResourceTimeOff) -> dict[str, Any]:
    return {
        "resource_id": entry.resource_id,
        "start_at": entry.start,
        "end_at": entry.end,
        "reason": entry.reason,
    }


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


# An appointment's parts, each with its service's and provider's names and one row per resource
# it holds (none: one row with NULL resource columns). Aliases: the appointment's own row may be
# joined to services and providers in the same statement.
_ap, _apr = t.appointment_parts, t.appointment_part_resources
_part_service, _part_provider = t.services.alias("part_service"), t.providers.alias("part_provider")
PART_COLUMNS = (
    _ap.c.appointment_id.label("part_appointment_id"),
    _ap.c.position.label("part_position"),
    _ap.c.service_id.label("part_service_id"),
    _ap.c.provider_id.label("part_provider_id"),
    _ap.c.start_at.label("part_start_at"),
    _ap.c.end_at.label("part_end_at"),
    _ap.c.buffer_minutes.label("part_buffer_minutes"),
    _part_service.c.name.label("part_service_name"),
    _part_provider.c.name.label("part_provider_name"),
    t.resources.c.id.label("part_resource_id"),
    t.resources.c.name.label("part_resource_name"),
    t.resources.c.kind.label("part_resource_kind"),
)
PART_ORDER = (_ap.c.appointment_id, _ap.c.position, t.resources.c.id)


def join_parts(base: Any) -> Any:
    """``base`` (holding the appointments table) joined to every part and its resources."""
    return (
        base.join(_ap, _ap.c.appointment_id == t.appointments.c.id)
        .join(_part_service, _part_service.c.id == _ap.c.service_id)
        .join(_part_provider, _part_provider.c.id == _ap.c.provider_id)
        .outerjoin(
            _apr,
            sa.and_(
                _apr.c.appointment_id == _ap.c.appointment_id, _apr.c.position == _ap.c.position
            ),
        )
        .outerjoin(t.resources, t.resources.c.id == _apr.c.resource_id)
    )


def parts_from_rows(rows: Any) -> dict[str, tuple[AppointmentPart, ...]]:
    """Rows of ``PART_COLUMNS`` (ordered by ``PART_ORDER``) grouped into each appointment's
    parts, in visit order."""
    found: dict[str, list[AppointmentPart]] = {}
    resources: dict[tuple[str, int], list[ResourceRef]] = {}
    for row in rows:
        key = (row.part_appointment_id, row.part_position)
        if key not in resources:
            resources[key] = []
            found.setdefault(row.part_appointment_id, []).append(
                AppointmentPart(
                    service_id=row.part_service_id,
                    service_name=row.part_service_name,
                    provider_id=row.part_provider_id,
                    provider_name=row.part_provider_name,
                    start=row.part_start_at,
                    end=row.part_end_at,
                    buffer_minutes=row.part_buffer_minutes,
                )
            )
        if row.part_resource_id is not None:
            resources[key].append(
                ResourceRef(
                    row.part_resource_id,
                    row.part_resource_name,
                    ResourceKind(row.part_resource_kind),
                )
            )
    return {
        appointment_id: tuple(
            replace(part, resources=tuple(resources[(appointment_id, position)]))
            for position, part in enumerate(parts)
        )
        for appointment_id, parts in found.items()
    }


def part_values(appointment_id: str, position: int, part: AppointmentPart) -> dict[str, Any]:
    return {
        "appointment_id": appointment_id,
        "position": position,
        "service_id": part.service_id,
        "provider_id": part.provider_id,
        "start_at": part.start,
        "end_at": part.end,
        "buffer_minutes": part.buffer_minutes,
    }


def single_part(appointment: Appointment) -> tuple[AppointmentPart, ...]:
    """The one part of an appointment known by its own columns only (an old record)."""
    return (
        AppointmentPart(
            appointment.service_id,
            appointment.service_name,
            appointment.provider_id,
            appointment.provider_name,
            appointment.start,
            appointment.end,
            appointment.buffer_minutes,
        ),
    )


def appointment_from_row(
    row: Any, client: Client | None = None, parts: tuple[AppointmentPart, ...] = ()
) -> Appointment:
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
        parts=parts,
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
        parts=[
            {
                **{k: v for k, v in asdict(part).items() if k != "resources"},
                "start": part.start.isoformat(),
                "end": part.end.isoformat(),
                "resources": [[r.id, r.name, r.kind.value] for r in part.resources],
            }
            for part in appointment.parts
        ],
    )
    return snapshot


def appointment_from_snapshot(snapshot: dict[str, Any]) -> Appointment:
    row: dict[str, Any] = {
        key: datetime.fromisoformat(value) if key.endswith("_at") and value else value
        for key, value in snapshot.items()
    }
    client = Client(**row.pop("client"))
    parts = tuple(
        AppointmentPart(
            **{
                **part,
                "start": datetime.fromisoformat(part["start"]),
                "end": datetime.fromisoformat(part["end"]),
                "resources": tuple(
                    ResourceRef(id_, name, ResourceKind(kind))
                    for id_, name, kind in part["resources"]
                ),
            }
        )
        for part in row.pop("parts", ())
    )
    appointment = appointment_from_row(SimpleNamespace(**row), client, parts)
    # A record written before visits had parts holds one part: its own columns.
    return appointment if parts else replace(appointment, parts=single_part(appointment))


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
