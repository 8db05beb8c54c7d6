"""Booking operations: create, cancel, reschedule and status changes.

Each runs in one write transaction that first serializes writers (advisory locks per client and
provider on PostgreSQL, BEGIN IMMEDIATE on SQLite; see ``booking_reads``), then checks every
rule, then writes the appointment, its busy interval (guarded by the database's no-overlap
constraint), its history event, its messages and its idempotency record together.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from booking_core.domain.model import (
    Appointment,
    AppointmentEvent,
    AppointmentPart,
    AppointmentStatus,
    EventKind,
    PartRequest,
    ResourceRef,
)
from booking_core.domain.timezones import local_day_bounds, parse_instant
from booking_core.domain.visits import NoPlan, Plan, VisitCalendar, plan_rank, visit_reservations
from booking_core.errors import (
    BookingError,
    BookingLimitReached,
    ClientOverlap,
    NotFound,
    OutsideWorkingHours,
    ProviderUnavailable,
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
from booking_core.services.booking_reads import BookingReads, lock_and_read
from booking_core.services.idempotency import (
    IdempotentRequest,
    idempotent_request,
    remember_result,
    replayed_result,
)
from booking_core.services.read_before_locking import may_read_early, read_before_locking
from booking_core.services.requester import (
    Requester,
    authorize,
    clean_notes,
    client_details,
    is_uuid,
    localized,
)
from booking_core.services.scheduling import check_parts
from booking_core.services.tokens import hash_secret, manage_token
from booking_core.services.unit_of_work import Transaction, UnitOfWork
from booking_core.services.waitlist import record_freed


@dataclass(frozen=True)
class BookingResult:
    appointment: Appointment
    manage_token: str | None = None
    replayed: bool = False


# --- create ------------------------------------------------------------------------------------
def create_appointment(
    uow: UnitOfWork,
    *,
    service_id: int | None = None,
    services: Sequence[PartRequest] | None = None,
    start: datetime | str,
    client_name: str,
    client_phone: str,
    client_email: str | None = None,
    provider_id: int | None = None,
    notes: str | None = None,
    requester: Requester,
    idempotency_key: str | None = None,
    waitlist_offer: int | None = None,
) -> BookingResult:
    """Book an appointment: ``service_id`` (with ``provider_id`` or not), or a visit of several
    ``services`` back to back from ``start``, each with its provider or not. With no provider,
    the free provider with the fewest bookings that local day takes it (ties: lowest id); a
    visit stays with one provider when one is free for all of it. All or nothing. Returns the
    appointment and the client's manage token.
    """
    with booking_log("create", requester.source, provider=provider_id) as log:
        log["start"] = start
        parts = _requested_parts(service_id, provider_id, services)
        client = client_details(client_name, client_phone, client_email)
        log["phone"] = client.phone
        clean = clean_notes(notes)
        start_utc = parse_instant(start, uow.tz, "start")
        log["start"] = start_utc.astimezone(uow.tz)
        # A one-service request keeps the fingerprint it had before visits (a key retried
        # across an upgrade still replays).
        what: dict[str, object] = (
            {"service_id": parts[0].service_id, "provider_id": parts[0].provider_id}
            if len(parts) == 1
            else {"parts": [[part.service_id, part.provider_id] for part in parts]}
        )
        request = idempotent_request(
            "create",
            idempotency_key,
            **what,
            start=start_utc.isoformat(),
            client=[client.name, client.phone, client.email],
            notes=clean,
            source=requester.source.value,
        )

        taken = (
            read_before_locking(uow, parts, start_utc, client.phone)
            if may_read_early(requester, idempotency_key, waitlist_offer)
            else None
        )

        def work(tx: Transaction) -> BookingResult:
            reads = lock_and_read(
                uow,
                tx,
                phone=client.phone,
                request=request,
                parts=parts,
                day=start_utc.astimezone(uow.tz).date(),
                save_client=client,
            )
            return _book(uow, tx, reads, start_utc, clean, requester, request, waitlist_offer)

        result = _run_booking(
            uow,
            work,
            request,
            lambda error: search_alternatives(uow, error, parts, start_utc),
            taken,
        )
        _fill_log(log, result, uow.tz)
        return result


def _requested_parts(
    service_id: int | None, provider_id: int | None, services: Sequence[PartRequest] | None
) -> list[PartRequest]:
    """The visit asked for: one service (and provider), or a list of parts; exactly one form."""
    if (service_id is None) == (services is None) or (services is not None and provider_id):
        raise ValidationFailed(
            "Give the service to book as service_id (with an optional provider_id), or a visit "
            "of several as services: one of the two.",
            fields={"service_id": "one of service_id or services", "services": "see service_id"},
        )
    parts = (
        [PartRequest(service_id, provider_id)] if service_id is not None else list(services or ())
    )
    check_parts(parts)
    return parts


def _book(
    uow: UnitOfWork,
    tx: Transaction,
    reads: BookingReads,
    start: datetime,
    notes: str,
    requester: Requester,
    request: IdempotentRequest,
    waitlist_offer: int | None = None,
) -> BookingResult:
    """Check the rules on what was read under the locks, then write the booking."""
    now = uow.now()
    if not requester.is_admin:
        _check_booking_limit(uow, reads.upcoming)
    if requester.verified:
        # A caller known to hold the phone hears about their own appointment at that time
        # before anything else (a retry of their booking is "you already have it").
        _check_client_free(reads.upcoming, start, start + reads.visit.shortest, exclude=None)
    parts = visit_parts(_choose_plan(uow, tx, reads.visit, start, requester))
    first = parts[0]
    _check_client_free(reads.upcoming, start, parts[-1].end, exclude=None)
    assert reads.client is not None  # saved before the read
    appointment = Appointment(
        id=str(uuid.uuid4()),
        provider_id=first.provider_id,
        provider_name=first.provider_name,
        service_id=first.service_id,
        service_name=first.service_name,
        client=reads.client,
        start=start,
        end=parts[-1].end,
        buffer_minutes=parts[-1].buffer_minutes,
        status=AppointmentStatus.BOOKED,
        source=requester.source,
        notes=notes,
        created_at=now,
        updated_at=now,
        parts=parts,
    )
    token = manage_token(uow.secret, appointment.id)
    tx.bookings.add_appointment(appointment, hash_secret(token))
    _reserve(tx, appointment)
    tx.bookings.add_event(
        AppointmentEvent(
            appointment_id=appointment.id,
            kind=EventKind.CREATED,
            source=requester.source,
            at=now,
            new_start=start,
            new_end=appointment.end,
            new_provider_id=appointment.provider_id,
            new_status=AppointmentStatus.BOOKED.value,
        )
    )
    _settle_waitlist(tx, appointment, waitlist_offer, requester, now, uow)
    outbox.queue_for_change(tx, uow.settings, now, "created", appointment)
    result = localized(appointment, uow.tz)
    remember_result(tx, request, result, now)
    return BookingResult(result, token)


def _settle_waitlist(
    tx: Transaction,
    appointment: Appointment,
    offer_id: int | None,
    requester: Requester,
    now: datetime,
    uow: UnitOfWork,
) -> None:
    """The client's waitlist entries for exactly this visit that day end; a claimed offer is
    marked and the history records where the booking came from."""
    day = appointment.start.astimezone(uow.tz).date()
    services = [part.service_id for part in appointment.parts]
    tx.waitlist.end_entries_booked(appointment.client.id, services, day, now)
    if offer_id is not None:
        tx.waitlist.mark_claimed(offer_id, appointment.id)
        tx.bookings.add_event(
            AppointmentEvent(
                appointment_id=appointment.id,
                kind=EventKind.FROM_WAITLIST,
                source=requester.source,
                at=now,
            )
        )


def _reserve(tx: Transaction, appointment: Appointment) -> None:
    """The visit's busy time on its providers, rooms and devices (the database refuses any
    overlap with another booking's)."""
    for kind, owner, start, end in visit_reservations(appointment.parts):
        tx.bookings.reserve(appointment.id, kind, owner, start, end)


