"""The nearest free times to offer when the asked one is taken."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from booking_core.domain.availability import nearest
from booking_core.domain.model import PartRequest, Slot
from booking_core.domain.visits import VisitCalendar, plan_slot
from booking_core.errors import BookingError, SlotUnavailable
from booking_core.services.unit_of_work import UnitOfWork

#: How far ahead of a taken slot's day alternatives are looked for, in turn.
SEARCH_AHEAD_DAYS = (3, 7)


class TakenSlot(Exception):
    """A taken slot, found with the calendars already loaded (under the locks, or before them):
    its nearest alternatives are worked out once the transaction has ended and released the
    locks, which the next writer for the same provider is waiting on. ``ahead``: how many days
    after the slot's the calendars answer for (at least one, and one before)."""

    def __init__(
        self, error: SlotUnavailable, visit: VisitCalendar, start: datetime, ahead: int = 1
    ) -> None:
        super().__init__(error.message)
        self.error, self.visit, self.start, self.ahead = error, visit, start, ahead


def with_nearby_alternatives(taken: TakenSlot, uow: UnitOfWork) -> SlotUnavailable:
    """The nearest free starts of the whole visit on the same day (and the days either side
    when it is nearly full; then ``search_alternatives``'s first look, when the calendars
    answer for it), from the calendars already loaded: no second query in the common case."""
    error, start = taken.error, taken.start
    day = start.astimezone(uow.tz).date()
    nearby = taken.visit.nearest_free([day], start)
    for ahead in (1, SEARCH_AHEAD_DAYS[0]):
        if len(nearby) >= 3 or ahead > taken.ahead:
            break
        # A full day: look at its neighbours too, then as far ahead as the calendars answer.
        days = [day + timedelta(days=n) for n in range(-1, ahead + 1)]
        nearby = taken.visit.nearest_free(days, start)
    error.details["alternatives"] = [slot_dict(plan_slot(plan, uow.tz)) for plan in nearby]
    return error


def search_alternatives(
    uow: UnitOfWork,
    error: BookingError,
    parts: Sequence[PartRequest],
    start: datetime,
    keep_found: bool = True,
) -> None:
    """Up to 3 free starts of the visit nearest the requested time, for the client to pick
    instead, in ``error.details["alternatives"]``.

    Searches ahead when the days around the requested time had fewer than three (or the
    conflict came from the database constraint, with no calendar loaded), or always when not
    ``keep_found``: three days ahead, then a week. Every slot of the shorter search is nearer
    than any the longer one adds, so three found there are the three nearest."""
    from booking_core.services.availability import available_slots

    if keep_found and len(error.details.get("alternatives", [])) >= 3:
        return
    try:
        day = start.astimezone(uow.tz).date()
        for days_ahead in SEARCH_AHEAD_DAYS:
            slots = available_slots(
                uow,
                parts,
                start_date=max(day - timedelta(days=1), uow.now().astimezone(uow.tz).date()),
                end_date=day + timedelta(days=days_ahead),
            )
            if len(slots) >= 3:
                break
    except BookingError:
        return
    error.details["alternatives"] = [slot_dict(s) for s in nearest(slots, start)]


def slot_dict(slot: Slot) -> dict[str, Any]:
    found: dict[str, Any] = {
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "provider_id": slot.provider_id,
        "provider_name": slot.provider_name,
    }
    if slot.parts:
        found["parts"] = [
            {
                "service_id": part.service_id,
                "service_name": part.service_name,
                "provider_id": part.provider_id,
                "provider_name": part.provider_name,
                "start": part.start.isoformat(),
                "end": part.end.isoformat(),
            }
            for part in slot.parts
        ]
    return found
