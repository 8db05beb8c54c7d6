"""The availability engine: pure functions from schedules and busy time to bookable slots.

The same predicate decides both what is offered and what may be booked (``slot_problem``), so
every offered slot can be booked and nothing that cannot be booked is offered.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking_core.domain.intervals import BusyIndex, Interval
from booking_core.domain.model import ProviderSchedule, Slot
from booking_core.domain.timezones import local_day_bounds, to_local, wall_time_to_utc
from booking_core.errors import (
    BeyondHorizon,
    BookingError,
    InvalidTime,
    OutsideWorkingHours,
    PastTime,
    ProviderUnavailable,
    SlotUnavailable,
    TooSoon,
)


@dataclass(frozen=True)
class BookingWindow:
    """When a booking may start: not before now (+ notice), not after the horizon."""

    now: datetime
    earliest: datetime  # now + minimum notice
    latest: datetime  # now + horizon
    step: timedelta
    tz: ZoneInfo
    closures: frozenset[date] = frozenset()
    business_name: str = "The spa"


def days_between(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def working_intervals(schedule: ProviderSchedule, day: date, tz: ZoneInfo) -> list[Interval]:
    """The provider's working intervals on a local date, as UTC instants."""
    intervals = []
    weekday = day.weekday()
    for hours in schedule.hours:
        if hours.weekday == weekday and hours.end > hours.start:
            intervals.append(
                (wall_time_to_utc(day, hours.start, tz), wall_time_to_utc(day, hours.end, tz))
            )
    return sorted(intervals)


def closure_intervals(closures: Iterable[date], tz: ZoneInfo) -> list[Interval]:
    return [local_day_bounds(day, tz) for day in closures]