def visit_parts(plan: Plan) -> tuple[AppointmentPart, ...]:
    return tuple(
        AppointmentPart(
            service_id=part.service.id,
            service_name=part.service.name,
            provider_id=part.provider_id,
            provider_name=part.calendar.schedule.provider.name,
            start=part.start,
            end=part.end,
            buffer_minutes=part.service.buffer_minutes,
            resources=tuple(ResourceRef(r.id, r.name, r.kind) for r in part.resources),
        )
        for part in plan
    )


def _choose_plan(
    uow: UnitOfWork,
    tx: Transaction,
    visit: VisitCalendar,
    start: datetime,
    requester: Requester,
) -> Plan:
    """The way to hold the visit at ``start``: with several, the one with the fewest providers,
    then the first provider with the fewest bookings that local day, then the lowest id."""
    try:
        plans = visit.plans(
            start, enforce_notice=not requester.is_admin, enforce_hours=not requester.is_admin
        )
    except NoPlan as failure:
        problem = failure.problem
        if len(visit.parts) > 1:
            problem.details.setdefault("part", failure.part)
        if isinstance(problem, SlotUnavailable):
            raise TakenSlot(problem, visit, start) from None
        raise problem from None
    if len(plans) == 1:
        return plans[0]
    day_start, day_end = local_day_bounds(start.astimezone(uow.tz).date(), uow.tz)
    counts = tx.bookings.booked_counts([plan[0].provider_id for plan in plans], day_start, day_end)
    return min(plans, key=lambda plan: plan_rank(plan, counts.get(plan[0].provider_id, 0)))


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
            for part in appointment.parts:  # for the waitlist
                record_freed(tx, part.start, part.busy_until, now, part.provider_id)
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
    part_providers: Sequence[int | None] | None = None,
    idempotency_key: str | None = None,
) -> BookingResult:
    """Move a visit, all its parts together: the old time is freed and the new one taken in one
    transaction, or nothing changes. The parts keep their order and providers unless
    ``part_providers`` gives one per part (None keeps that part's) or, for a one-part booking,
    ``provider_id`` gives another."""
    with booking_log("reschedule", requester.source, appointment=appointment_id) as log:
        log["start"] = new_start
        start_utc = parse_instant(new_start, uow.tz, "new_start")
        log["start"] = start_utc.astimezone(uow.tz)
        if provider_id is not None and part_providers is not None:
            raise ValidationFailed(
                "Give either provider_id or parts, not both.",
                fields={"provider_id": "one of provider_id or parts", "parts": "see provider_id"},
            )
        request = idempotent_request(
            "reschedule",
            idempotency_key,
            appointment_id=appointment_id,
            new_start=start_utc.isoformat(),
            provider_id=provider_id,
            source=requester.source.value,
            **({} if part_providers is None else {"part_providers": list(part_providers)}),
        )
        moving: list[list[PartRequest]] = []  # the visit asked for, once read: for alternatives

        def work(tx: Transaction) -> BookingResult:
            # The appointment's row lock (PostgreSQL) also orders a retry after its original.
            current = _owned_appointment(uow, tx, appointment_id, requester)
            log["phone"] = current.client.phone
            _check_movable(uow, current, requester)
            parts = _parts_after_move(current, provider_id, part_providers)
            moving[:] = [parts]
            reads = lock_and_read(
                uow,
                tx,
                phone=current.client.phone,
                request=request,
                parts=parts,
                day=start_utc.astimezone(uow.tz).date(),
                release=current.id,
                also_lock=[part.provider_id for part in current.parts],
            )
            return _move(uow, tx, reads, current, start_utc, requester, request)

        # Kept providers who cannot take the new time: alternatives from anyone offering the
        # services (their own nearest times among them), not just from those providers.
        keeps_providers = provider_id is None and part_providers is None

        def more_alternatives(error: BookingError) -> None:
            if moving:
                parts = moving[0]
                if keeps_providers:
                    parts = [PartRequest(part.service_id) for part in parts]
                search_alternatives(uow, error, parts, start_utc, keep_found=not keeps_providers)

        try:
            result = _run_booking(uow, work, request, more_alternatives)
        except (OutsideWorkingHours, ProviderUnavailable) as error:
            if keeps_providers:
                more_alternatives(error)
            raise
        _fill_log(log, result, uow.tz)
        return result


