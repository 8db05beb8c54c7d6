"""Reading a create's calendar before taking any lock, and refusing it there when its start is
already taken.

When many clients reach for the same times (a release of new openings, a promotion), most of
them lose: each loser used to queue on the providers' locks, write its client row and read the
calendars, only to roll back. A loser can be told from the schedule cache instead: the day's
calendar rows, proven current by the schedule version (``schedule_cache``), built into the
visit's calendar at the current time, and checked by the same predicate the booking uses
(``VisitCalendar.plans``). When that predicate says the start is taken, the request is refused
exactly as the booking would refuse it at that instant: ``slot_unavailable`` with the nearest
free times.

Only that refusal is taken from here. Anything else (a free start, another problem, a client
at their booking limit, whose refusal comes first) goes to the booking, which decides under its
locks, with the rows read here: it checks their version under the locks and reads them again
only if something changed in between (the exclusion constraint still guards the insert).

All this only in the plain case: not for a retry with an idempotency key (it may replay its
first result), a caller already verified (they hear about their own appointment first), a
waitlist offer, or the front desk (which may book outside hours).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from booking_core.adapters.calendar_store import CalendarData, ScheduleDependencies
from booking_core.domain.model import PartRequest
from booking_core.domain.visits import NoPlan
from booking_core.errors import BookingError, SlotUnavailable
from booking_core.services.alternatives import TakenSlot
from booking_core.services.requester import Requester
from booking_core.services.schedule_cache import Kept, asked_again
from booking_core.services.scheduling import (
    VisitOffers,
    build_visit_calendar,
    calendar_span,
    read_calendars,
    schedule_dependencies,
    visit_offers,
)
from booking_core.services.unit_of_work import Transaction, UnitOfWork


def may_read_early(requester: Requester, idempotency_key: str | None, offer: int | None) -> bool:
    return not (idempotency_key or offer is not None or requester.is_admin or requester.verified)


@dataclass(frozen=True)
class EarlyRead:
    """What a create learned before its locks: the start is taken (``taken``: refuse it), or
    the day's calendar rows with their version (``rows``: the booking reuses them under its
    locks when the version is unchanged there, instead of reading them again)."""

    taken: TakenSlot | None = None
    rows: Kept[tuple[VisitOffers, CalendarData]] | None = None


def read_before_locking(
    uow: UnitOfWork, parts: Sequence[PartRequest], start: datetime, phone: str
) -> EarlyRead:
    """The refusal the booking would give now for a taken ``start``, or the rows it reads."""
    day = start.astimezone(uow.tz).date()
    parts = tuple(parts)
    try:
        # Only for a time asked for before (many clients reaching for the same day): a first
        # question goes straight to the booking, which reads under its locks anyway.
        rows = asked_again(uow, ("calendars", parts, day), lambda tx: _read(uow, tx, parts, day))
        if rows is None:
            return EarlyRead()
        offers, data = rows.value
        visit = build_visit_calendar(uow.settings, uow.now(), offers, data, lambda _id: None)
        visit.plans(start, enforce_notice=True, enforce_hours=True)
    except NoPlan as failure:
        problem = failure.problem
        if not isinstance(problem, SlotUnavailable) or _at_booking_limit(uow, phone):
            return EarlyRead(rows=rows)
        if len(visit.parts) > 1:
            problem.details.setdefault("part", failure.part)
        return EarlyRead(taken=TakenSlot(problem, visit, start))
    except BookingError:
        return EarlyRead()
    return EarlyRead(rows=rows)


def _read(
    uow: UnitOfWork, tx: Transaction, parts: Sequence[PartRequest], day: date
) -> tuple[tuple[VisitOffers, CalendarData], ScheduleDependencies]:
    """The rows ``lock_and_read`` reads for the day (they do not depend on the time)."""
    offers = visit_offers(tx, parts)
    rows = read_calendars(tx, uow.settings, offers, day, day)
    return (offers, rows), schedule_dependencies(offers, calendar_span(uow.settings, day, day))


def _at_booking_limit(uow: UnitOfWork, phone: str) -> bool:
    """The booking checks the limit before the time: at the limit, let it say so."""
    limit = uow.settings.max_future_bookings_per_phone
    if limit <= 0:
        return False
    with uow.begin() as tx:
        _client, upcoming = tx.bookings.client_with_upcoming(phone, uow.now())
    return len(upcoming) >= limit