class ProviderCalendar:
    """One provider's schedule and busy time, indexed for fast slot questions."""

    def __init__(
        self,
        schedule: ProviderSchedule,
        time_off: Iterable[Interval],
        window: BookingWindow,
    ) -> None:
        self.schedule = schedule
        self.window = window
        self.length = timedelta(minutes=schedule.duration_minutes + schedule.buffer_minutes)
        self.bookings = BusyIndex(schedule.busy)
        time_off = list(time_off)
        closed = closure_intervals(window.closures, window.tz)
        self.time_off, self.closed = BusyIndex(time_off), BusyIndex(closed)
        unavailable = [*time_off, *closed]
        self._blocked = BusyIndex([*schedule.busy, *unavailable])  # both: for listing slots
        self._shifts: dict[date, list[Interval]] = {}
        self._free: dict[date, list[datetime]] = {}
        self._open: dict[date, list[Interval]] = {}

    def shifts(self, day: date) -> list[Interval]:
        """The working intervals of a local date (see ``working_intervals``), computed once."""
        found = self._shifts.get(day)
        if found is None:
            found = self._shifts[day] = working_intervals(self.schedule, day, self.window.tz)
        return found

    def problem(
        self, start: datetime, *, enforce_notice: bool, enforce_hours: bool
    ) -> BookingError | None:
        """Why a booking starting at ``start`` cannot be made, or None when it can."""
        return self.start_problem(start, enforce_notice=enforce_notice) or self.part_problem(
            start, enforce_hours=enforce_hours, on_grid=True
        )

    def start_problem(self, start: datetime, *, enforce_notice: bool) -> BookingError | None:
        """Why a visit cannot start at ``start`` (past, notice, horizon), or None."""
        window = self.window
        if start < window.now:
            return PastTime()
        if enforce_notice and start < window.earliest:
            return TooSoon(
                f"Online bookings need at least {_minutes_text(window.earliest - window.now)} "
                "notice. Please choose a later time or call us.",
            )
        if start > window.latest:
            return BeyondHorizon()
        return None

    def part_problem(
        self, start: datetime, *, enforce_hours: bool, on_grid: bool
    ) -> BookingError | None:
        """Why this provider cannot serve the service from ``start`` (hours, the slot grid for
        a visit's first part, time off, closures, bookings), or None when they can."""
        window = self.window
        end = start + self.length
        if enforce_hours:
            day = to_local(start, window.tz).date()
            fits = [iv for iv in self.shifts(day) if iv[0] <= start and end <= iv[1]]
            if not fits:
                return OutsideWorkingHours(
                    f"{self.schedule.provider.name} is not working at that time "
                    "(the appointment and its clean-up time must fit in working hours)."
                )
            if on_grid and (start - fits[0][0]) % window.step:
                step_minutes = int(window.step.total_seconds() // 60)
                return InvalidTime(
                    f"Appointments start every {step_minutes} minutes. Please choose one of the "
                    "offered times.",
                    field="start",
                )
        if not self.closed.is_free(start, end):
            day = to_local(start, window.tz).date()
            if day not in window.closures:  # the appointment runs into a closed day
                day = to_local(end - timedelta(microseconds=1), window.tz).date()
            return ProviderUnavailable(
                f"{window.business_name} is closed on {_day_text(day)}. Please choose another day."
            )
        if not self.time_off.is_free(start, end):
            return ProviderUnavailable(
                f"{self.schedule.provider.name} is not available at that time (time off)."
            )
        if not self.bookings.is_free(start, end):
            return SlotUnavailable()
        return None

    def is_open(self, start: datetime) -> bool:
        """``part_problem(start, enforce_hours=True, on_grid=False) is None``, quickly: the
        service with its clean-up fits in one free stretch of a working interval."""
        end = start + self.length
        day = to_local(start, self.window.tz).date()
        found = self._open.get(day)
        if found is None:
            found = self._open[day] = [
                gap
                for shift_start, shift_end in self.shifts(day)
                for gap in self._blocked.gaps(shift_start, shift_end)
            ]
        return any(gap_start <= start and end <= gap_end for gap_start, gap_end in found)

    def free_starts(
        self,
        days: Iterable[date],
        earliest_time: time | None = None,
        latest_time: time | None = None,
    ) -> Iterator[datetime]:
        """UTC start instants of the bookable slots on these local dates, in time order."""
        for day in days:
            if earliest_time is None and latest_time is None:
                yield from self.free_starts_on(day)
            else:
                yield from self._free_starts_on(day, earliest_time, latest_time)

    def free_starts_on(self, day: date) -> list[datetime]:
        """``free_starts`` of one day with no time-of-day window, worked out once (the
        alternatives to a taken slot ask for a day again)."""
        found = self._free.get(day)
        if found is None:
            found = self._free[day] = list(self._free_starts_on(day, None, None))
        return found

    def _free_starts_on(
        self, day: date, earliest_time: time | None, latest_time: time | None
    ) -> Iterator[datetime]:
        window, step, length = self.window, self.window.step, self.length
        for shift_start, shift_end in self.shifts(day):
            # Starts step from the shift's start, so a DST day has exactly the wall-clock
            # slots its hours contain; only the stretches nothing blocks are walked.
            for free_start, free_end in self._blocked.gaps(shift_start, shift_end):
                start = shift_start - ((shift_start - free_start) // step) * step
                while start + length <= free_end:
                    if window.earliest <= start <= window.latest and (
                        _within(start, window.tz, earliest_time, latest_time)
                    ):
                        yield start
                    start += step


def _within(
    start: datetime, tz: ZoneInfo, earliest_time: time | None, latest_time: time | None
) -> bool:
    """Whether a start's local time of day is inside the optional window."""
    if earliest_time is None and latest_time is None:
        return True
    wall = to_local(start, tz).time()
    return not (earliest_time and wall < earliest_time) and not (latest_time and wall > latest_time)


def nearest(slots: Iterable[Slot], target: datetime, count: int = 3) -> list[Slot]:
    """The ``count`` slots closest in time to ``target``, in time order."""
    closest = sorted(slots, key=lambda slot: (abs(slot.start - target), slot.provider_id))[:count]
    return sorted(closest, key=lambda slot: (slot.start, slot.provider_id))


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _day_text(day: date) -> str:
    """'Friday, December 25' (fixed English names: strftime follows the process locale)."""
    return f"{_WEEKDAYS[day.weekday()]}, {_MONTHS[day.month - 1]} {day.day}"


def _minutes_text(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % 60 == 0 and minutes >= 60:
        hours = minutes // 60
        return f"{hours} hour" + ("s" if hours != 1 else "")
    return f"{minutes} minutes"
