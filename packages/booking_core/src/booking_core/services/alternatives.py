"""The nearest free times to offer when the asked one is taken."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from booking_core.domain import availability
from booking_core.domain.availability import ProviderCalendar
from booking_core.domain.model import Slot
from booking_core.errors import BookingError, SlotUnavailable
from booking_core.services.unit_of_work import UnitOfWork


class TakenSlot(Exception):
    """A taken slot, found under the locks with the calendars already loaded: its nearest
    alternatives are worked out once the transaction has ended and released the locks, which
    the next writer for the same provider is waiting on."""

    def __init__(
        self, error: SlotUnavailable, calendars: list[ProviderCalendar], start: datetime
    ) -> None:
        super().__init__(error.message)
        self.error, self.calendars, self.start = error, calendars, start


def with_nearby_alternatives(taken: TakenSlot, uow: UnitOfWork) -> SlotUnavailable:
    """The nearest free slots on the same day (and the days either side when it is nearly
    full), from the calendars the failed transaction loaded under its locks: no second query in
    the common case."""
    error, start = taken.error, taken.start
    day = start.astimezone(uow.tz).date()
    nearby = availability.nearest_free_slots(taken.calendars, [day], start)
    if len(nearby) < 3:  # a full day: look at its neighbours too
        days = [day - timedelta(days=1), day, day + timedelta(days=1)]
        nearby = availability.nearest_free_slots(taken.calendars, days, start)
    error.details["alternatives"] = [slot_dict(s) for s in nearby]
    return error


def search_alternatives(
    uow: UnitOfWork,
    error: SlotUnavailable,
    service_id: int | None,
    provider_id: int | None,
    start: datetime,
) -> None:
    """Up to 3 free slots nearest the requested time, for the client to pick instead.

    Searches ahead when the days around the requested time had fewer than three (or the
    conflict came from the database constraint, with no calendar loaded): three days ahead,
    then a week. Every slot of the shorter search is nearer than any the longer one adds, so
    three found there are the three nearest."""
    from booking_core.services.availability import find_available_slots

    if len(error.alternatives) >= 3 or service_id is None:
        return
    try:
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
    error.details["alternatives"] = [slot_dict(s) for s in availability.nearest(slots, start)]


def slot_dict(slot: Slot) -> dict[str, Any]:
    return {
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "provider_id": slot.provider_id,
        "provider_name": slot.provider_name,
    }
