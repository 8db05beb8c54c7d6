"""Reading appointments: one (for its owner), its history, the provider calendar, what a
closure or time off would leave in place, and a caller's upcoming visits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from booking_core.domain.contact import normalize_phone
from booking_core.domain.model import HOLDING_STATUSES, Appointment, AppointmentEvent
from booking_core.domain.timezones import local_day_bounds
from booking_core.errors import NotFound, ValidationFailed
from booking_core.services.requester import Requester, authorize, is_uuid, localized
from booking_core.services.unit_of_work import UnitOfWork

MAX_CALENDAR_DAYS = 31


def get_appointment(uow: UnitOfWork, appointment_id: str, requester: Requester) -> Appointment:
    with uow.begin() as tx:
        found = tx.bookings.appointment(appointment_id) if is_uuid(appointment_id) else None
        if found is None:
            raise NotFound("We could not find that appointment.", resource="appointment")
        authorize(requester, *found, uow.secret)
    return localized(found[0], uow.tz)


def appointment_history(uow: UnitOfWork, appointment_id: str) -> list[AppointmentEvent]:
    """The appointment's change history, oldest first, times in the business zone."""
    with uow.begin() as tx:
        events = tx.bookings.events(appointment_id)
    times = ("at", "old_start", "old_end", "new_start", "new_end")
    return [
        replace(e, **{n: v.astimezone(uow.tz) for n in times if (v := getattr(e, n))})
        for e in events
    ]


def calendar(
    uow: UnitOfWork, start_date: date, days: int = 1, provider_id: int | None = None
) -> list[Appointment]:
    """Every appointment (any status, any source) starting in the local date range."""
    if not 1 <= days <= MAX_CALENDAR_DAYS:
        raise ValidationFailed(
            f"days must be between 1 and {MAX_CALENDAR_DAYS}.", fields={"days": "out of range"}
        )
    start, _ = local_day_bounds(start_date, uow.tz)
    _, end = local_day_bounds(start_date + timedelta(days=days - 1), uow.tz)
    with uow.begin() as tx:
        found = tx.bookings.appointments_between(start, end, provider_id)
    return [localized(a, uow.tz) for a in found]


def booked_during(
    uow: UnitOfWork, start: datetime, end: datetime, provider_id: int | None = None
) -> list[Appointment]:
    """Booked appointments overlapping [start, end) (with a provider: a part of theirs does):
    what new time off or a closure would leave in place, for the admin to move or cancel (they
    are not changed automatically)."""
    with uow.begin() as tx:
        # Appointments are at most a day long: start a day early to catch one running into it.
        found = tx.bookings.appointments_between(
            start - timedelta(days=1), end, provider_id, HOLDING_STATUSES
        )
    return [
        localized(a, uow.tz)
        for a in found
        if any(
            part.end > start and part.start < end
            for part in a.parts
            if provider_id is None or part.provider_id == provider_id
        )
    ]


def booked_on_date(uow: UnitOfWork, day: date) -> list[Appointment]:
    """Booked appointments on a business-local date (what a closure of that date leaves)."""
    return booked_during(uow, *local_day_bounds(day, uow.tz))


def find_client_appointments(uow: UnitOfWork, phone: str) -> list[Appointment]:
    """A caller's upcoming booked appointments, by phone number."""
    e164 = normalize_phone(phone, field="client_phone")
    with uow.begin() as tx:
        _, upcoming = tx.bookings.client_with_upcoming(e164, uow.now())
        found = tx.bookings.with_parts(upcoming)
    return [localized(a, uow.tz) for a in found]
