"""The one repository: SQL in, domain objects out. Used only inside a unit of work."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from booking_core.adapters import tables as t
from booking_core.adapters.compiled import (
    BatchedSelects,
    CompiledStatement,
    Result,
    Sent,
    execute,
    execute_many,
    pipeline,
    send,
    send_commit,
)
from booking_core.domain.model import (
    LONGEST_BUSY,
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Client,
    Closure,
    Offering,
    Provider,
    ResourceKind,
    Service,
    Source,
    TimeOff,
    WorkingHours,
)

# Advisory lock classes (pg_advisory_xact_lock(class, id)): one lock space per kind of thing.
# Writers take them in class order: clients and keys first, then resources.
_LOCK_CLASS = {"client": 1, "idempotency": 2, ResourceKind.PROVIDER.value: 3}

_appointment_columns = (
    t.appointments,
    t.providers.c.name.label("provider_name"),
    t.services.c.name.label("service_name"),
    t.clients.c.name.label("client_name"),
    t.clients.c.phone.label("client_phone"),
    t.clients.c.email.label("client_email"),
)
_appointment_from = (
    t.appointments.join(t.providers, t.providers.c.id == t.appointments.c.provider_id)
    .join(t.services, t.services.c.id == t.appointments.c.service_id)
    .join(t.clients, t.clients.c.id == t.appointments.c.client_id)
)


# The booking hot path's statements, compiled once per dialect and run on the DBAPI cursor
# (adapters/compiled.py). Lists of ids go as one parameter: an int4 array on PostgreSQL (the
# column's type: an int2 parameter keeps the GiST index from filtering on it), a JSON array
# read by json_each on SQLite.
_p = sa.bindparam


def _sqlite_ids_in(column: Any) -> Any:
    ids: Any = sa.select(sa.column("value")).select_from(
        sa.func.json_each(_p("ids", type_=sa.JSON))
    )
    return column.in_(ids.scalar_subquery())


def _postgres_ids_any(column: Any) -> Any:
    return column == sa.func.any(_p("ids", type_=postgresql.ARRAY(sa.Integer)))


def _per_dialect(build: Callable[[Callable[[Any], Any]], Any]) -> CompiledStatement:
    """A statement filtering a column by the list parameter ``ids``, built for each engine."""
    return CompiledStatement(build(_sqlite_ids_in), postgresql=build(_postgres_ids_any))


_SERVICE_BY_ID = CompiledStatement(sa.select(t.services).where(t.services.c.id == _p("id")))
_PROVIDER_BY_ID = CompiledStatement(sa.select(t.providers).where(t.providers.c.id == _p("id")))
# A service with every provider offering it (LEFT JOIN: a service nobody offers still comes back).
_SERVICE_OFFERINGS = CompiledStatement(
    sa.select(
        t.services,
        t.providers.c.id.label("p_id"),
        t.providers.c.name.label("p_name"),
        t.providers.c.title.label("p_title"),
        t.providers.c.active.label("p_active"),
        t.provider_services.c.duration_minutes.label("offered_minutes"),
    )
    .select_from(
        t.services.outerjoin(
            t.provider_services, t.provider_services.c.service_id == t.services.c.id
        ).outerjoin(t.providers, t.providers.c.id == t.provider_services.c.provider_id)
    )
    .where(t.services.c.id == _p("id"))
    .order_by(t.providers.c.id)
)
_HOURS_FOR = _per_dialect(
    lambda ids_match: (
        sa.select(t.working_hours)
        .where(ids_match(t.working_hours.c.provider_id))
        .order_by(
            t.working_hours.c.provider_id, t.working_hours.c.weekday, t.working_hours.c.start_time
        )
    )
)
_CLIENT_BY_PHONE = CompiledStatement(sa.select(t.clients).where(t.clients.c.phone == _p("phone")))
_CLIENT_FIELDS = ("name", "phone", "email", "created_at")
_INSERT_CLIENT = CompiledStatement(
    sa.insert(t.clients).returning(t.clients.c.id), column_keys=_CLIENT_FIELDS
)
_INSERT_CLIENT_WITH_ID = CompiledStatement(
    sa.insert(t.clients), column_keys=("id", *_CLIENT_FIELDS)
)
# PostgreSQL: a new client's id drawn with the reads (a phone not on file yet), so that the
# client's INSERT needs no round trip of its own for RETURNING. An id drawn for a booking that
# is then refused is skipped: ids are only keys.
_NEW_CLIENT_ID = CompiledStatement(
    sa.select(
        sa.case(
            (
                ~sa.exists().where(t.clients.c.phone == _p("phone")),
                sa.literal_column("nextval(pg_get_serial_sequence('clients', 'id'))", sa.Integer),
            ),
        ).label("id")
    )
)
_UPDATE_CLIENT = CompiledStatement(
    sa.update(t.clients)
    .where(t.clients.c.id == _p("client_id"))
    .values(name=_p("name"), email=_p("email"))
)
_APPOINTMENT_FIELDS = (
    "id",
    "provider_id",
    "service_id",
    "client_id",
    "start_at",
    "end_at",
    "buffer_minutes",
    "status",
    "source",
    "notes",
    "manage_token_hash",
    "sequence",
    "created_at",
    "updated_at",
    "cancelled_at",
)
_INSERT_APPOINTMENT = CompiledStatement(sa.insert(t.appointments), column_keys=_APPOINTMENT_FIELDS)
_RESERVATION_FIELDS = ("appointment_id", "resource_kind", "resource_id", "start_at", "end_at")
_INSERT_RESERVATION = CompiledStatement(sa.insert(t.reservations), column_keys=_RESERVATION_FIELDS)
_EVENT_FIELDS = (
    "appointment_id",
    "kind",
    "source",
    "at",
    "old_start",
    "old_end",
    "new_start",
    "new_end",
    "old_provider_id",
    "new_provider_id",
    "old_status",
    "new_status",
)
_INSERT_EVENT = CompiledStatement(sa.insert(t.appointment_events), column_keys=_EVENT_FIELDS)
_RELEASE = CompiledStatement(
    sa.delete(t.reservations).where(t.reservations.c.appointment_id == _p("appointment_id"))
)
_APPOINTMENT_BY_ID = CompiledStatement(
    sa.select(*_appointment_columns)
    .select_from(_appointment_from)
    .where(t.appointments.c.id == _p("appointment_id"))
)
_LOCK_APPOINTMENT = CompiledStatement(
    sa.select(t.appointments.c.id)
    .where(t.appointments.c.id == _p("appointment_id"))
    .with_for_update()
)
_CLIENT_APPOINTMENTS = CompiledStatement(
    sa.select(*_appointment_columns)
    .select_from(_appointment_from)
    .where(t.appointments.c.client_id == _p("client_id"), t.appointments.c.end_at > _p("after"))
    .order_by(t.appointments.c.start_at)
)
# The same, found by the client's phone: read together with the client, in one round trip.
_PHONE_APPOINTMENTS = CompiledStatement(
    sa.select(*_appointment_columns)
    .select_from(_appointment_from)
    .where(t.clients.c.phone == _p("phone"), t.appointments.c.end_at > _p("after"))
    .order_by(t.appointments.c.start_at)
)
_CLOSURES_BETWEEN = CompiledStatement(
    sa.select(t.closures)
    .where(t.closures.c.date >= _p("first"), t.closures.c.date <= _p("last"))
    .order_by(t.closures.c.date)
)
_TIME_OFF_BETWEEN = _per_dialect(
    lambda ids_match: (
        sa.select(t.time_off)
        .where(
            ids_match(t.time_off.c.provider_id),
            t.time_off.c.end_at > _p("start", type_=t.UTCDateTime),
            t.time_off.c.start_at < _p("end", type_=t.UTCDateTime),
        )
        .order_by(t.time_off.c.start_at)
    )
)
_r = t.reservations
# Busy time overlapping [start, end), read through the (kind, id, end_at) btree index on both
# engines (on PostgreSQL the GiST index of the exclusion constraint cannot filter on a list of
# ids: btree_gist has no "= ANY(array)"). A busy interval is at most LONGEST_BUSY long, so one
# overlapping the window ends before end + LONGEST_BUSY (``latest_end``): the index range is
# bounded on both sides, however many bookings lie ahead.
_RESERVATIONS_BETWEEN = _per_dialect(
    lambda ids_match: sa.select(_r.c.resource_id, _r.c.start_at, _r.c.end_at).where(
        _r.c.resource_kind == _p("kind"),
        ids_match(_r.c.resource_id),
        _r.c.end_at > _p("start", type_=t.UTCDateTime),
        _r.c.end_at < _p("latest_end", type_=t.UTCDateTime),
        _r.c.start_at < _p("end", type_=t.UTCDateTime),
    )
)
_BOOKED_COUNTS = _per_dialect(
    lambda ids_match: (
        sa.select(t.appointments.c.provider_id, sa.func.count().label("booked"))
        .where(
            ids_match(t.appointments.c.provider_id),
            t.appointments.c.status == _p("status"),
            t.appointments.c.start_at >= _p("start", type_=t.UTCDateTime),
            t.appointments.c.start_at < _p("end", type_=t.UTCDateTime),
        )
        .group_by(t.appointments.c.provider_id)
    )
)
_NOTIFICATION_FIELDS = (
    "appointment_id",
    "kind",
    "channel",
    "recipient",
    "subject",
    "body",
    "status",
    "due_at",
    "created_at",
)
_INSERT_NOTIFICATIONS = CompiledStatement(
    sa.insert(t.notifications), column_keys=_NOTIFICATION_FIELDS
)
_INSERT_IDEMPOTENCY_RECORD = CompiledStatement(
    sa.insert(t.idempotency_records),
    column_keys=[c.key for c in t.idempotency_records.columns],
)
_IDEMPOTENCY_RECORD = CompiledStatement(
    sa.select(t.idempotency_records).where(
        t.idempotency_records.c.operation == _p("operation"),
        t.idempotency_records.c.key_hash == _p("key_hash"),
    )
)

# Read as one statement on PostgreSQL (see BatchedSelects); parameter names are shared.
_CALENDAR_READS = BatchedSelects(
    _HOURS_FOR, _CLOSURES_BETWEEN, _TIME_OFF_BETWEEN, _RESERVATIONS_BETWEEN
)
_CLIENT_AND_SERVICE_READS = (_CLIENT_BY_PHONE, _PHONE_APPOINTMENTS, _SERVICE_OFFERINGS)
_BOOKING_READS = BatchedSelects(*_CLIENT_AND_SERVICE_READS, *_CALENDAR_READS.selects)
_KEYED_BOOKING_READS = BatchedSelects(_IDEMPOTENCY_RECORD, *_BOOKING_READS.selects)
_POSTGRESQL_BOOKING_READS = BatchedSelects(_NEW_CLIENT_ID, *_BOOKING_READS.selects)
_POSTGRESQL_KEYED_BOOKING_READS = BatchedSelects(_NEW_CLIENT_ID, *_KEYED_BOOKING_READS.selects)


@dataclass(frozen=True)
class CalendarData:
    """What the availability engine needs from the database for some providers and days."""

    hours: list[WorkingHours]
    closures: list[Closure]
    time_off: list[TimeOff]
    busy: dict[int, list[tuple[datetime, datetime]]]


@dataclass(frozen=True)
class BookingReads:
    """Everything a booking checks, read in one go under its locks."""

    idempotency_record: Any
    client: Client | None
    client_appointments: list[Appointment]
    service: Service | None
    offered: list[tuple[Provider, int | None]]
    calendar: CalendarData
    new_client_id: int | None = None  # PostgreSQL, for a phone not on file: the id to give it


def _appointment(row: Any) -> Appointment:
    return Appointment(
        id=row.id,
        provider_id=row.provider_id,
        provider_name=row.provider_name,
        service_id=row.service_id,
        service_name=row.service_name,
        client=Client(
            id=row.client_id, name=row.client_name, phone=row.client_phone, email=row.client_email
        ),
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


def _provider(row: Any) -> Provider:
    return Provider(id=row.id, name=row.name, title=row.title, active=row.active)


def _service(row: Any) -> Service:
    return Service(
        id=row.id,
        name=row.name,
        description=row.description,
        duration_minutes=row.duration_minutes,
        buffer_minutes=row.buffer_minutes,
        price_cents=row.price_cents,
        active=row.active,
    )


def _client(row: Any) -> Client:
    return Client(row.id, row.name, row.phone, row.email)


def _offerings(rows: list[Any]) -> tuple[Service | None, list[tuple[Provider, int | None]]]:
    if not rows:
        return None, []
    offered = [
        (Provider(row.p_id, row.p_name, row.p_title, row.p_active), row.offered_minutes)
        for row in rows
        if row.p_id is not None
    ]
    return _service(rows[0]), offered


def _working_hours(rows: Iterable[Any]) -> list[WorkingHours]:
    return [
        WorkingHours(row.provider_id, row.weekday, row.start_time, row.end_time, row.id)
        for row in rows
    ]


def _time_off(rows: Iterable[Any]) -> list[TimeOff]:
    return [TimeOff(row.provider_id, row.start_at, row.end_at, row.reason, row.id) for row in rows]


def _busy(rows: Iterable[Any]) -> dict[int, list[tuple[datetime, datetime]]]:
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for row in rows:
        busy[row.resource_id].append((row.start_at, row.end_at))
    return busy


def _calendar_values(
    provider_ids: Sequence[int], first: date, last: date, start: datetime, end: datetime
) -> dict[str, Any]:
    return {
        "ids": list(provider_ids),
        "first": first,
        "last": last,
        "start": start,
        "end": end,
        "latest_end": end + LONGEST_BUSY,
        "kind": ResourceKind.PROVIDER.value,
    }


def _calendar(hours: Result, closures: Result, time_off: Result, busy: Result) -> CalendarData:
    return CalendarData(
        hours=_working_hours(hours.all()),
        closures=[Closure(row.date, row.reason) for row in closures.all()],
        time_off=_time_off(time_off.all()),
        busy=_busy(busy.all()),
    )


@lru_cache(maxsize=16)
def _lock_statement(count: int) -> CompiledStatement:
    calls = ", ".join(
        f"pg_advisory_xact_lock(CAST(:c{i} AS int4), CAST(:k{i} AS int4))" for i in range(count)
    )
    # Select-list items are evaluated left to right: the locks are taken in sorted order.
    return CompiledStatement(sa.text(f"SELECT {calls}"))


class Repository:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.is_postgresql = connection.dialect.name == "postgresql"
        self._in_pipeline = False

    def _execute(self, statement: Any, params: Any = None) -> sa.CursorResult[Any]:
        # SQLAlchemy's execution would run at once, ahead of the statements a pipeline has
        # queued: only compiled statements go into one.
        if self._in_pipeline:
            raise RuntimeError("SQLAlchemy execution inside a pipeline")
        return self.connection.execute(statement, params)

    def _run(self, statement: CompiledStatement, values: dict[str, Any]) -> list[Any]:
        return execute(self.connection, statement, values)

    def _send(self, statement: CompiledStatement, values: dict[str, Any]) -> Sent:
        return send(self.connection, statement, values)

    def commit_in_pipeline(self) -> None:
        """Inside a PostgreSQL pipeline, send COMMIT with what is queued (see
        ``compiled.send_commit``). Elsewhere nothing: the transaction's own commit does it."""
        if self._in_pipeline and self.is_postgresql:
            send_commit(self.connection)

    @contextmanager
    def pipeline(self) -> Iterator[None]:
        """PostgreSQL: the statements sent inside share round trips (see adapters/compiled)."""
        if self._in_pipeline:
            yield
            return
        self._in_pipeline = True
        try:
            with pipeline(self.connection):
                yield
        finally:
            self._in_pipeline = False

    # --- locking -------------------------------------------------------------------------
    def lock(self, *keys: tuple[str, Iterable[int]]) -> None:
        """Serialize writers per client / resource until the transaction ends.

        ``lock(("client", [7]), ("provider", [1, 2]))``. PostgreSQL: transaction-scoped advisory
        locks, all in one round trip, always in (class, id) order so two writers never wait on
        each other in a cycle. SQLite: the write transaction (BEGIN IMMEDIATE) already holds the
        database's single write lock.
        """
        if not self.is_postgresql:
            return
        pairs = sorted({(_LOCK_CLASS[kind], key) for kind, ids in keys for key in ids})
        if not pairs:
            return
        params = {}
        for i, (cls, key) in enumerate(pairs):
            params[f"c{i}"], params[f"k{i}"] = cls, key
        # Inside a pipeline this does not wait: the statements sent after it run once it holds
        # the locks (the server runs a pipeline's statements in order).
        self._send(_lock_statement(len(pairs)), params)

    # --- providers -------------------------------------------------------------------------
    def get_provider(self, provider_id: int) -> Provider | None:
        rows = self._run(_PROVIDER_BY_ID, {"id": provider_id})
        return _provider(rows[0]) if rows else None

    def list_providers(self, active_only: bool = True) -> list[Provider]:
        query = sa.select(t.providers).order_by(t.providers.c.id)
        if active_only:
            query = query.where(t.providers.c.active.is_(True))
        return [_provider(row) for row in self._execute(query)]

    def add_provider(self, name: str, title: str, active: bool, now: datetime) -> Provider:
        new_id = self._execute(
            sa.insert(t.providers)
            .values(name=name, title=title, active=active, created_at=now)
            .returning(t.providers.c.id)
        ).scalar_one()
        return Provider(id=new_id, name=name, title=title, active=active)

    def update_provider(self, provider_id: int, values: dict[str, Any]) -> None:
        if values:
            self._execute(
                sa.update(t.providers).where(t.providers.c.id == provider_id).values(**values)
            )

    # --- services --------------------------------------------------------------------------
    def get_service(self, service_id: int) -> Service | None:
        rows = self._run(_SERVICE_BY_ID, {"id": service_id})
        return _service(rows[0]) if rows else None

    def list_services(self, active_only: bool = True) -> list[Service]:
        query = sa.select(t.services).order_by(t.services.c.id)
        if active_only:
            query = query.where(t.services.c.active.is_(True))
        return [_service(row) for row in self._execute(query)]

    def add_service(self, values: dict[str, Any], now: datetime) -> Service:
        new_id = self._execute(
            sa.insert(t.services).values(**values, created_at=now).returning(t.services.c.id)
        ).scalar_one()
        service = self.get_service(new_id)
        assert service is not None
        return service

    def update_service(self, service_id: int, values: dict[str, Any]) -> None:
        if values:
            self._execute(
                sa.update(t.services).where(t.services.c.id == service_id).values(**values)
            )

    # --- offerings -------------------------------------------------------------------------
    def offerings(
        self, service_id: int | None = None, provider_id: int | None = None
    ) -> list[Offering]:
        query = sa.select(t.provider_services).order_by(
            t.provider_services.c.provider_id, t.provider_services.c.service_id
        )
        if service_id is not None:
            query = query.where(t.provider_services.c.service_id == service_id)
        if provider_id is not None:
            query = query.where(t.provider_services.c.provider_id == provider_id)
        return [
            Offering(row.provider_id, row.service_id, row.duration_minutes)
            for row in self._execute(query)
        ]

    def service_offerings(
        self, service_id: int
    ) -> tuple[Service | None, list[tuple[Provider, int | None]]]:
        """The service and every provider offering it (active or not) with their own duration,
        in one round trip."""
        return _offerings(self._run(_SERVICE_OFFERINGS, {"id": service_id}))

    def replace_offerings(self, provider_id: int, offerings: Sequence[Offering]) -> None:
        self._execute(
            sa.delete(t.provider_services).where(t.provider_services.c.provider_id == provider_id)
        )
        if offerings:
            self._execute(
                sa.insert(t.provider_services),
                [
                    {
                        "provider_id": provider_id,
                        "service_id": o.service_id,
                        "duration_minutes": o.duration_minutes,
                    }
                    for o in offerings
                ],
            )

    # --- working hours ---------------------------------------------------------------------
    def working_hours(self, provider_ids: Iterable[int] | None = None) -> list[WorkingHours]:
        if provider_ids is not None:
            return _working_hours(self._run(_HOURS_FOR, {"ids": list(provider_ids)}))
        return _working_hours(
            self._execute(
                sa.select(t.working_hours).order_by(
                    t.working_hours.c.provider_id,
                    t.working_hours.c.weekday,
                    t.working_hours.c.start_time,
                )
            )
        )

    def replace_working_hours(self, provider_id: int, hours: Sequence[WorkingHours]) -> None:
        self._execute(
            sa.delete(t.working_hours).where(t.working_hours.c.provider_id == provider_id)
        )
        if hours:
            self._execute(
                sa.insert(t.working_hours),
                [
                    {
                        "provider_id": provider_id,
                        "weekday": h.weekday,
                        "start_time": h.start,
                        "end_time": h.end,
                    }
                    for h in hours
                ],
            )

    # --- time off and closures -------------------------------------------------------------
    def time_off(
        self,
        provider_ids: Iterable[int] | None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[TimeOff]:
        # The booking path reads time off with the rest of a calendar (calendar_data).
        query = sa.select(t.time_off).order_by(t.time_off.c.start_at)
        if provider_ids is not None:
            query = query.where(t.time_off.c.provider_id.in_(list(provider_ids)))
        if start is not None:
            query = query.where(t.time_off.c.end_at > start)
        if end is not None:
            query = query.where(t.time_off.c.start_at < end)
        return _time_off(self._execute(query))

    def add_time_off(self, entry: TimeOff) -> TimeOff:
        new_id = self._execute(
            sa.insert(t.time_off)
            .values(
                provider_id=entry.provider_id,
                start_at=entry.start,
                end_at=entry.end,
                reason=entry.reason,
            )
            .returning(t.time_off.c.id)
        ).scalar_one()
        return TimeOff(entry.provider_id, entry.start, entry.end, entry.reason, new_id)

    def delete_time_off(self, time_off_id: int) -> bool:
        result = self._execute(sa.delete(t.time_off).where(t.time_off.c.id == time_off_id))
        return result.rowcount > 0

    def closures(self, first: date | None = None, last: date | None = None) -> list[Closure]:
        query = sa.select(t.closures).order_by(t.closures.c.date)
        if first is not None:
            query = query.where(t.closures.c.date >= first)
        if last is not None:
            query = query.where(t.closures.c.date <= last)
        return [Closure(row.date, row.reason) for row in self._execute(query)]

    def add_closure(self, closure: Closure) -> bool:
        if self._execute(sa.select(t.closures).where(t.closures.c.date == closure.date)).first():
            self._execute(
                sa.update(t.closures)
                .where(t.closures.c.date == closure.date)
                .values(reason=closure.reason)
            )
            return False
        self._execute(sa.insert(t.closures).values(date=closure.date, reason=closure.reason))
        return True

    def delete_closure(self, day: date) -> bool:
        return self._execute(sa.delete(t.closures).where(t.closures.c.date == day)).rowcount > 0

    # --- busy time -------------------------------------------------------------------------

    def calendar_data(
        self, provider_ids: Sequence[int], first: date, last: date, start: datetime, end: datetime
    ) -> CalendarData:
        """Working hours, closures over local dates [first, last], time off and busy time over
        [start, end): one statement on PostgreSQL."""
        values = _calendar_values(provider_ids, first, last, start, end)
        return _calendar(*_CALENDAR_READS.send(self.connection, values))

    def booking_reads(
        self,
        *,
        locks: Sequence[tuple[str, Iterable[int]]],
        idempotency: tuple[str, str] | None,
        phone: str,
        after: datetime,
        service_id: int,
        provider_ids: Sequence[int],
        first: date,
        last: date,
        start: datetime,
        end: datetime,
    ) -> BookingReads:
        """Take the locks, then read everything a booking checks: one round trip on PostgreSQL
        (the reads are a statement of their own, which the server starts once the locks are
        held: a pipeline runs in order)."""
        values = {
            "phone": phone,
            "after": after,
            "id": service_id,
            **_calendar_values(provider_ids, first, last, start, end),
        }
        if idempotency:
            values["operation"], values["key_hash"] = idempotency
        batch = (
            (_POSTGRESQL_KEYED_BOOKING_READS if idempotency else _POSTGRESQL_BOOKING_READS)
            if self.is_postgresql
            else (_KEYED_BOOKING_READS if idempotency else _BOOKING_READS)
        )
        with self.pipeline():
            self.lock(*locks)
            results = batch.send(self.connection, values)
        new_client_id = results.pop(0).all()[0].id if self.is_postgresql else None
        record = results.pop(0).all() if idempotency else []
        client, appointments, offerings, *calendar = results
        client_rows = client.all()
        service, offered = _offerings(offerings.all())
        return BookingReads(
            idempotency_record=record[0] if record else None,
            client=_client(client_rows[0]) if client_rows else None,
            client_appointments=[_appointment(row) for row in appointments.all()],
            service=service,
            offered=offered,
            calendar=_calendar(*calendar),
            new_client_id=new_client_id,
        )

    def reserve(
        self, appointment_id: str, kind: str, resource_id: int, start: datetime, end: datetime
    ) -> None:
        self._send(
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
        self._send(_RELEASE, {"appointment_id": appointment_id})

    # --- clients ---------------------------------------------------------------------------
    def find_client(self, phone: str) -> Client | None:
        rows = self._run(_CLIENT_BY_PHONE, {"phone": phone})
        return _client(rows[0]) if rows else None

    def save_client(
        self,
        name: str,
        phone: str,
        email: str | None,
        now: datetime,
        existing: Client | None,
        new_id: int | None = None,
    ) -> Client:
        """The client with this phone (``existing``, already looked up), created (with
        ``new_id`` when one was drawn) or updated with the latest name and e-mail."""
        if existing is None:
            values = {"name": name, "phone": phone, "email": email, "created_at": now}
            if new_id is None:
                new_id = self._run(_INSERT_CLIENT, values)[0].id
            else:
                self._send(_INSERT_CLIENT_WITH_ID, {"id": new_id, **values})
            return Client(new_id, name, phone, email)
        email = email or existing.email
        if (name, email) != (existing.name, existing.email):
            self._send(_UPDATE_CLIENT, {"client_id": existing.id, "name": name, "email": email})
        return Client(existing.id, name, phone, email)

    # --- appointments ----------------------------------------------------------------------
    def add_appointment(self, appointment: Appointment, token_hash: str) -> None:
        self._send(
            _INSERT_APPOINTMENT,
            {
                "id": appointment.id,
                "provider_id": appointment.provider_id,
                "service_id": appointment.service_id,
                "client_id": appointment.client.id,
                "start_at": appointment.start,
                "end_at": appointment.end,
                "buffer_minutes": appointment.buffer_minutes,
                "status": appointment.status.value,
                "source": appointment.source.value,
                "notes": appointment.notes,
                "manage_token_hash": token_hash,
                "sequence": appointment.sequence,
                "created_at": appointment.created_at,
                "updated_at": appointment.updated_at,
                "cancelled_at": None,
            },
        )

    def update_appointment(self, appointment: Appointment) -> None:
        self._execute(
            sa.update(t.appointments)
            .where(t.appointments.c.id == appointment.id)
            .values(
                provider_id=appointment.provider_id,
                start_at=appointment.start,
                end_at=appointment.end,
                buffer_minutes=appointment.buffer_minutes,
                status=appointment.status.value,
                sequence=appointment.sequence,
                updated_at=appointment.updated_at,
                cancelled_at=appointment.cancelled_at,
            )
        )

    def get_appointment(
        self, appointment_id: str, for_update: bool = False
    ) -> tuple[Appointment, str] | None:
        if for_update and self.is_postgresql:
            # Lock the appointment row on its own: FOR UPDATE on the joined read would re-check
            # the join after waiting, and lose a row whose provider a concurrent move changed.
            self._run(_LOCK_APPOINTMENT, {"appointment_id": appointment_id})
        rows = self._run(_APPOINTMENT_BY_ID, {"appointment_id": appointment_id})
        return (_appointment(rows[0]), rows[0].manage_token_hash) if rows else None

    def appointments_between(
        self,
        start: datetime,
        end: datetime,
        provider_id: int | None = None,
        statuses: Iterable[AppointmentStatus] | None = None,
    ) -> list[Appointment]:
        a = t.appointments
        query = (
            sa.select(*_appointment_columns)
            .select_from(_appointment_from)
            .where(a.c.start_at >= start, a.c.start_at < end)
            .order_by(a.c.start_at, a.c.provider_id)
        )
        if provider_id is not None:
            query = query.where(a.c.provider_id == provider_id)
        if statuses is not None:
            query = query.where(a.c.status.in_([s.value for s in statuses]))
        return [_appointment(row) for row in self._execute(query)]

    def client_appointments(
        self, client_id: int, start_after: datetime, status: AppointmentStatus | None = None
    ) -> list[Appointment]:
        """The client's appointments ending after ``start_after`` (optionally of one status)."""
        rows = self._run(_CLIENT_APPOINTMENTS, {"client_id": client_id, "after": start_after})
        found = [_appointment(row) for row in rows]
        return found if status is None else [a for a in found if a.status is status]

    def booked_counts(
        self, provider_ids: Iterable[int], start: datetime, end: datetime
    ) -> dict[int, int]:
        rows = self._run(
            _BOOKED_COUNTS,
            {"ids": list(provider_ids), "status": "booked", "start": start, "end": end},
        )
        return {int(row.provider_id): int(row.booked) for row in rows}

    def future_booked_count(self, provider_id: int, now: datetime) -> int:
        a = t.appointments
        return int(
            self._execute(
                sa.select(sa.func.count()).where(
                    a.c.provider_id == provider_id,
                    a.c.status == AppointmentStatus.BOOKED.value,
                    a.c.end_at > now,
                )
            ).scalar_one()
        )

    def add_event(self, event: AppointmentEvent) -> None:
        self._send(
            _INSERT_EVENT,
            {
                "appointment_id": event.appointment_id,
                "kind": event.kind.value,
                "source": event.source.value,
                "at": event.at,
                "old_start": event.old_start,
                "old_end": event.old_end,
                "new_start": event.new_start,
                "new_end": event.new_end,
                "old_provider_id": event.old_provider_id,
                "new_provider_id": event.new_provider_id,
                "old_status": event.old_status,
                "new_status": event.new_status,
            },
        )

    def events(self, appointment_id: str) -> list[AppointmentEvent]:
        e = t.appointment_events
        rows = self._execute(
            sa.select(e).where(e.c.appointment_id == appointment_id).order_by(e.c.id)
        )
        return [
            AppointmentEvent(
                appointment_id=row.appointment_id,
                kind=row.kind,
                source=Source(row.source),
                at=row.at,
                old_start=row.old_start,
                old_end=row.old_end,
                new_start=row.new_start,
                new_end=row.new_end,
                old_provider_id=row.old_provider_id,
                new_provider_id=row.new_provider_id,
                old_status=row.old_status,
                new_status=row.new_status,
            )
            for row in rows
        ]

    # --- outbox ----------------------------------------------------------------------------
    def add_notifications(self, rows: list[dict[str, Any]]) -> None:
        execute_many(self.connection, _INSERT_NOTIFICATIONS, rows)

    # --- idempotency -----------------------------------------------------------------------
    def get_idempotency_record(self, operation: str, key_hash: str) -> Any:
        rows = self._run(_IDEMPOTENCY_RECORD, {"operation": operation, "key_hash": key_hash})
        return rows[0] if rows else None

    def add_idempotency_record(self, values: dict[str, Any]) -> None:
        self._send(_INSERT_IDEMPOTENCY_RECORD, values)

    def purge_idempotency_records(self, now: datetime) -> int:
        r = t.idempotency_records
        return self._execute(sa.delete(r).where(r.c.expires_at < now)).rowcount
