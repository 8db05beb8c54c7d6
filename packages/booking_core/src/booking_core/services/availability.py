"""find_available_slots: the one availability source for the web, the AI and the calendar."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from booking_core.adapters.calendar_store import ScheduleDependencies
from booking_core.domain.availability import days_between
from booking_core.domain.model import PartRequest, Slot
from booking_core.domain.visits import Plan, VisitCalendar, plan_slot
from booking_core.errors import ValidationFailed
from booking_core.services.schedule_cache import cached_answer
from booking_core.services.scheduling import (
    calendar_span,
    read_visit_calendar,
    schedule_dependencies,
    visit_offers,
)
from booking_core.services.unit_of_work import Transaction, UnitOfWork

MAX_RANGE_DAYS = 92


def find_available_slots(
    uow: UnitOfWork,
    *,
    service_id: int | Sequence[int],
    start_date: date,
    end_date: date | None = None,
    provider_id: int | None = None,
    earliest_time: time | None = None,
    latest_time: time | None = None,
    limit: int | None = None,
) -> list[Slot]:
    """Bookable start times for a service, or for a visit of several (a list of service ids, in
    visit order: the starts at which the whole visit fits), over business-local dates
    [start_date, end_date].

    For each active provider offering the (first) service, or just ``provider_id`` (for a
    visit: the same provider for every part): start times on the slot step inside working hours
    where the service plus its buffer fits, clear of bookings (with their buffers), time off and
    closures, with a free room or device of every kind the service needs, no earlier than now +
    minimum notice and no later than the horizon; optionally starting within [earliest_time,
    latest_time] local time. Sorted by start, then provider id. Times are aware, in the business
    time zone.
    """
    ids = [service_id] if isinstance(service_id, int) else list(service_id)
    return available_slots(
        uow,
        [PartRequest(sid, provider_id) for sid in ids],
        start_date=start_date,
        end_date=end_date,
        earliest_time=earliest_time,
        latest_time=latest_time,
        limit=limit,
    )


def available_slots(
    uow: UnitOfWork,
    parts: Sequence[PartRequest],
    *,
    start_date: date,
    end_date: date | None = None,
    earliest_time: time | None = None,
    latest_time: time | None = None,
    limit: int | None = None,
) -> list[Slot]:
    """``find_available_slots`` of a visit given as parts (each with its provider or not)."""
    found = search_plans(
        uow, parts, start_date, end_date or start_date, earliest_time, latest_time, limit
    )
    return found.slots[:limit]


@dataclass(frozen=True)
class PlanSearch:
    """The free plans of a visit over local dates [first, last] (the asked dates within today
    and the horizon), in (start, first provider) order, with the calendar they came from."""

    plans: list[Plan]
    visit: VisitCalendar | None  # None: nothing of the asked dates can be offered
    first: date
    last: date
    bookings_per_day: dict[tuple[int, date], int]  # (provider, local date): only when asked
    tz: ZoneInfo
    #: What callers make of a kept search, made once (``availability_overview``).
    made: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def slots(self) -> list[Slot]:
        """Every plan as a slot, made once per search (a kept search is asked again)."""
        return [plan_slot(plan, self.tz) for plan in self.plans]


def search_plans(
    uow: UnitOfWork,
    parts: Sequence[PartRequest],
    start_date: date,
    end_date: date,
    earliest_time: time | None = None,
    latest_time: time | None = None,
    limit: int | None = None,
    count_bookings: bool = False,
) -> PlanSearch:
    """The free plans of the visit over the dates (``limit`` is only checked here: callers
    cut the list), reused while current (``schedule_cache``)."""
    _check_range(start_date, end_date, earliest_time, latest_time, limit)
    parts = tuple(parts)
    return cached_answer(
        uow,
        ("plans", parts, start_date, end_date, earliest_time, latest_time, count_bookings),
        lambda tx: _search_plans(
            uow, tx, parts, start_date, end_date, earliest_time, latest_time, count_bookings
        ),
        lambda found: _bookable_until(uow, found),
    )


def _bookable_until(uow: UnitOfWork, found: PlanSearch) -> datetime | None:
    """When the first plan's start comes inside the minimum notice (None: no plans)."""
    if not found.plans:
        return None
    return found.plans[0][0].start - timedelta(minutes=uow.settings.min_notice_minutes)


def _search_plans(
    uow: UnitOfWork,
    tx: Transaction,
    parts: Sequence[PartRequest],
    start_date: date,
    end_date: date,
    earliest_time: time | None,
    latest_time: time | None,
    count_bookings: bool,
) -> tuple[PlanSearch, ScheduleDependencies]:
    settings = uow.settings
    now = uow.now()
    offers = visit_offers(tx, parts, reuse=True)
    # Nothing before today or past the horizon can be offered: don't load it.
    today = now.astimezone(settings.tz).date()
    first = max(start_date, today)
    last = min(end_date, today + timedelta(days=settings.horizon_days + 1))
    span = calendar_span(settings, first, max(first, last))
    if last < first:
        return PlanSearch([], None, first, last, {}, uow.tz), schedule_dependencies(None, span)
    offers, visit = read_visit_calendar(tx, settings, now, offers, first, last)
    per_day: dict[tuple[int, date], int] = {}
    if count_bookings:
        for provider_id, start in tx.bookings.booked_starts(
            sorted(offers.provider_ids), span.start, span.end
        ):
            key = (provider_id, start.astimezone(settings.tz).date())
            per_day[key] = per_day.get(key, 0) + 1
    plans = sorted(
        visit.free_plans(days_between(first, last), earliest_time, latest_time),
        key=lambda plan: (plan[0].start, plan[0].provider_id),
    )
    found = PlanSearch(plans, visit, first, last, per_day, uow.tz)
    return found, schedule_dependencies(offers, span)


def _check_range(
    start_date: date,
    end_date: date,
    earliest_time: time | None,
    latest_time: time | None,
    limit: int | None,
) -> None:
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
