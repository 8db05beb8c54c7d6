"""Visits: one or more services run back to back from one start, each part with a provider and
one free resource of every group its service needs.

``VisitCalendar.plans`` is the one predicate behind both what is offered (``free_plans``) and
what may be booked, so every offered start can be booked and nothing that cannot is offered.
Within a visit, a provider's or a resource's intervals merge (``visit_reservations``): the parts
never collide with each other, only with other bookings, time off and closures.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking_core.domain.availability import ProviderCalendar
from booking_core.domain.intervals import BusyIndex, Interval, merge
from booking_core.domain.model import (
    LONGEST_BUSY,
    AppointmentPart,
    Resource,
    ResourceKind,
    Service,
    Slot,
    SlotPart,
)
from booking_core.domain.timezones import to_local
from booking_core.errors import BookingError, SlotUnavailable, ValidationFailed


class ResourceCalendar:
    """One room's or device's bookings and time off."""

    def __init__(
        self, resource: Resource, busy: Iterable[Interval], time_off: Iterable[Interval]
    ) -> None:
        self.resource = resource
        self._blocked = BusyIndex([*busy, *time_off])

    def is_free(self, start: datetime, end: datetime) -> bool:
        return self._blocked.is_free(start, end)


@dataclass(frozen=True)
class PartOptions:
    """Who and what may serve one part: the providers who may take it (in preference order for
    a first part) and, per group the service needs, its active resources."""

    service: Service
    calendars: tuple[ProviderCalendar, ...]
    groups: tuple[tuple[ResourceCalendar, ...], ...] = ()


@dataclass(frozen=True)
class PlannedPart:
    calendar: ProviderCalendar
    service: Service
    start: datetime
    resources: tuple[Resource, ...]

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.calendar.schedule.duration_minutes)

    @property
    def busy_until(self) -> datetime:
        return self.start + self.calendar.length

    @property
    def provider_id(self) -> int:
        return self.calendar.schedule.provider.id


Plan = tuple[PlannedPart, ...]


class NoPlan(Exception):
    """No way to hold the visit at a start: the problem of the part the search got furthest
    with (``part``), and whether that was a taken slot."""

    def __init__(self, part: int, problem: BookingError) -> None:
        super().__init__(problem.message)
        self.part, self.problem = part, problem


_RESOURCES_TAKEN = (
    "The room or equipment this treatment needs is not free at that time. "
    "Please choose another time."
)


class VisitCalendar:
    """The calendars of everyone and everything a visit may use, over some days."""

    def __init__(self, parts: Sequence[PartOptions]) -> None:
        self.parts = tuple(parts)
        self._simple = len(self.parts) == 1 and not self.parts[0].groups

    @property
    def shortest(self) -> timedelta:
        """The least time the visit can take (each part by its quickest provider)."""
        return sum(
            (
                timedelta(minutes=min(c.schedule.duration_minutes for c in part.calendars))
                for part in self.parts
                if part.calendars
            ),
            timedelta(),
        )

    # --- the predicate -------------------------------------------------------------------------
    def plans(
        self, start: datetime, *, enforce_notice: bool = True, enforce_hours: bool = True
    ) -> list[Plan]:
        """Every first provider's way to hold the visit from ``start`` (one each: later parts
        prefer a provider already in the visit). Raises NoPlan with the reason when none."""
        first_part = self.parts[0]
        if not first_part.calendars:
            raise NoPlan(0, SlotUnavailable())
        problem = first_part.calendars[0].start_problem(start, enforce_notice=enforce_notice)
        if problem is not None:
            raise NoPlan(0, problem)
        found: list[Plan] = []
        failures: list[NoPlan] = []
        for calendar in first_part.calendars:
            plan = self._plan_from(start, calendar, enforce_hours, failures)
            if plan is not None:
                found.append(plan)
        if not found:
            raise _worst(failures)
        return found

    def _plan_from(
        self,
        start: datetime,
        first: ProviderCalendar,
        enforce_hours: bool,
        failures: list[NoPlan] | None,
    ) -> Plan | None:
        problem = first.part_problem(start, enforce_hours=enforce_hours, on_grid=True)
        if problem is not None:
            if failures is not None:
                failures.append(NoPlan(0, problem))
            return None
        return self._continue_with(first, start, (), enforce_hours, failures)

    def _continue_with(
        self,
        calendar: ProviderCalendar,
        start: datetime,
        chosen: Plan,
        enforce_hours: bool,
        failures: list[NoPlan] | None,
    ) -> Plan | None:
        """``calendar`` (known free) serving the next part from ``start``, then the rest."""
        index = len(chosen)
        options = self.parts[index]
        resources = _pick_resources(options.groups, start, start + calendar.length, chosen)
        if resources is None:
            if failures is not None:
                failures.append(NoPlan(index, SlotUnavailable(_RESOURCES_TAKEN)))
            return None
        plan = (*chosen, PlannedPart(calendar, options.service, start, resources))
        if index + 1 == len(self.parts):
            if plan[-1].busy_until - plan[0].start > LONGEST_BUSY:
                if failures is not None:
                    failures.append(NoPlan(index, _too_long()))
                return None
            return plan
        return self._next_part(plan, enforce_hours, failures)

    def _next_part(
        self, chosen: Plan, enforce_hours: bool, failures: list[NoPlan] | None
    ) -> Plan | None:
        index, at = len(chosen), chosen[-1].end
        for calendar in _preferred(self.parts[index].calendars, chosen):
            if failures is None and enforce_hours:  # listing: the quick form of the same check
                free = calendar.is_open(at)
            else:
                problem = calendar.part_problem(at, enforce_hours=enforce_hours, on_grid=False)
                if problem is not None and failures is not None:
                    failures.append(NoPlan(index, problem))
                free = problem is None
            if free:
                plan = self._continue_with(calendar, at, chosen, enforce_hours, failures)
                if plan is not None:
                    return plan
        return None

    # --- listing ------------------------------------------------------------------------------
    def free_plans(
        self,
        days: Iterable[date],
        earliest_time: time | None = None,
        latest_time: time | None = None,
    ) -> Iterator[Plan]:
        """Per first provider, the plans of the starts the whole visit fits at."""
        days = list(days)
        for first in self.parts[0].calendars:
            for start in first.free_starts(days, earliest_time, latest_time):
                plan = self._plan_at_free_start(first, start)
                if plan is not None:
                    yield plan

    def _plan_at_free_start(self, first: ProviderCalendar, start: datetime) -> Plan | None:
        """The plan from a start ``first`` is known free at (``free_starts``), or None."""
        if self._simple:
            return (PlannedPart(first, self.parts[0].service, start, ()),)
        return self._continue_with(first, start, (), True, None)

    def nearest_free(self, days: Sequence[date], target: datetime, count: int = 3) -> list[Plan]:
        """The ``count`` free plans starting closest to ``target`` on these days, in time order
        (ties: lowest first provider id)."""
        found: list[tuple[timedelta, int, Plan]] = []
        for first in self.parts[0].calendars:
            starts = [start for day in days for start in first.free_starts_on(day)]
            for start in _outward(starts, target):
                if len(found) >= count and abs(start - target) > max(f[0] for f in found):
                    break
                plan = self._plan_at_free_start(first, start)
                if plan is not None:
                    found.append((abs(start - target), first.schedule.provider.id, plan))
                    found = sorted(found, key=lambda item: item[:2])[:count]
        chosen = [plan for _, _, plan in found]
        return sorted(chosen, key=lambda plan: (plan[0].start, plan[0].provider_id))


def plan_rank(plan: Plan, bookings_that_day: int) -> tuple[int, int, int]:
    """How a booking that names no provider chooses among the ways to hold a visit at one
    start: the fewest providers, then the first provider with the fewest bookings that local
    day, then the lowest id (smallest first)."""
    return (len({part.provider_id for part in plan}), bookings_that_day, plan[0].provider_id)


def _outward(ordered: list[datetime], target: datetime) -> Iterator[datetime]:
    """A sorted list's items by distance from ``target``, nearest first."""
    after = bisect.bisect_left(ordered, target)
    before = after - 1
    while before >= 0 or after < len(ordered):
        if after >= len(ordered) or (
            before >= 0 and target - ordered[before] <= ordered[after] - target
        ):
            yield ordered[before]
            before -= 1
        else:
            yield ordered[after]
            after += 1


