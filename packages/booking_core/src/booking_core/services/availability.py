"""find_available_slots: the one availability source for the web, the AI and the calendar."""

from __future__ import annotations

from datetime import date, time, timedelta

from booking_core.domain.availability import days_between, merge_slots
from booking_core.domain.model import Slot
from booking_core.errors import ValidationFailed
from booking_core.services.scheduling import bookable_offerings, check_ids, read_calendars
from booking_core.services.unit_of_work import UnitOfWork

MAX_RANGE_DAYS = 92


def find_available_slots(
    uow: UnitOfWork,
    *,
    service_id: int,
    start_date: date,
    end_date: date | None = None,
    provider_id: int | None = None,
    earliest_time: time | None = None,
    latest_time: time | None = None,
    limit: int | None = None,
) -> list[Slot]:
    """Bookable start times for a service over business-local dates [start_date, end_date].

    For each active provider offering the service (or just ``provider_id``): start times on the
    slot step inside working hours where the service plus its buffer fits, clear of bookings
    (with their buffers), time off and closures, no earlier than now + minimum notice and no
    later than the horizon; optionally starting within [earliest_time, latest_time] local time.
    Sorted by start, then provider id. Times are aware, in the business time zone.
    """
    end_date = end_date or start_date
    if end_date < start_date:
        raise ValidationFailed(
            "The end date must not be before the start date.", fields={"end_date": "before start"}
        )
    if (end_date - start_date).days >= MAX_RANGE_DAYS:
        raise ValidationFailed(
            f"Ask for at most {MAX_RANGE_DAYS} days at a time.", fields={"days": "too many"}
        )
    if any(t is not None and t.tzinfo is not None for t in (earliest_time, latest_time)):
        raise ValidationFailed(
            "Times of day are business-local: give them without a UTC offset (HH:MM).",
            fields={"earliest_time": "no offset", "latest_time": "no offset"},
        )
    if earliest_time and latest_time and latest_time < earliest_time:
        raise ValidationFailed(
            "The latest time must not be before the earliest time.",
            fields={"latest_time": "before earliest_time"},
        )
    if limit is not None and limit < 1:
        raise ValidationFailed("limit must be at least 1.", fields={"limit": "must be >= 1"})
    settings = uow.settings
    with uow.begin() as tx:
        now = uow.now()
        check_ids(service_id, provider_id)
        offer = tx.calendar.service_offer(service_id)
        _, providers = bookable_offerings(tx, offer, provider_id)
        # Nothing before today or past the horizon can be offered: don't load it.
        today = now.astimezone(settings.tz).date()
        first = max(start_date, today)
        last = min(end_date, today + timedelta(days=settings.horizon_days + 1))
        if last < first:
            return []
        _, calendars = read_calendars(tx, settings, now, offer, providers, provider_id, first, last)
    days = list(days_between(first, last))
    return merge_slots(
        (calendar.slots(days, earliest_time, latest_time) for calendar in calendars), limit
    )
