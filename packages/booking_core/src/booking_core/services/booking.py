"""Booking operations: create, cancel, reschedule and status changes.

Each runs in one write transaction that first serializes writers (advisory locks per client and
provider on PostgreSQL, BEGIN IMMEDIATE on SQLite), then checks every rule, then writes the
appointment, its busy interval (guarded by the database's no-overlap constraint), its history
event and its idempotency record together.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from booking_core.adapters.repository import Repository
from booking_core.domain import availability
from booking_core.domain.availability import ProviderCalendar
from booking_core.domain.model import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Client,
    EventKind,
    Provider,
    ResourceKind,
    Service,
    Slot,
    Source,
)
from booking_core.domain.timezones import local_day_bounds, parse_instant
from booking_core.errors import (
    BookingError,
    BookingLimitReached,
    ClientOverlap,
    IdempotencyConflict,
    NotFound,
    ServiceNotOffered,
    SlotUnavailable,
    TooLateToChange,
    Unauthorized,
    ValidationFailed,
)
from booking_core.services import outbox
from booking_core.services.booking_log import booking_log
from booking_core.services.requests import (
    Requester,
    authorize,
    clean_notes,
    client_details,
    fingerprint,
    hash_secret,
    is_uuid,
    localized,
)
from booking_core.services.scheduling import (
    bookable_offerings,
    build_calendars,
    calendar_span,
    check_ids,
    load_calendars,
)
from booking_core.services.unit_of_work import Transaction, UnitOfWork

IDEMPOTENCY_TTL = timedelta(hours=48)
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
        request_print = fingerprint(
            service_id=service_id,
            provider_id=provider_id,
            start=start_utc.isoformat(),
            client=[client.name, client.phone, client.email],
            notes=clean,
            source=requester.source.value,
        )

        def work(tx: Transaction) -> BookingResult:
            repo, now = tx.repo, uow.now()
            check_ids(service_id, provider_id)
            if provider_id is None:
                # Lock whoever offers the service now; their offerings are read again below,
                # under the lock (admin changes take it too).
                try:
                    lock_ids = [p.id for p, _ in bookable_offerings(repo, service_id, None)[1]]
                except BookingError:
                    if not idempotency_key:
                        raise
                    # A retry still replays a booking made before the service changed; a new
                    # request gets the same error from the checks below.
                    lock_ids = []
            else:
                lock_ids = [provider_id]
            day = start_utc.astimezone(uow.tz).date()
            span = calendar_span(uow.settings, day, day)
            # One at a time per client, per key (a retry racing its original sees its record)
            # and per provider; everything the booking checks is read under those locks, in
            # one round trip on PostgreSQL.
            reads = repo.booking_reads(
                locks=[
                    ("client", [_lock_key(client.phone)]),
                    ("idempotency", [_lock_key(idempotency_key)] if idempotency_key else []),
                    (_PROVIDER, lock_ids),
                ],
                idempotency=("create", hash_secret(idempotency_key)) if idempotency_key else None,
                phone=client.phone,
                after=now,
                service_id=service_id,
                provider_ids=lock_ids,
                first=span.first,
                last=span.last,
                start=span.start,
                end=span.end,
            )
            replay = _replay(reads.idempotency_record, idempotency_key, request_print)
            if replay:
                return replay
            upcoming = [
                a for a in reads.client_appointments if a.status is AppointmentStatus.BOOKED
            ]
            if not requester.is_admin:
                _check_booking_limit(uow, upcoming)
            service, candidates = bookable_offerings(
                repo, service_id, provider_id, found=(reads.service, reads.offered)
            )
            candidates = [(p, minutes) for p, minutes in candidates if p.id in lock_ids]
            if not candidates:
                raise ServiceNotOffered(f"No provider currently offers {service.name}.")
            calendars = build_calendars(reads.calendar, uow.settings, now, service, candidates)
            calendar = _choose_provider(uow, repo, calendars, start_utc, requester)
            end = start_utc + timedelta(minutes=calendar.schedule.duration_minutes)
            _check_client_free(upcoming, start_utc, end, exclude=None)
            saved_client = repo.save_client(
                client.name, client.phone, client.email, now, reads.client, reads.new_client_id
            )
            token = secrets.token_bytes(32)
            appointment = Appointment(
                id=str(uuid.uuid4()),
                provider_id=calendar.schedule.provider.id,
                provider_name=calendar.schedule.provider.name,
                service_id=service.id,
                service_name=service.name,
                client=saved_client,
                start=start_utc,
                end=end,
                buffer_minutes=service.buffer_minutes,
                status=AppointmentStatus.BOOKED,
                source=requester.source,
                notes=clean,
                created_at=now,
                updated_at=now,
            )
            manage_token = _encode_token(token)
            repo.add_appointment(appointment, hash_secret(manage_token))
            repo.reserve(
                appointment.id,
                _PROVIDER,
                appointment.provider_id,
                start_utc,
                appointment.busy_until,
            )
            repo.add_event(
                AppointmentEvent(
                    appointment_id=appointment.id,
                    kind=EventKind.CREATED,
                    source=requester.source,
                    at=now,
                    new_start=start_utc,
                    new_end=end,
                    new_provider_id=appointment.provider_id,
                    new_status=AppointmentStatus.BOOKED.value,
                )
            )
            outbox.queue_for_change(repo, uow.settings, now, "created", appointment, manage_token)
            result = BookingResult(localized(appointment, uow.tz), manage_token)
            _remember(repo, "create", idempotency_key, request_print, result, token, now)
            return result

        # Pipelined: on PostgreSQL the locks and reads share one round trip, the writes and the
        # commit another.
        result = _run_booking(
            uow,
            work,
            lambda error: _attach_alternatives(uow, error, service_id, provider_id, start_utc),
            pipelined=True,
        )
        _fill_log(log, result, uow.tz)
        return result


def _lock_providers(
    repo: Repository, service_id: int, provider_id: int | None, also: list[int] | None = None
) -> tuple[Service, list[tuple[Provider, int]]]:
    """Lock the providers who could take the booking, then read them again under the lock:
    admin changes (deactivation, services, hours, closures) take the same locks, so what the
    booking checks cannot change before it commits."""
    _, candidates = bookable_offerings(repo, service_id, provider_id)
    locked = {p.id for p, _ in candidates}
    repo.lock((_PROVIDER, [*locked, *(also or [])]))
    service, candidates = bookable_offerings(repo, service_id, provider_id)
    candidates = [(p, minutes) for p, minutes in candidates if p.id in locked]
    if not candidates:
        raise ServiceNotOffered(f"No provider currently offers {service.name}.")
    return service, candidates


def _choose_provider(
    uow: UnitOfWork,
    repo: Repository,
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
            raise _TakenSlot(taken, calendars, start)
        raise problems[0]
    if len(free) == 1:
        return free[0]
    day_start, day_end = local_day_bounds(start.astimezone(uow.tz).date(), uow.tz)
    counts = repo.booked_counts([c.schedule.provider.id for c in free], day_start, day_end)
    return min(
        free,
        key=lambda c: (counts.get(c.schedule.provider.id, 0), c.schedule.provider.id),
    )


def _upcoming(repo: Repository, client: Client | None, now: datetime) -> list[Appointment]:
    """The client's booked appointments that have not ended yet."""
    if client is None:
        return []
    return repo.client_appointments(client.id, now, AppointmentStatus.BOOKED)


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
            repo, now = tx.repo, uow.now()
            appointment = _owned_appointment(repo, appointment_id, requester)
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
            repo.update_appointment(cancelled)
            repo.release(appointment.id)
            repo.add_event(
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
            outbox.queue_for_change(repo, uow.settings, now, "cancelled", cancelled, None)
            return cancelled

        return localized(uow.run(work), uow.tz)


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
        request_print = fingerprint(
            appointment_id=appointment_id,
            new_start=start_utc.isoformat(),
            provider_id=provider_id,
            source=requester.source.value,
        )
        target_provider: list[int] = []

        def work(tx: Transaction) -> BookingResult:
            repo, now = tx.repo, uow.now()
            # The appointment's row lock (PostgreSQL) also orders a retry after its original.
            current = _owned_appointment(repo, appointment_id, requester)
            replay = _replay(
                repo.get_idempotency_record("reschedule", hash_secret(idempotency_key))
                if idempotency_key
                else None,
                idempotency_key,
                request_print,
            )
            if replay:
                return replay
            log["phone"] = current.client.phone
            if current.status is not AppointmentStatus.BOOKED:
                raise ValidationFailed(
                    f"This appointment is {current.status.value.replace('_', ' ')} and can no "
                    "longer be moved. Please book a new time.",
                    status=current.status.value,
                )
            _check_changeable(uow, current, requester, now, "reschedule")
            new_provider_id = provider_id or current.provider_id
            target_provider[:] = [new_provider_id]
            repo.lock(("client", [_lock_key(current.client.phone)]))
            service, candidates = _lock_providers(
                repo, current.service_id, new_provider_id, also=[current.provider_id]
            )
            # Free the old interval first, inside this transaction: the new time may overlap it.
            repo.release(current.id)
            day = start_utc.astimezone(uow.tz).date()
            calendar = load_calendars(repo, uow.settings, now, service, candidates, day, day)[0]
            problem = calendar.problem(
                start_utc,
                enforce_notice=not requester.is_admin,
                enforce_hours=not requester.is_admin,
            )
            if isinstance(problem, SlotUnavailable):
                raise _TakenSlot(problem, [calendar], start_utc)
            if problem is not None:
                raise problem
            end = start_utc + timedelta(minutes=calendar.schedule.duration_minutes)
            _check_client_free(
                _upcoming(repo, current.client, now), start_utc, end, exclude=current.id
            )
            moved = replace(
                current,
                provider_id=new_provider_id,
                provider_name=calendar.schedule.provider.name,
                start=start_utc,
                end=end,
                buffer_minutes=service.buffer_minutes,
                updated_at=now,
                sequence=current.sequence + 1,
            )
            repo.update_appointment(moved)
            repo.reserve(moved.id, _PROVIDER, moved.provider_id, moved.start, moved.busy_until)
            repo.add_event(
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
            outbox.queue_for_change(repo, uow.settings, now, "rescheduled", moved, None)
            result = BookingResult(localized(moved, uow.tz))
            _remember(repo, "reschedule", idempotency_key, request_print, result, None, now)
            return result

        result = _run_booking(
            uow,
            work,
            lambda error: _attach_alternatives(
                uow,
                error,
                None,
                target_provider[0] if target_provider else provider_id,
                start_utc,
                appointment_id=appointment_id,
            ),
        )
        _fill_log(log, result, uow.tz)
        return result


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
            repo, now = tx.repo, uow.now()
            current = _owned_appointment(repo, appointment_id, requester)
            _fill_log(log, current, uow.tz)
            if current.status is AppointmentStatus.CANCELLED:
                raise ValidationFailed("A cancelled appointment cannot be marked " + status + ".")
            if current.status is new_status:
                return current
            changed = replace(current, status=new_status, updated_at=now)
            repo.update_appointment(changed)
            repo.add_event(
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
def _owned_appointment(repo: Repository, appointment_id: str, requester: Requester) -> Appointment:
    found = (
        repo.get_appointment(str(appointment_id), for_update=True)
        if is_uuid(appointment_id)
        else None
    )
    if found is None:
        raise NotFound("We could not find that appointment.", resource="appointment")
    appointment, token_hash = found
    authorize(requester, appointment, token_hash)
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


def _lock_key(text: str) -> int:
    """An advisory-lock id for a string (a phone, an idempotency key); collisions only make two
    unrelated writers wait for each other. Any str (see ``hash_secret``)."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) & 0x7FFFFFFF


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


class _TakenSlot(Exception):
    """A taken slot, found under the locks with the calendars already loaded: its nearest
    alternatives are worked out once the transaction has ended and released the locks, which
    the next writer for the same provider is waiting on."""

    def __init__(
        self, error: SlotUnavailable, calendars: list[ProviderCalendar], start: datetime
    ) -> None:
        super().__init__(error.message)
        self.error, self.calendars, self.start = error, calendars, start


def _run_booking(
    uow: UnitOfWork,
    work: Callable[[Transaction], BookingResult],
    more_alternatives: Callable[[SlotUnavailable], None],
    pipelined: bool = False,
) -> BookingResult:
    """Run a create or a reschedule; a slot_unavailable leaves with its nearest alternatives."""
    try:
        return uow.run(work, pipelined=pipelined)
    except _TakenSlot as taken:
        error = _with_nearby_alternatives(taken.error, taken.calendars, taken.start, uow)
    except SlotUnavailable as unavailable:  # the database's constraint: no calendar loaded
        error = unavailable
    more_alternatives(error)
    raise error


def _with_nearby_alternatives(
    error: SlotUnavailable, calendars: list[ProviderCalendar], start: datetime, uow: UnitOfWork
) -> SlotUnavailable:
    """The nearest free slots on the same day (and the days either side when it is nearly
    full), from the calendars the failed transaction loaded under its locks: no second query in
    the common case."""
    day = start.astimezone(uow.tz).date()
    nearby = availability.nearest_free_slots(calendars, [day], start)
    if len(nearby) < 3:  # a full day: look at its neighbours too
        days = [day - timedelta(days=1), day, day + timedelta(days=1)]
        nearby = availability.nearest_free_slots(calendars, days, start)
    error.details["alternatives"] = [_slot_dict(s) for s in nearby]
    return error


def _attach_alternatives(
    uow: UnitOfWork,
    error: SlotUnavailable,
    service_id: int | None,
    provider_id: int | None,
    start: datetime,
    appointment_id: str | None = None,
) -> None:
    """Up to 3 free slots nearest the requested time, for the client to pick instead.

    Searches ahead when the days around the requested time had fewer than three (or the
    conflict came from the database constraint, with no calendar loaded): three days ahead,
    then a week. Every slot of the shorter search is nearer than any the longer one adds, so
    three found there are the three nearest."""
    from booking_core.services.availability import find_available_slots

    if len(error.alternatives) >= 3:
        return
    try:
        if service_id is None and appointment_id is not None:
            with uow.begin() as tx:
                found = tx.repo.get_appointment(appointment_id)
            if found is None:
                return
            service_id = found[0].service_id
        if service_id is None:
            return
        day = start.astimezone(uow.tz).date()
        for days_ahead in (3, 7):
            slots = find_available_slots(
                uow,
                service_id=service_id,
                start_date=max(day - timedelta(days=1), uow.now().astimezone(uow.tz).date()),
                end_date=day + timedelta(days=days_ahead),
                provider_id=provider_id,
            )
            if len(slots) >= 3:
                break
    except BookingError:
        return
    error.details["alternatives"] = [_slot_dict(s) for s in availability.nearest(slots, start)]


def _slot_dict(slot: Slot) -> dict[str, Any]:
    return {
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "provider_id": slot.provider_id,
        "provider_name": slot.provider_name,
    }


# --- idempotency -------------------------------------------------------------------------------
def purge_expired_idempotency_records(uow: UnitOfWork) -> int:
    """Delete idempotency records past their expiry (kept IDEMPOTENCY_TTL, at least 24 h)."""
    return uow.run(lambda tx: tx.repo.purge_idempotency_records(uow.now()))


def _replay(record: Any, key: str | None, request_print: str) -> BookingResult | None:
    """The first result for a retried key (read under the key's lock), or None for a new one."""
    if not key or record is None:
        return None
    if record.fingerprint != request_print:
        raise IdempotencyConflict(
            "This idempotency key was already used for a different request. "
            "Use a new key for a new request."
        )
    token = None
    if record.sealed_token:
        token = _encode_token(_seal(bytes.fromhex(record.sealed_token), key, record.appointment_id))
    return BookingResult(_appointment_from_snapshot(record.result), token, replayed=True)


def _remember(
    repo: Repository,
    operation: str,
    key: str | None,
    request_print: str,
    result: BookingResult,
    token: bytes | None,
    now: datetime,
) -> None:
    if not key:
        return
    appointment = result.appointment
    repo.add_idempotency_record(
        {
            "operation": operation,
            "key_hash": hash_secret(key),
            "fingerprint": request_print,
            "appointment_id": appointment.id,
            "result": _appointment_snapshot(appointment),
            # The manage token is kept only sealed with the key, which the database never sees.
            "sealed_token": _seal(token, key, appointment.id).hex() if token else None,
            "created_at": now,
            "expires_at": now + IDEMPOTENCY_TTL,
        }
    )


def _seal(data: bytes, key: str, appointment_id: str) -> bytes:
    seed = f"manage-token:{key}:{appointment_id}".encode("utf-8", "surrogatepass")
    pad = hashlib.sha256(seed).digest()
    return bytes(a ^ b for a, b in zip(data, pad, strict=True))


def _encode_token(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


_SNAPSHOT_TIMES = ("start", "end", "created_at", "updated_at", "cancelled_at")


def _appointment_snapshot(appointment: Appointment) -> dict[str, Any]:
    return {
        "id": appointment.id,
        "provider_id": appointment.provider_id,
        "provider_name": appointment.provider_name,
        "service_id": appointment.service_id,
        "service_name": appointment.service_name,
        "client": {
            "id": appointment.client.id,
            "name": appointment.client.name,
            "phone": appointment.client.phone,
            "email": appointment.client.email,
        },
        "buffer_minutes": appointment.buffer_minutes,
        "status": appointment.status.value,
        "source": appointment.source.value,
        "notes": appointment.notes,
        "sequence": appointment.sequence,
        **{
            name: value.isoformat() if (value := getattr(appointment, name)) else None
            for name in _SNAPSHOT_TIMES
        },
    }


def _appointment_from_snapshot(data: dict[str, Any]) -> Appointment:
    times = {
        name: datetime.fromisoformat(data[name]) if data.get(name) else None
        for name in _SNAPSHOT_TIMES
    }
    return Appointment(
        id=data["id"],
        provider_id=data["provider_id"],
        provider_name=data["provider_name"],
        service_id=data["service_id"],
        service_name=data["service_name"],
        client=Client(**data["client"]),
        buffer_minutes=data["buffer_minutes"],
        status=AppointmentStatus(data["status"]),
        source=Source(data["source"]),
        notes=data["notes"],
        sequence=data["sequence"],
        start=times["start"],  # type: ignore[arg-type]
        end=times["end"],  # type: ignore[arg-type]
        created_at=times["created_at"],  # type: ignore[arg-type]
        updated_at=times["updated_at"],  # type: ignore[arg-type]
        cancelled_at=times["cancelled_at"],
    )


__all__ = [
    "BookingResult",
    "Service",
    "cancel_appointment",
    "create_appointment",
    "reschedule_appointment",
    "set_appointment_status",
]