def _preferred(calendars: Sequence[ProviderCalendar], chosen: Plan) -> list[ProviderCalendar]:
    """A later part's providers: those already in the visit first (the latest first), so a
    visit stays with one provider when it can; then the rest in their order."""
    in_visit = [part.provider_id for part in reversed(chosen)]
    return sorted(
        calendars,
        key=lambda c: (
            in_visit.index(c.schedule.provider.id)
            if c.schedule.provider.id in in_visit
            else len(in_visit)
        ),
    )


def _pick_resources(
    groups: Sequence[Sequence[ResourceCalendar]], start: datetime, end: datetime, chosen: Plan
) -> tuple[Resource, ...] | None:
    """One free resource of every group (one already in the visit first, so a client stays in
    their room; then the lowest id), or None when a group has none free."""
    if not groups:
        return ()
    in_visit = {resource.id for part in chosen for resource in part.resources}
    picked: list[Resource] = []
    for group in groups:
        candidates = sorted(
            (c for c in group if c.resource not in picked),
            key=lambda c: (c.resource.id not in in_visit, c.resource.id),
        )
        free = next((c.resource for c in candidates if c.is_free(start, end)), None)
        if free is None:
            return None
        picked.append(free)
    return tuple(picked)


def _worst(failures: list[NoPlan]) -> NoPlan:
    """The failure to report: of the part the search got furthest with, a taken slot first."""
    furthest = max(failure.part for failure in failures)
    at_furthest = [f for f in failures if f.part == furthest]
    taken = [f for f in at_furthest if isinstance(f.problem, SlotUnavailable)]
    return (taken or at_furthest)[0]


