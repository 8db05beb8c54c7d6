"""Blocked time for the provider calendar: closures, time off, breaks, hours off and resource
maintenance over some local days, drawn as shaded blocks with their reason."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from booking_core.domain.availability import days_between, working_intervals
from booking_core.domain.model import ProviderSchedule
from booking_core.domain.timezones import local_day_bounds
from booking_core.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class BlockedTime:
    kind: str  # closure, time_off, break, off_hours or resource_time_off
    start: datetime  # business-local
    end: datetime
    reason: str = ""
    provider_id: int | None = None
    resource_id: int | None = None


def blocked_time(
    uow: UnitOfWork, start_date: date, days: int, provider_id: int | None = None
) -> list[BlockedTime]:
    """What blocks bookings on local dates [start_date, start_date + days): the business's
    closures, each (active) provider's time off, breaks between working intervals and hours
    outside them, and each resource's time off. In start order."""
    tz = uow.tz
    last = start_date + timedelta(days=days - 1)
    start, _ = local_day_bounds(start_date, tz)
    _, end = local_day_bounds(last, tz)
    with uow.begin() as tx:
        providers = [
            p
            for p in tx.catalog.list_providers(active_only=True)
            if provider_id is None or p.id == provider_id
        ]
        hours = tx.catalog.working_hours([p.id for p in providers])
        time_off = tx.catalog.time_off([p.id for p in providers], start, end)
        closures = tx.catalog.closures(start_date, last)
        resource_off = tx.catalog.resource_time_off(start=start, end=end)
    blocked = [BlockedTime("closure", *local_day_bounds(c.date, tz), c.reason) for c in closures]
    blocked += [
        BlockedTime("time_off", o.start, o.end, o.reason, provider_id=o.provider_id)
        for o in time_off
    ]
    blocked += [
        BlockedTime("resource_time_off", o.start, o.end, o.reason, resource_id=o.resource_id)
        for o in resource_off
    ]
    for provider in providers:
        schedule = ProviderSchedule(
            provider, 1, 0, tuple(h for h in hours if h.provider_id == provider.id)
        )
        for day in days_between(start_date, last):
            blocked += _hours_off(schedule, day, uow)
    return sorted(
        (
            BlockedTime(
                b.kind,
                b.start.astimezone(tz),
                b.end.astimezone(tz),
                b.reason,
                b.provider_id,
                b.resource_id,
            )
            for b in blocked
        ),
        key=lambda b: (b.start, b.kind),
    )


def _hours_off(schedule: ProviderSchedule, day: date, uow: UnitOfWork) -> list[BlockedTime]:
    """A provider's day outside working hours (off_hours) and between them (break)."""
    provider_id = schedule.provider.id
    day_start, day_end = local_day_bounds(day, uow.tz)
    shifts = working_intervals(schedule, day, uow.tz)
    if not shifts:
        return [BlockedTime("off_hours", day_start, day_end, "Not working", provider_id)]
    found = []
    if day_start < shifts[0][0]:
        found.append(BlockedTime("off_hours", day_start, shifts[0][0], "", provider_id))
    for (_, first_end), (second_start, _) in itertools.pairwise(shifts):
        if first_end < second_start:
            found.append(BlockedTime("break", first_end, second_start, "Break", provider_id))
    if shifts[-1][1] < day_end:
        found.append(BlockedTime("off_hours", shifts[-1][1], day_end, "", provider_id))
    return found


def calendar_version(uow: UnitOfWork) -> str:
    """Changes whenever anything the calendar shows changes (an appointment booked, moved,
    cancelled or checked in; a closure, time off, hours or a resource): a cheap "changed
    since" check for calendars kept open at other desks."""
    with uow.begin() as tx:
        return tx.calendar.change_marker()