def _parts_after_move(
    current: Appointment, provider_id: int | None, part_providers: Sequence[int | None] | None
) -> list[PartRequest]:
    """The moved visit's parts: the same services in the same order, each with its provider or
    the one asked for."""
    providers: list[int | None] = [None] * len(current.parts)
    if part_providers is not None:
        if len(part_providers) != len(current.parts):
            raise ValidationFailed(
                f"This visit has {len(current.parts)} part(s): give one entry per part.",
                fields={"parts": f"{len(current.parts)} entries"},
            )
        providers = list(part_providers)
    elif provider_id is not None:
        if len(current.parts) > 1:
            raise ValidationFailed(
                "This visit has several parts: name a provider for each part (or none to keep "
                "them).",
                fields={"provider_id": "use parts for a visit"},
            )
        providers = [provider_id]
    return [
        PartRequest(part.service_id, chosen or part.provider_id)
        for part, chosen in zip(current.parts, providers, strict=True)
    ]


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
    parts = visit_parts(_choose_plan(uow, tx, reads.visit, start, requester))
    _check_client_free(reads.upcoming, start, parts[-1].end, exclude=current.id)
    moved = replace(
        current,
        provider_id=parts[0].provider_id,
        provider_name=parts[0].provider_name,
        start=start,
        end=parts[-1].end,
        buffer_minutes=parts[-1].buffer_minutes,
        updated_at=now,
        sequence=current.sequence + 1,
        parts=parts,
    )
    tx.bookings.update_appointment(moved, parts_changed=True)
    _reserve(tx, moved)
    for part in current.parts:  # for the waitlist: the time the visit left
        record_freed(tx, part.start, part.busy_until, now, part.provider_id)
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