def _too_long() -> ValidationFailed:
    hours = int(LONGEST_BUSY.total_seconds() // 3600)
    return ValidationFailed(
        f"A visit can last at most {hours} hours with its clean-up time. Please book it as "
        "separate visits.",
        fields={"services": "too long"},
    )


def plan_slot(plan: Plan, tz: ZoneInfo) -> Slot:
    """The plan as an offered slot (times in the business zone; parts for a visit of 2+)."""
    first = plan[0]
    provider = first.calendar.schedule.provider
    parts: tuple[SlotPart, ...] = ()
    if len(plan) > 1:
        parts = tuple(
            SlotPart(
                service_id=part.service.id,
                service_name=part.service.name,
                provider_id=part.provider_id,
                provider_name=part.calendar.schedule.provider.name,
                start=to_local(part.start, tz),
                end=to_local(part.end, tz),
            )
            for part in plan
        )
    return Slot(
        start=to_local(first.start, tz),
        end=to_local(plan[-1].end, tz),
        provider_id=provider.id,
        provider_name=provider.name,
        parts=parts,
    )


def visit_reservations(
    parts: Iterable[AppointmentPart],
) -> list[tuple[str, int, datetime, datetime]]:
    """The busy intervals a visit holds, as (kind, id, start, end): each part from its start to
    its end plus clean-up, on its provider and on each of its resources; one owner's intervals
    that touch or overlap merge, so back-to-back parts never collide with themselves."""
    held: dict[tuple[str, int], list[Interval]] = {}
    for part in parts:
        interval = (part.start, part.busy_until)
        held.setdefault((ResourceKind.PROVIDER.value, part.provider_id), []).append(interval)
        for resource in part.resources:
            held.setdefault((resource.kind.value, resource.id), []).append(interval)
    return [
        (kind, owner, start, end)
        for (kind, owner), intervals in held.items()
        for start, end in merge(intervals)
    ]


__all__ = [
    "NoPlan",
    "PartOptions",
    "Plan",
    "PlannedPart",
    "ResourceCalendar",
    "VisitCalendar",
    "plan_slot",
    "visit_reservations",
]
