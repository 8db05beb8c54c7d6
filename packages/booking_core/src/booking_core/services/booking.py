"""Booking operations: create, cancel, reschedule and status changes.

Each runs in one write transaction that first serializes writers (advisory locks per client and
provider on PostgreSQL, BEGIN IMMEDIATE on SQLite; see ``booking_reads``), then checks every
rule, then writes the appointment, its busy interval (guarded by the database's no-overlap
constraint), its history event, its messages and its idempotency record together.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from booking_core.domain.availability import ProviderCalendar
from booking_core.domain.model import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    EventKind,
    ResourceKind,
)
from booking_core.domain.timezones import local_day_bounds, parse_instant
from booking_core.errors import (
    BookingError,
    BookingLimitReached,
    ClientOverlap,
    NotFound,
    SlotUnavailable,
    TooLateToChange,
    Unauthorized,
    ValidationFailed,
)
from booking_core.services import outbox
from booking_core.services.alternatives import (
    TakenSlot,
    search_alternatives,
    with_nearby_alternatives,
)
from booking_core.services.booking_log import booking_log
from booking_core.services.booking_reads import (
    BookingReads,
    lock_and_read,
)
from booking_core.services.idempotency import (
    IdempotentRequest,
    idempotent_request,
    remember_result,
    replayed_result,
)
from booking_core.services.requester import (
    Requester,
    authorize,
    clean_notes,
    client_details,
    is_uuid,
    localized,
)
from booking_core.services.tokens import hash_secret, manage_token
from booking_core.services.unit_of_work import Transaction, UnitOfWork

_PROVIDER = ResourceKind.PROVIDER.value


@dataclass(frozen=True)
class BookingResult:
    appointment: Appointment
    manage_token: str | None = None
    replayed: bool = False


# --- create ------------------------------------------------------------------------------------
def create_appointment(
    uow: UnitOfWork,
    *,
    service_id: int,
    start: datetime | str,
    client_name: str,
    client_phone: str,
    client_email: str | None = None,
    provider_id: int | None = None,
    notes: str | None = None,
    requester: Requester,
    idempotency_key: str | None = None,
) -> BookingResult:
    """Book an appointment. With no provider, the free provider with the fewest bookings that
    local day takes it (ties: lowest id). Returns the appointment and the client's manage token.
    """
    with booking_log("create", requester.source, provider=provider_id) as log:
        log["start"] = start
        client = client_details(client_name, client_phone, client_email)
        log["phone"] = client.phone
        clean = clean_notes(notes)
        start_utc = parse_instant(start, uow.tz, "start")
        log["start"] = start_utc.astimezone(uow.tz)
        request = idempotent_request(
            "create",
            idempotency_key,
            service_id=service_id,
            provider_id=provider_id,
            start=start_utc.isoformat(),
            client=[client.name, client.phone, client.email],
            notes=clean,
            source=requester.source.value,
        )

        def work(tx: Transaction) -> BookingResult:
            reads = lock_and_read(
                uow,
                tx,
                phone=client.phone,
                request=request,
                service_id=service_id,
                provider_id=provider_id,
                day=start_utc.astimezone(uow.tz).date(),
                save_client=client,
            )
            return _book(uow, tx, reads, start_utc, clean, requester, request)

        result = _run_booking(
            uow,
            work,
            request,
            lambda error: search_alternatives(uow, error, service_id, provider_id, start_utc),
        )
        _fill_log(log, result, uow.tz)
        return result


def _book(
    uow: UnitOfWork,
    tx: Transaction,
    reads: BookingReads,
    start: datetime,
    notes: str,
    requester: Requester,
    request: IdempotentRequest,
) -> BookingResult:
    """Check the rules on what was read under the locks, then write the booking."""
    now = uow.now()
    if not requester.is_admin:
        _check_booking_limit(uow, reads.upcoming)
    calendar = _choose_provider(uow, tx, reads.calendars, start, requester)
    end = start + timedelta(minutes=calendar.schedule.duration_minutes)
    _check_client_free(reads.upcoming, start, end, exclude=None)
    assert reads.client is not None  # saved before the read
    appointment = Appointment(
        id=str(uuid.uuid4()),
        provider_id=calendar.schedule.provider.id,
        provider_name=calendar.schedule.provider.name,
        service_id=reads.service.id,
        service_name=reads.service.name,
        client=reads.client,
        start=start,
        end=end,
        buffer_minutes=reads.service.buffer_minutes,
        status=AppointmentStatus.BOOKED,
        source=requester.source,
        notes=notes,
        created_at=now,
        updated_at=now,
    )
    token = manage_token(uow.secret, appointment.id)
    tx.bookings.add_appointment(appointment, hash_secret(token))
    tx.bookings.reserve(
        appointment.id, _PROVIDER, appointment.provider_id, start, appointment.busy_until
    )
    tx.bookings.add_event(
        AppointmentEvent(
            appointment_id=appointment.id,
            kind=EventKind.CREATED,
            source=requester.source,
            at=now,
            new_start=start,
            new_end=end,
            new_provider_id=appointment.provider_id,
            new_status=AppointmentStatus.BOOKED.value,
        )
    )
    outbox.queue_for_change(tx, uow.settings, now, "created", appointment)
    result = localized(appointment, uow.tz)
    remember_result(tx, request, result, now)
    return BookingResult(result, token)


def _choose_provider(
    uow: UnitOfWork,
    tx: Transaction,
    calendars: list[ProviderCalendar],
    start: datetime,
    requester: Requester,
) -> ProviderCalendar:
    problems: list[BookingError] = []
    free: list[ProviderCalendar] = []
    for calendar in calendars:
        problem = calendar.problem(
            start, enforce_notice=not requester.is_admin, enforce_hours=not requester.is_admin
        )
        if problem is None:
            free.append(calendar)
        else:
            problems.append(problem)
    if not free:
        # A taken slot is the most useful thing to say; otherwise the first provider's reason.
        taken = next((p for p in problems if isinstance(p, SlotUnavailable)), None)
        if taken is not None:
            raise TakenSlot(taken, calendars, start)
        raise problems[0]
    if len(free) == 1:
        return free[0]
    day_start, day_end = local_day_bounds(start.astimezone(uow.tz).date(), uow.tz)
    counts = tx.bookings.booked_counts([c.schedule.provider.id for c in free], day_start, day_end)
    return min(
        free,
        key=lambda c: (counts.get(c.schedule.provider.id, 0), c.schedule.provider.id),
    )


def _check_booking_limit(uow: UnitOfWork, upcoming: list[Appointment]) -> None:
    limit = uow.settings.max_future_bookings_per_phone
    if 0 < limit <= len(upcoming):
        raise BookingLimitReached(
            f"This phone number already has {len(upcoming)} upcoming appointments, the most we "
            f"can hold online. Please call {uow.settings.business_phone} to book more.",
            limit=limit,
        )


def _check_client_free(
    upcoming: list[Appointment], start: datetime, end: datetime, exclude: str | None
) -> None:
    """A client cannot hold two overlapping booked appointments, with any providers."""
    for other in upcoming:
        if other.id != exclude and other.start < end and start < other.end:
            raise ClientOverlap(
                "You already have an appointment at that time "
                f"({other.service_name} with {other.provider_name}).",
            )


# --- cancel ------------------------------------------------------------------------------------
def cancel_appointment(
    uow: UnitOfWork, *, appointment_id: str, requester: Requester
) -> Appointment:
    """Cancel an appointment and free its time at once. Cancelling twice returns it unchanged."""
    with booking_log("cancel", requester.source, appointment=appointment_id) as log:

        def work(tx: Transaction) -> Appointment:
            now = uow.now()
            appointment = _owned_appointment(uow, tx, appointment_id, requester)
            _fill_log(log, appointment, uow.tz)
            if appointment.status is AppointmentStatus.CANCELLED:
                log["note"] = "already_cancelled"
                return appointment
            _check_changeable(uow, appointment, requester, now, "cancel")
            cancelled = replace(
                appointment,
                status=AppointmentStatus.CANCELLED,
                cancelled_at=now,
                updated_at=now,
                sequence=appointment.sequence + 1,
            )
            tx.bookings.update_appointment(cancelled)
            tx.bookings.release(appointment.id)
            tx.bookings.add_event(
                AppointmentEvent(
                    appointment_id=appointment.id,
                    kind=EventKind.CANCELLED,
                    source=requester.source,
                    at=now,
                    old_start=appointment.start,
                    old_end=appointment.end,
                    old_provider_id=appointment.provider_id,
                    old_status=appointment.status.value,
                    new_status=AppointmentStatus.CANCELLED.value,
                )
            )
            outbox.queue_for_change(tx, uow.settings, now, "cancelled", cancelled)
            return cancelled

        return localized(uow.run(work, pipelined=True), uow.tz)


# --- reschedule --------------------------------------------------------------------------------
def reschedule_appointment(
    uow: UnitOfWork,
    *,
    appointment_id: str,
    new_start: datetime | str,
    requester: Requester,
    provider_id: int | None = None,
    idempotency_key: str | None = None,
) -> BookingResult:
    """Move an appointment: the old time is freed and the new one taken in one transaction, or
    nothing changes. Without provider_id the appointment stays with its provider."""
    with booking_log("reschedule", requester.source, appointment=appointment_id) as log:
        log["start"] = new_start
        start_utc = parse_instant(new_start, uow.tz, "new_start")
        log["start"] = start_utc.astimezone(uow.tz)
        request = idempotent_request(
            "reschedule",
            idempotency_key,
            appointment_id=appointment_id,
            new_start=start_utc.isoformat(),
            provider_id=provider_id,
            source=requester.source.value,
        )
        moving: list[Appointment] = []  # the appointment, once read: for the alternatives

        def work(tx: Transaction) -> BookingResult:
            # The appointment's row lock (PostgreSQL) also orders a retry after its original.
            current = _owned_appointment(uow, tx, appointment_id, requester)
            log["phone"] = current.client.phone
            moving[:] = [current]
            _check_movable(uow, current, requester)
            reads = lock_and_read(
                uow,
                tx,
                phone=current.client.phone,
                request=request,
                service_id=current.service_id,
                provider_id=provider_id or current.provider_id,
                day=start_utc.astimezone(uow.tz).date(),
                release=current.id,
                also_lock=[current.provider_id],
            )
            return _move(uow, tx, reads, current, start_utc, requester, request)

        def more_alternatives(error: SlotUnavailable) -> None:
            if moving:
                target = provider_id or moving[0].provider_id
                search_alternatives(uow, error, moving[0].service_id, target, start_utc)

        result = _run_booking(uow, work, request, more_alternatives)
        _fill_log(log, result, uow.tz)
        return result


def _check_movable(uow: UnitOfWork, current: Appointment, requester: Requester) -> None:
    if current.status is not AppointmentStatus.BOOKED:
        raise ValidationFailed(
            f"This appointment is {current.status.value.replace('_', ' ')} and can no "
            "longer be moved. Please book a new time.",
            status=current.status.value,
        )
    _check_changeable(uow, current, requester, uow.now(), "reschedule")


def _move(
    uow: UnitOfWork,
    tx: Transaction,
    reads: BookingReads,
    current: Appointment,
    start: datetime,
    requester: Requester,
    request: IdempotentRequest,
) -> BookingResult:
    """Check the new time on what was read under the locks, then move the booking."""
    now = uow.now()
    calendar = reads.calendars[0]
    problem = calendar.problem(
        start, enforce_notice=not requester.is_admin, enforce_hours=not requester.is_admin
    )
    if isinstance(problem, SlotUnavailable):
        raise TakenSlot(problem, [calendar], start)
    if problem is not None:
        raise problem
    end = start + timedelta(minutes=calendar.schedule.duration_minutes)
    _check_client_free(reads.upcoming, start, end, exclude=current.id)
    moved = replace(
        current,
        provider_id=calendar.schedule.provider.id,
        provider_name=calendar.schedule.provider.name,
        start=start,
        end=end,
        buffer_minutes=reads.service.buffer_minutes,
        updated_at=now,
        sequence=current.sequence + 1,
    )
    tx.bookings.update_appointment(moved)
    tx.bookings.reserve(moved.id, _PROVIDER, moved.provider_id, moved.start, moved.busy_until)
    tx.bookings.add_event(
        AppointmentEvent(
            appointment_id=moved.id,
            kind=EventKind.RESCHEDULED,
            source=requester.source,
            at=now,
            old_start=current.start,
            old_end=current.end,
            new_start=moved.start,
            new_end=moved.end,
            old_provider_id=current.provider_id,
            new_provider_id=moved.provider_id,
        )
    )
    outbox.queue_for_change(tx, uow.settings, now, "rescheduled", moved, current.start)
    result = localized(moved, uow.tz)
    remember_result(tx, request, result, now)
    return BookingResult(result)


# --- status (admin) ----------------------------------------------------------------------------
def set_appointment_status(
    uow: UnitOfWork, *, appointment_id: str, status: str, requester: Requester
) -> Appointment:
    """Admin: mark a booked appointment completed or no-show."""
    with booking_log("status", requester.source, appointment=appointment_id) as log:
        try:
            new_status = AppointmentStatus(status)
        except ValueError:
            new_status = None
        if new_status not in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW):
            raise ValidationFailed(
                "Status must be completed or no_show.", fields={"status": "completed|no_show"}
            )
        if not requester.is_admin:
            raise Unauthorized()

        def work(tx: Transaction) -> Appointment:
            now = uow.now()
            current = _owned_appointment(uow, tx, appointment_id, requester)
            _fill_log(log, current, uow.tz)
            if current.status is AppointmentStatus.CANCELLED:
                raise ValidationFailed("A cancelled appointment cannot be marked " + status + ".")
            if current.status is new_status:
                return current
            changed = replace(current, status=new_status, updated_at=now)
            tx.bookings.update_appointment(changed)
            tx.bookings.add_event(
                AppointmentEvent(
                    appointment_id=current.id,
                    kind=EventKind.STATUS_CHANGED,
                    source=requester.source,
                    at=now,
                    old_status=current.status.value,
                    new_status=new_status.value,
                )
            )
            return changed

        return localized(uow.run(work), uow.tz)


# --- helpers -----------------------------------------------------------------------------------
def _owned_appointment(
    uow: UnitOfWork, tx: Transaction, appointment_id: str, requester: Requester
) -> Appointment:
    found = (
        tx.bookings.appointment(str(appointment_id), for_update=True)
        if is_uuid(appointment_id)
        else None
    )
    if found is None:
        raise NotFound("We could not find that appointment.", resource="appointment")
    appointment, token_hash = found
    authorize(requester, appointment, token_hash, uow.secret)
    return appointment


def _check_changeable(
    uow: UnitOfWork, appointment: Appointment, requester: Requester, now: datetime, action: str
) -> None:
    if requester.is_admin:
        return
    cutoff = timedelta(hours=uow.settings.change_cutoff_hours)
    if appointment.start - now < cutoff:
        raise TooLateToChange(
            f"It is too late to {action} this appointment online (changes are possible up to "
            f"{uow.settings.change_cutoff_hours} hours before). "
            f"Please call us at {uow.settings.business_phone}.",
            phone=uow.settings.business_phone,
        )


def _fill_log(log: dict[str, Any], result: BookingResult | Appointment, tz: ZoneInfo) -> None:
    appointment = result.appointment if isinstance(result, BookingResult) else result
    log.update(
        appointment=appointment.id,
        provider=appointment.provider_id,
        start=appointment.start.astimezone(tz),
        phone=appointment.client.phone,
    )
    if isinstance(result, BookingResult) and result.replayed:
        log["note"] = "idempotent_replay"


def _run_booking(
    uow: UnitOfWork,
    work: Callable[[Transaction], BookingResult],
    request: IdempotentRequest,
    more_alternatives: Callable[[SlotUnavailable], None],
) -> BookingResult:
    """Run a create or a reschedule (pipelined). A failed retry of a key replays its first
    result (see ``idempotency``); a slot_unavailable leaves with its nearest alternatives."""
    try:
        return uow.run(work, pipelined=True)
    except (TakenSlot, BookingError) as failure:
        # Not for a caller the appointment is not found for (a wrong manage token): a key
        # replays a result only to whoever may see it.
        replay = None if isinstance(failure, NotFound) else replayed_result(uow, request)
        if replay is not None:
            token = manage_token(uow.secret, replay.id) if request.operation == "create" else None
            return BookingResult(replay, token, replayed=True)
        if isinstance(failure, TakenSlot):
            error = with_nearby_alternatives(failure, uow)
        elif isinstance(failure, SlotUnavailable):  # the database's constraint: no calendar
            error = failure
        else:
            raise
    more_alternatives(error)
    raise error


__all__ = [
    "BookingResult",
    "cancel_appointment",
    "create_appointment",
    "reschedule_appointment",
    "set_appointment_status",
]