#: What the front desk may mark: checked in, then completed or a no-show.
_OUTCOMES = (AppointmentStatus.ARRIVED, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)


# --- status (admin) ----------------------------------------------------------------------------
def set_appointment_status(
    uow: UnitOfWork, *, appointment_id: str, status: str, requester: Requester
) -> Appointment:
    """Admin: check a booked appointment in (arrived), or mark it completed or no-show."""
    with booking_log("status", requester.source, appointment=appointment_id) as log:
        try:
            new_status = AppointmentStatus(status)
        except ValueError:
            new_status = None
        if new_status not in _OUTCOMES:
            raise ValidationFailed(
                "Status must be arrived, completed or no_show.",
                fields={"status": "arrived|completed|no_show"},
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
            if new_status is AppointmentStatus.ARRIVED and current.status is not (
                AppointmentStatus.BOOKED
            ):
                raise ValidationFailed(
                    f"Only a booked appointment can be checked in (this one is "
                    f"{current.status.value.replace('_', ' ')}).",
                    status=current.status.value,
                )
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
    more_alternatives: Callable[[BookingError], None],
    taken: TakenSlot | None = None,
) -> BookingResult:
    """Run a create or a reschedule (pipelined). A failed retry of a key replays its first
    result (see ``idempotency``); a slot_unavailable leaves with its nearest alternatives.
    ``taken``: a start already known taken (``read_before_locking``) is refused unlocked."""
    try:
        if taken is not None:
            raise taken
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
