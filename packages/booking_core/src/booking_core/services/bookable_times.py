"""Free times as a receptionist offers them: a few, spread over the asked window, one per time,
and when there are none, why, and the next free time after the window."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import zip_longest
from zoneinfo import ZoneInfo

from booking_core.domain.availability import days_between
from booking_core.domain.model import PartRequest, Slot
from booking_core.domain.timezones import local_day_bounds
from booking_core.domain.visits import Plan, plan_rank, plan_slot
from booking_core.services.availability import PlanSearch, search_plans
from booking_core.services.unit_of_work import UnitOfWork

#: How far past the window the next free time is looked for, in growing steps (days).
_NEXT_STEPS = (7, 31, 92)


@dataclass(frozen=True)
class BookableTimes:
    slots: list[Slot]
    reason: str | None = None  # when empty: too_soon, beyond_horizon, closed or fully_booked
    next_available: Slot | None = None  # when empty: the first free time after the window


def find_bookable_times(
    uow: UnitOfWork,
    *,
    service_id: int | Sequence[int],
    start_date: date,
    end_date: date | None = None,
    provider_id: int | None = None,
    earliest_time: time | None = None,
    latest_time: time | None = None,
    limit: int,
) -> BookableTimes:
    """At most ``limit`` free starts of the service (or visit) over [start_date, end_date].

    Without a provider, one per start time, with the provider a booking that names none would
    get there. When more are free than ``limit``, they are spread over the window: different
    days, mornings and afternoons. Every one is a slot ``find_available_slots`` offers for the
    same query. None free: ``reason`` says why and ``next_available`` is the next free time
    after the window (None when there is none within the horizon)."""
    ids = [service_id] if isinstance(service_id, int) else list(service_id)
    parts = [PartRequest(sid, provider_id) for sid in ids]
    end_date = end_date or start_date
    found = search_plans(
        uow, parts, start_date, end_date, earliest_time, latest_time, limit, count_bookings=True
    )
    plans = _one_per_start(found, uow.tz)
    if plans:
        chosen = _spread(plans, limit, uow)
        return BookableTimes([plan_slot(plan, uow.tz) for plan in chosen])
    reason = _why_empty(uow, found, start_date, end_date)
    return BookableTimes([], reason, _next_available(uow, parts, end_date))


def _one_per_start(found: PlanSearch, tz: ZoneInfo) -> list[Plan]:
    """Per start time, the plan a booking naming no provider would take (``plan_rank``)."""
    by_start: dict[datetime, list[Plan]] = {}
    for plan in found.plans:
        by_start.setdefault(plan[0].start, []).append(plan)
    chosen = []
    for start, plans in by_start.items():
        day = start.astimezone(tz).date()
        chosen.append(
            min(
                plans,
                key=lambda plan: plan_rank(
                    plan, found.bookings_per_day.get((plan[0].provider_id, day), 0)
                ),
            )
        )
    return chosen


def _spread(plans: list[Plan], limit: int, uow: UnitOfWork) -> list[Plan]:
    """``limit`` plans spread over the window: different days (evenly chosen when there are
    more days than ``limit``), one each in turn, a day's mornings and afternoons alternating
    (mornings first on every other day). In time order."""
    if len(plans) <= limit:
        return plans
    by_day: dict[date, tuple[list[Plan], list[Plan]]] = {}
    for plan in plans:
        local = plan[0].start.astimezone(uow.tz)
        by_day.setdefault(local.date(), ([], []))[local.hour >= 12].append(plan)
    days = sorted(by_day)
    if len(days) > limit:
        days = [days[int(i * len(days) / limit)] for i in range(limit)]
    queues = []
    for n, day in enumerate(days):
        first, second = by_day[day] if n % 2 == 0 else by_day[day][::-1]
        queues.append([p for pair in zip_longest(first, second) for p in pair if p is not None])
    chosen: list[Plan] = []
    for depth in range(max(len(queue) for queue in queues)):
        chosen += [queue[depth] for queue in queues if len(queue) > depth]
        if len(chosen) >= limit:
            break
    return sorted(chosen[:limit], key=lambda plan: plan[0].start)


def _why_empty(uow: UnitOfWork, found: PlanSearch, start_date: date, end_date: date) -> str:
    """too_soon or beyond_horizon when the window lies there, else closed when no day in it
    has working time, else fully_booked."""
    now = uow.now()
    settings = uow.settings
    earliest = now + timedelta(minutes=settings.min_notice_minutes)
    latest = now + timedelta(days=settings.horizon_days)
    window_start = local_day_bounds(start_date, uow.tz)[0]
    window_end = local_day_bounds(end_date, uow.tz)[1]
    if window_end <= earliest:
        return "too_soon"
    if window_start > latest:
        return "beyond_horizon"
    visit = found.visit
    if visit is None:
        return "too_soon" if window_start < earliest else "beyond_horizon"
    bookable = (max(window_start, earliest), min(window_end, latest))
    for day in days_between(found.first, found.last):
        for calendar in visit.parts[0].calendars:
            if day in calendar.window.closures:
                continue
            for shift_start, shift_end in calendar.shifts(day):
                if shift_start < bookable[1] and bookable[0] < shift_end:
                    return "fully_booked"
    return "closed"


def _next_available(uow: UnitOfWork, parts: Sequence[PartRequest], end_date: date) -> Slot | None:
    """The first free start after ``end_date`` (looking a week, a month, then three ahead)."""
    return _first_slot(_next_available_search(uow, parts, end_date), uow.tz)


def _first_slot(found: PlanSearch | None, tz: ZoneInfo) -> Slot | None:
    """The first free start of a search, with the provider a booking naming none would get."""
    if found is None or not found.plans:
        return None
    return plan_slot(_one_per_start(found, tz)[0], tz)


def _next_available_search(
    uow: UnitOfWork, parts: Sequence[PartRequest], end_date: date
) -> PlanSearch | None:
    """The first search after ``end_date`` with free plans (a week, a month, then three
    months ahead); the last one looked at when none has; None past the horizon."""
    first = end_date + timedelta(days=1)
    found = None
    for days in _NEXT_STEPS:
        found = search_plans(
            uow, parts, first, first + timedelta(days=days - 1), count_bookings=True
        )
        if found.plans:
            return found
        if found.visit is None:  # past the horizon
            return None
        first += timedelta(days=days)
    return found


@dataclass(frozen=True)
class DayStatus:
    date: date
    status: str  # open (free slots), full (working time, none free) or closed (no working time)
    free: int


@dataclass(frozen=True)
class AvailabilityOverview:
    """What the booking page shows: the slots, each asked date's status, and when the asked
    dates have no slot, the next free one after them. ``basis``: the searches it was made from
    (the same kept objects while current: an overview made from the same basis is the same)."""

    slots: list[Slot]
    days: list[DayStatus]
    next_available: Slot | None = None
    basis: tuple[object, ...] = field(default=(), compare=False, repr=False)


def availability_overview(
    uow: UnitOfWork,
    *,
    service_id: int | Sequence[int],
    start_date: date,
    end_date: date,
    provider_id: int | None = None,
) -> AvailabilityOverview:
    """``find_available_slots`` for the dates, with each date ``closed`` (nobody works then, a
    closure, the provider's day off or time off, or nothing left before the notice or past the
    horizon), ``full`` (working time, no free slot) or ``open``."""
    ids = [service_id] if isinstance(service_id, int) else list(service_id)
    parts = [PartRequest(sid, provider_id) for sid in ids]
    found = search_plans(uow, parts, start_date, end_date)
    if found.slots:  # made once per kept search
        key = ("overview", start_date, end_date)
        made = found.made.get(key)
        if made is None:
            made = found.made[key] = _overview(uow, parts, found, start_date, end_date)
        overview: AvailabilityOverview = made
        return overview
    return _overview(uow, parts, found, start_date, end_date)


def _overview(
    uow: UnitOfWork,
    parts: Sequence[PartRequest],
    found: PlanSearch,
    start_date: date,
    end_date: date,
) -> AvailabilityOverview:
    slots = found.slots
    free: dict[date, int] = {}
    for slot in slots:
        free[slot.start.date()] = free.get(slot.start.date(), 0) + 1
    days = [
        DayStatus(day, "open" if free.get(day) else _day_status(uow, found, day), free.get(day, 0))
        for day in days_between(start_date, end_date)
    ]
    if slots:
        return AvailabilityOverview(slots, days, None, (found,))
    after = _next_available_search(uow, parts, end_date)
    return AvailabilityOverview(slots, days, _first_slot(after, uow.tz), (found, after))


def _day_status(uow: UnitOfWork, found: PlanSearch, day: date) -> str:
    """full when some first-part provider has bookable working time that day, else closed."""
    visit = found.visit
    if visit is None or not found.first <= day <= found.last:
        return "closed"
    now = uow.now()
    earliest = now + timedelta(minutes=uow.settings.min_notice_minutes)
    latest = now + timedelta(days=uow.settings.horizon_days)
    for calendar in visit.parts[0].calendars:
        if day in calendar.window.closures:
            return "closed"
        for shift_start, shift_end in calendar.shifts(day):
            start, end = max(shift_start, earliest), min(shift_end, latest)
            if start < end and next(calendar.time_off.gaps(start, end), None) is not None:
                return "full"
    return "closed"
