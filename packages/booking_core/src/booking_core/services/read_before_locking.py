"""Reading a create's calendar before taking any lock, and refusing it there when its start is
already taken.

When many clients reach for the same times (a release of new openings, a promotion), most of
them lose: each loser used to queue on the providers' locks, write its client row and read the
calendars, only to roll back. A loser can be told with one read instead,
taking no lock: the day's busy time, with the rest of its calendars as this process keeps them
while the catalog version that read brings is unchanged (``CalendarStore.calendars``), built
into the visit's calendar at the current time and checked by the same predicate the booking
uses (``VisitCalendar.plans``). When that predicate says the start is taken, the request is
refused exactly as the booking would refuse it at that instant: ``slot_unavailable`` with the
nearest free times.

Only that refusal is taken from here. Anything else (a free start, another problem, a client
at their booking limit, whose refusal comes first) goes to the booking, which reads the busy
time again under its locks and decides there (the exclusion constraint still guards the
insert).

All this only in the plain case: not for a retry with an idempotency key (it may replay its
first result), a caller already verified (they hear about their own appointment first), a
waitlist offer, or the front desk (which may book outside hours).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from booking_core.domain.model import PartRequest
from booking_core.domain.visits import NoPlan, VisitCalendar
from booking_core.errors import BookingError, SlotUnavailable
from booking_core.services.alternatives import SEARCH_AHEAD_DAYS, TakenSlot
from booking_core.services.requester import Requester
from booking_core.services.scheduling import read_visit_calendar, visit_offers
from booking_core.services.unit_of_work import UnitOfWork


def may_read_early(requester: Requester, idempotency_key: str | None, offer: int | None) -> bool:
    return not (idempotency_key or offer is not None or requester.is_admin or requester.verified)


def read_before_locking(
    uow: UnitOfWork, parts: Sequence[PartRequest], start: datetime, phone: str
) -> TakenSlot | None:
    """The refusal the booking would give now for a taken ``start`` (None: let it decide)."""
    day = start.astimezone(uow.tz).date()
    ahead = SEARCH_AHEAD_DAYS[0]  # the days a refusal's alternatives are first looked for on
    visit: VisitCalendar | None = None
    try:
        with uow.begin() as tx:
            offers = visit_offers(tx, parts, reuse=True)
            _, visit = read_visit_calendar(
                tx, uow.settings, uow.now(), offers, day - timedelta(days=1), day + timedelta(ahead)
            )
        visit.plans(start, enforce_notice=True, enforce_hours=True)
    except NoPlan as failure:
        problem = failure.problem
        if visit is None or not isinstance(problem, SlotUnavailable):
            return None
        if _at_booking_limit(uow, phone):
            return None
        if len(visit.parts) > 1:
            problem.details.setdefault("part", failure.part)
        return TakenSlot(problem, visit, start, ahead)
    except BookingError:
        return None
    return None


def _at_booking_limit(uow: UnitOfWork, phone: str) -> bool:
    """The booking checks the limit before the time: at the limit, let it say so."""
    limit = uow.settings.max_future_bookings_per_phone
    if limit <= 0:
        return False
    with uow.begin() as tx:
        _client, upcoming = tx.bookings.client_with_upcoming(phone, uow.now())
    return len(upcoming) >= limit
