"""Appointments and everything written with them: clients, busy time (reservations), history,
idempotency records, and the locks that serialize writers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from booking_core.adapters import mappers
from booking_core.adapters import tables as t
from booking_core.adapters.database import ROWS_UNREAD_OPTION, is_postgresql
from booking_core.domain.model import (
    HOLDING_STATUSES,
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Client,
)

# Advisory lock classes (pg_advisory_xact_lock(class, id)): one lock space per kind of thing.
# Writers take them in (class, id) order: clients and keys first, then resources.
LOCK_CLASSES = {"client": 1, "idempotency": 2, "provider": 3, "resource": 4}

_a, _ap, _apr, _r = (
    t.appointments,
    t.appointment_parts,
    t.appointment_part_resources,
    t.reservations,
)
_BOOKED = AppointmentStatus.BOOKED.value
# Booked or checked in: an appointment that holds its time.
_HOLDING = [status.value for status in HOLDING_STATUSES]


# Statements built once (SQLAlchemy then reuses their compiled form; building one costs more
# than SQLite takes to run it). Inserts are ``inline()``: nobody reads the new row's id, so
# PostgreSQL is not asked for it (a RETURNING or a nextval() first would cost a round trip in
# the booking's pipeline).
_p = sa.bindparam


@lru_cache(maxsize=16)
def _lock_statement(count: int) -> sa.Select[Any]:
    calls = [
        sa.func.pg_advisory_xact_lock(
            sa.cast(_p(f"c{i}"), sa.Integer), sa.cast(_p(f"k{i}"), sa.Integer)
        )
        for i in range(count)
    ]
    # Nobody reads the locks' (empty) result: in a pipeline they travel with the next read,
    # which the server runs once they are held.
    return sa.select(*calls).execution_options(**{ROWS_UNREAD_OPTION: True})


def _upsert_client(insert: Any) -> Any:
    statement = insert(t.clients).inline()
    return statement.on_conflict_do_update(
        index_elements=[t.clients.c.phone],
        set_={
            "name": statement.excluded.name,
            "email": sa.func.coalesce(statement.excluded.email, t.clients.c.email),
        },
    )


_SAVE_CLIENT = {
    "postgresql": _upsert_client(postgresql.insert),
    "sqlite": _upsert_client(sqlite.insert),
}
_CLIENT_WITH_UPCOMING = (
    sa.select(
        t.clients.c.id.label("known_client_id"),
        t.clients.c.name.label("known_name"),
        t.clients.c.email.label("known_email"),
        *mappers.APPOINTMENT_OWN_COLUMNS,
    )
    # Flat LEFT JOINs (a parenthesized join is materialized whole by SQLite): the
    # appointments through their (client_id, start_at) index.
    .select_from(
        t.clients.outerjoin(
            _a,
            sa.and_(
                _a.c.client_id == t.clients.c.id,
                _a.c.end_at > _p("after", type_=t.UTCDateTime),
                _a.c.status.in_(_HOLDING),
            ),
        )
        .outerjoin(t.providers, t.providers.c.id == _a.c.provider_id)
        .outerjoin(t.services, t.services.c.id == _a.c.service_id)
    )
    .where(t.clients.c.phone == _p("phone"))
    .order_by(_a.c.start_at)
)
# The row on its own: FOR UPDATE on the joined read would re-check the join after waiting, and
# lose a row whose provider a concurrent move changed.
_LOCK_APPOINTMENT = (
    sa.select(_a.c.id)
    .where(_a.c.id == _p("appointment_id"))
    .with_for_update()
    .execution_options(**{ROWS_UNREAD_OPTION: True})
)
# The appointment with its client and its parts (one row per part and resource).
_APPOINTMENT = (
    sa.select(*mappers.APPOINTMENT_COLUMNS, *mappers.PART_COLUMNS)
    .select_from(mappers.join_parts(mappers.APPOINTMENT_FROM))
    .where(_a.c.id == _p("appointment_id"))
    .order_by(*mappers.PART_ORDER)
)
_PARTS_OF = (
    sa.select(*mappers.PART_COLUMNS)
    .select_from(mappers.join_parts(_a))
    .where(_a.c.id.in_(_p("ids", expanding=True)))
    .order_by(*mappers.PART_ORDER)
)
_INSERT_APPOINTMENT = sa.insert(_a).inline()
_INSERT_PART = sa.insert(_ap).inline()
_INSERT_PART_RESOURCE = sa.insert(_apr).inline()
_DELETE_PARTS = sa.delete(_ap).where(_ap.c.appointment_id == _p("appointment_id"))
_DELETE_PART_RESOURCES = sa.delete(_apr).where(_apr.c.appointment_id == _p("appointment_id"))
_UPDATE_APPOINTMENT = sa.update(_a).where(_a.c.id == _p("appointment_id"))
_BOOKED_COUNTS = (
    sa.select(_a.c.provider_id, sa.func.count().label("booked"))
    .where(
        _a.c.provider_id.in_(_p("ids", expanding=True)),
        _a.c.status.in_(_HOLDING),
        _a.c.start_at >= _p("start", type_=t.UTCDateTime),
        _a.c.start_at < _p("end", type_=t.UTCDateTime),
    )
    .group_by(_a.c.provider_id)
)
_INSERT_RESERVATION = sa.insert(t.reservations).inline()
_RELEASE = sa.delete(t.reservations).where(t.reservations.c.appointment_id == _p("appointment_id"))
_INSERT_EVENT = sa.insert(t.appointment_events).inline()
_IDEMPOTENCY_RECORD = sa.select(t.idempotency_records).where(
    t.idempotency_records.c.operation == _p("operation"),
    t.idempotency_records.c.key_hash == _p("key_hash"),
)
_INSERT_IDEMPOTENCY_RECORD = sa.insert(t.idempotency_records).inline()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class BookingStore:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    # --- locks -------------------------------------------------------------------------------
    def lock(self, keys: Iterable[tuple[str, int]]) -> None:
        """Serialize writers per client, idempotency key and provider until the transaction
        ends: ``lock([("client", 7), ("provider", 1)])``.

        PostgreSQL: transaction-scoped advisory locks in one statement, always in (class, id)
        order (select-list items are evaluated left to right), so two writers never wait on
        each other in a cycle. SQLite: the write transaction (BEGIN IMMEDIATE) already holds the
        database's single write lock.
        """
        if not is_postgresql(self.connection):
            return
        pairs = sorted({(LOCK_CLASSES[kind], key) for kind, key in keys})
        if not pairs:
            return
        params = {}
        for i, (cls, key) in enumerate(pairs):
            params[f"c{i}"], params[f"k{i}"] = cls, key
        self.connection.execute(_lock_statement(len(pairs)), params)

    # --- clients -----------------------------------------------------------------------------
    def save_client(self, name: str, phone: str, email: str | None, now: datetime) -> None:
        """Create the client with this phone, or update their name (and e-mail, when given)."""
        upsert = _SAVE_CLIENT[self.connection.dialect.name]
        self.connection.execute(
            upsert, {"name": name, "phone": phone, "email": email, "created_at": now}
        )

    def client_with_upcoming(
        self, phone: str, after: datetime
    ) -> tuple[Client | None, list[Appointment]]:
        """The client with this phone and their booked appointments ending after ``after``, in
        one statement; the appointments without their parts (``with_parts`` reads them: a
        booking checks only the visits' spans)."""
        rows = self.connection.execute(
            _CLIENT_WITH_UPCOMING, {"phone": phone, "after": after}
        ).all()
        if not rows:
            return None, []
        first = rows[0]
        client = Client(first.known_client_id, first.known_name, phone, first.known_email)
        upcoming = [mappers.appointment_from_row(row, client) for row in rows if row.id]
        return client, upcoming

    def get_client(self, client_id: int) -> tuple[Client, str] | None:
        """The client and the front desk's notes about them."""
        row = self.connection.execute(
            sa.select(t.clients).where(t.clients.c.id == client_id)
        ).first()
        if row is None:
            return None
        return Client(row.id, row.name, row.phone, row.email), row.notes

    def client_id_with_phone(self, phone: str) -> int | None:
        found = self.connection.execute(
            sa.select(t.clients.c.id).where(t.clients.c.phone == phone)
        ).scalar()
        return None if found is None else int(found)

    def search_clients(self, text: str, digits: str, limit: int, offset: int) -> list[Client]:
        """Clients whose name or e-mail contains ``text`` (any case) or whose phone contains
        ``digits``; by name."""
        c = t.clients
        pattern = f"%{_escape_like(text.lower())}%"
        matches = [
            sa.func.lower(c.c.name).like(pattern, escape="\\"),
            sa.func.lower(sa.func.coalesce(c.c.email, "")).like(pattern, escape="\\"),
        ]
        if digits:
            matches.append(c.c.phone.like(f"%{digits}%"))
        rows = self.connection.execute(
            sa.select(c)
            .where(sa.or_(*matches))
            .order_by(sa.func.lower(c.c.name), c.c.id)
            .limit(limit)
            .offset(offset)
        )
        return [Client(row.id, row.name, row.phone, row.email) for row in rows]

    def update_client(self, client_id: int, values: dict[str, Any]) -> None:
        if values:
            self.connection.execute(
                sa.update(t.clients).where(t.clients.c.id == client_id).values(**values)
            )

    def client_appointments(self, client_id: int) -> list[Appointment]:
        """Every appointment of the client, newest first, with their parts."""
        query = (
            mappers.select_appointments()
            .where(_a.c.client_id == client_id)
            .order_by(_a.c.start_at.desc())
        )
        found = [mappers.appointment_from_row(row) for row in self.connection.execute(query)]
        return self.with_parts(found)

    # --- appointments ------------------------------------------------------------------------
    def appointment(
        self, appointment_id: str, for_update: bool = False
    ) -> tuple[Appointment, str] | None:
        """The appointment and its manage token's hash. ``for_update``: lock its row first."""
        if for_update and is_postgresql(self.connection):
            # The row on its own: FOR UPDATE on the joined read would re-check the join after
            # waiting, and lose a row whose provider a concurrent move changed.
            self.connection.execute(_LOCK_APPOINTMENT, {"appointment_id": appointment_id})
        rows = self.connection.execute(_APPOINTMENT, {"appointment_id": appointment_id}).all()
        if not rows:
            return None
        parts = mappers.parts_from_rows(rows)[appointment_id]
        return mappers.appointment_from_row(rows[0], parts=parts), rows[0].manage_token_hash

    def with_parts(self, appointments: list[Appointment]) -> list[Appointment]:
        """The appointments with their parts read (one statement)."""
        if not appointments:
            return []
        rows = self.connection.execute(_PARTS_OF, {"ids": [a.id for a in appointments]})
        parts = mappers.parts_from_rows(rows)
        return [replace(a, parts=parts.get(a.id, ())) for a in appointments]

    def add_appointment(self, appointment: Appointment, token_hash: str) -> None:
        """The appointment with its parts and the resources they hold."""
        values = mappers.appointment_values(appointment)
        values.update(client_id=appointment.client.id, manage_token_hash=token_hash)
        self.connection.execute(_INSERT_APPOINTMENT, values)
        self._add_parts(appointment)

    def update_appointment(self, appointment: Appointment, parts_changed: bool = False) -> None:
        """Write a change; ``parts_changed``: its parts (times, providers, resources) too."""
        values = mappers.appointment_values(appointment)
        changes = {key: values[key] for key in mappers.APPOINTMENT_CHANGEABLE}
        self.connection.execute(_UPDATE_APPOINTMENT, {**changes, "appointment_id": appointment.id})
        if parts_changed:
            ids = {"appointment_id": appointment.id}
            self.connection.execute(_DELETE_PART_RESOURCES, ids)
            self.connection.execute(_DELETE_PARTS, ids)
            self._add_parts(appointment)

    def _add_parts(self, appointment: Appointment) -> None:
        for position, part in enumerate(appointment.parts):
            self.connection.execute(
                _INSERT_PART, mappers.part_values(appointment.id, position, part)
            )
            for resource in part.resources:
                self.connection.execute(
                    _INSERT_PART_RESOURCE,
                    {
                        "appointment_id": appointment.id,
                        "position": position,
                        "resource_id": resource.id,
                    },
                )

    def appointments_between(
        self,
        start: datetime,
        end: datetime,
        provider_id: int | None = None,
        statuses: Iterable[AppointmentStatus] | None = None,
    ) -> list[Appointment]:
        query = (
            mappers.select_appointments()
            .where(_a.c.start_at >= start, _a.c.start_at < end)
            .order_by(_a.c.start_at, _a.c.provider_id)
        )
        if provider_id is not None:  # any part with that provider
            query = query.where(
                _a.c.id.in_(sa.select(_ap.c.appointment_id).where(_ap.c.provider_id == provider_id))
            )
        if statuses is not None:
            query = query.where(_a.c.status.in_([s.value for s in statuses]))
        found = [mappers.appointment_from_row(row) for row in self.connection.execute(query)]
        return self.with_parts(found)

    def booked_holding(
        self, kind: str, resource_id: int, start: datetime, end: datetime | None = None
    ) -> list[Appointment]:
        """Booked appointments whose busy time on this provider or resource overlaps
        [start, end) (end None: any time after start), with their parts."""
        held = sa.select(_r.c.appointment_id).where(
            _r.c.resource_kind == kind, _r.c.resource_id == resource_id, _r.c.end_at > start
        )
        if end is not None:
            held = held.where(_r.c.start_at < end)
        query = (
            mappers.select_appointments()
            .where(_a.c.id.in_(held), _a.c.status.in_(_HOLDING))
            .order_by(_a.c.start_at)
        )
        found = [mappers.appointment_from_row(row) for row in self.connection.execute(query)]
        return self.with_parts(found)

    def booked_counts(
        self, provider_ids: Iterable[int], start: datetime, end: datetime
    ) -> dict[int, int]:
        """Booked appointments per provider starting in [start, end)."""
        rows = self.connection.execute(
            _BOOKED_COUNTS, {"ids": list(provider_ids), "start": start, "end": end}
        )
        return {int(row.provider_id): int(row.booked) for row in rows}

    def booked_starts(
        self, provider_ids: Iterable[int], start: datetime, end: datetime
    ) -> list[tuple[int, datetime]]:
        """(provider, start) of the booked appointments starting in [start, end)."""
        rows = self.connection.execute(
            sa.select(_a.c.provider_id, _a.c.start_at).where(
                _a.c.provider_id.in_(list(provider_ids)),
                _a.c.status.in_(_HOLDING),
                _a.c.start_at >= start,
                _a.c.start_at < end,
            )
        )
        return [(int(row.provider_id), row.start_at) for row in rows]

    def future_booked_count(self, provider_id: int, now: datetime) -> int:
        """Booked appointments not yet ended with a part for this provider."""
        with_provider = sa.select(_ap.c.appointment_id).where(_ap.c.provider_id == provider_id)
        return int(
            self.connection.execute(
                sa.select(sa.func.count()).where(
                    _a.c.id.in_(with_provider), _a.c.status.in_(_HOLDING), _a.c.end_at > now
                )
            ).scalar_one()
        )

    # --- busy time ---------------------------------------------------------------------------
    def reserve(
        self, appointment_id: str, kind: str, resource_id: int, start: datetime, end: datetime
    ) -> None:
        self.connection.execute(
            _INSERT_RESERVATION,
            {
                "appointment_id": appointment_id,
                "resource_kind": kind,
                "resource_id": resource_id,
                "start_at": start,
                "end_at": end,
            },
        )

    def release(self, appointment_id: str) -> None:
        self.connection.execute(_RELEASE, {"appointment_id": appointment_id})

    # --- history -----------------------------------------------------------------------------
    def add_event(self, event: AppointmentEvent) -> None:
        self.connection.execute(_INSERT_EVENT, mappers.event_values(event))

    def count_events(self, kind: str, since: datetime) -> int:
        e = t.appointment_events
        return int(
            self.connection.execute(
                sa.select(sa.func.count()).where(e.c.kind == kind, e.c.at >= since)
            ).scalar_one()
        )

    def events(self, appointment_id: str) -> list[AppointmentEvent]:
        e = t.appointment_events
        rows = self.connection.execute(
            sa.select(e).where(e.c.appointment_id == appointment_id).order_by(e.c.id)
        )
        return [mappers.event_from_row(row) for row in rows]

    # --- idempotency -------------------------------------------------------------------------
    def idempotency_record(self, operation: str, key_hash: str) -> Any:
        return self.connection.execute(
            _IDEMPOTENCY_RECORD, {"operation": operation, "key_hash": key_hash}
        ).first()

    def add_idempotency_record(self, values: dict[str, Any]) -> None:
        self.connection.execute(_INSERT_IDEMPOTENCY_RECORD, values)

    def purge_idempotency_records(self, now: datetime) -> int:
        r = t.idempotency_records
        return self.connection.execute(sa.delete(r).where(r.c.expires_at < now)).rowcount
