"""Fast unit tests of the pure engine: interval arithmetic, wall time, slots across DST."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from booking_core.domain.availability import BookingWindow, ProviderCalendar
from booking_core.domain.intervals import BusyIndex, merge, overlaps
from booking_core.domain.model import Provider, ProviderSchedule, Service, WorkingHours
from booking_core.domain.timezones import local_to_utc, parse_instant, wall_time_to_utc
from booking_core.domain.visits import PartOptions, VisitCalendar, plan_slot
from booking_core.errors import InvalidTime, OutsideWorkingHours, SlotUnavailable
from hypothesis import example, given, settings
from hypothesis import strategies as st

CHICAGO = ZoneInfo("America/Chicago")
SPRING_FORWARD = date(2027, 3, 14)
FALL_BACK = date(2027, 11, 7)
BASE = datetime(2027, 1, 1, tzinfo=UTC)

minutes = st.integers(min_value=0, max_value=24 * 60)
intervals = st.lists(
    st.tuples(minutes, st.integers(min_value=1, max_value=180)).map(
        lambda p: (BASE + timedelta(minutes=p[0]), BASE + timedelta(minutes=p[0] + p[1]))
    ),
    max_size=12,
)


@given(intervals, minutes, st.integers(min_value=1, max_value=180))
def test_busy_index_agrees_with_brute_force(busy, start_minute, length):
    start = BASE + timedelta(minutes=start_minute)
    end = start + timedelta(minutes=length)
    expected = not any(overlaps(start, end, s, e) for s, e in busy)
    assert BusyIndex(busy).is_free(start, end) is expected


@given(intervals)
def test_merge_is_sorted_disjoint_and_covers_the_same_time(busy):
    merged = merge(busy)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(merged))
    for start, end in busy:
        assert any(s <= start and end <= e for s, e in merged)


@given(intervals, minutes, st.integers(min_value=1, max_value=600))
def test_gaps_are_exactly_the_free_minutes_of_a_range(busy, start_minute, length):
    start = BASE + timedelta(minutes=start_minute)
    end = start + timedelta(minutes=length)
    gaps = list(BusyIndex(busy).gaps(start, end))
    assert all(a[1] < b[0] for a, b in itertools.pairwise(gaps))
    for minute in range(length):
        moment = start + timedelta(minutes=minute)
        free = BusyIndex(busy).is_free(moment, moment + timedelta(minutes=1))
        assert free == any(s <= moment < e for s, e in gaps)


def test_touching_intervals_do_not_overlap():
    assert not overlaps(
        BASE, BASE + timedelta(hours=1), BASE + timedelta(hours=1), BASE + timedelta(hours=2)
    )


# --- wall time ---------------------------------------------------------------------------------
def test_a_wall_time_skipped_by_spring_forward_is_rejected():
    with pytest.raises(InvalidTime) as caught:
        local_to_utc(datetime(2027, 3, 14, 2, 30), CHICAGO)
    assert "does not exist" in caught.value.message


def test_a_wall_time_repeated_by_fall_back_needs_an_offset():
    with pytest.raises(InvalidTime) as caught:
        local_to_utc(datetime(2027, 11, 7, 1, 30), CHICAGO)
    assert "twice" in caught.value.message
    first = parse_instant("2027-11-07T01:30-05:00", CHICAGO)
    second = parse_instant("2027-11-07T01:30-06:00", CHICAGO)
    assert second - first == timedelta(hours=1)


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)))
def test_wall_times_round_trip_or_are_rejected(naive):
    try:
        instant = local_to_utc(naive, CHICAGO)
    except InvalidTime:
        # Only the skipped and the repeated hour of a DST day may be refused.
        assert naive.month in (3, 11) and naive.weekday() == 6 and naive.hour in (1, 2)
        return
    assert instant.astimezone(CHICAGO).replace(tzinfo=None) == naive


# --- slots -------------------------------------------------------------------------------------
def calendar_for(day: date, start: time, end: time, duration=30, buffer=0, busy=()):
    schedule = ProviderSchedule(
        provider=Provider(1, "Dr. Test", ""),
        duration_minutes=duration,
        buffer_minutes=buffer,
        hours=(WorkingHours(1, day.weekday(), start, end),),
        busy=tuple(busy),
    )
    now = datetime.combine(day - timedelta(days=7), time(12), tzinfo=CHICAGO).astimezone(UTC)
    window = BookingWindow(
        now=now,
        earliest=now,
        latest=now + timedelta(days=90),
        step=timedelta(minutes=15),
        tz=CHICAGO,
    )
    return ProviderCalendar(schedule, (), window)


SERVICE = Service(1, "Test", "", 30, 0, 0)


def offered_slots(calendar: ProviderCalendar, days: list[date]):
    """The offered slots of a one-service visit with this provider."""
    visit = VisitCalendar([PartOptions(SERVICE, (calendar,))])
    return [plan_slot(plan, CHICAGO) for plan in visit.free_plans(days)]


def wall_grid(start: time, end: time, length: int) -> list[time]:
    walls, cursor = [], datetime.combine(date(2000, 1, 1), start)
    while cursor + timedelta(minutes=length) <= datetime.combine(date(2000, 1, 1), end):
        walls.append(cursor.time())
        cursor += timedelta(minutes=15)
    return walls


daytime_hours = st.tuples(st.integers(6 * 4, 21 * 4), st.integers(1, 16)).map(
    lambda p: (
        time(p[0] // 4, 15 * (p[0] % 4)),
        time(min(p[0] + p[1] * 2, 23 * 4) // 4, 15 * (min(p[0] + p[1] * 2, 23 * 4) % 4)),
    )
)


@settings(deadline=None)
@given(
    st.dates(min_value=date(2027, 1, 1), max_value=date(2027, 12, 31)),
    daytime_hours,
    st.sampled_from([30, 45, 60]),
    st.sampled_from([0, 15]),
)
@example(SPRING_FORWARD, (time(9), time(17)), 30, 0)
@example(FALL_BACK, (time(9), time(17)), 30, 0)
@example(SPRING_FORWARD, (time(6), time(12)), 60, 15)
@example(FALL_BACK, (time(6), time(12)), 60, 15)
def test_daytime_slots_are_the_wall_clock_grid_on_every_day(day, hours, duration, buffer):
    """DST days included: the local slots are exactly the wall-clock grid, each once, each
    lasting the service's duration in real time, with the offset in force that day."""
    start, end = hours
    slots = list(offered_slots(calendar_for(day, start, end, duration, buffer), [day]))
    assert [s.start.time() for s in slots] == wall_grid(start, end, duration + buffer)
    for slot in slots:
        assert slot.start.date() == day
        assert slot.end - slot.start == timedelta(minutes=duration)
        assert slot.start.utcoffset() == datetime.combine(day, time(12), CHICAGO).utcoffset()


def test_spring_forward_night_has_no_slot_in_the_missing_hour():
    slots = list(offered_slots(calendar_for(SPRING_FORWARD, time(0), time(5)), [SPRING_FORWARD]))
    walls = [s.start.strftime("%H:%M %Z") for s in slots]
    assert not any(w.startswith("02:") for w in walls)
    assert walls[:9] == [
        "00:00 CST",
        "00:15 CST",
        "00:30 CST",
        "00:45 CST",
        "01:00 CST",
        "01:15 CST",
        "01:30 CST",
        "01:45 CST",
        "03:00 CDT",
    ]
    assert len(walls) == len(set(walls))
    # 4 real hours of work (one is skipped), 30-minute consultations every 15 minutes.
    assert len(slots) == (4 * 60 - 30) // 15 + 1


def test_fall_back_night_offers_each_real_instant_once():
    slots = list(offered_slots(calendar_for(FALL_BACK, time(0), time(4)), [FALL_BACK]))
    instants = [s.start.astimezone(UTC) for s in slots]
    assert instants == sorted(set(instants))
    # 0:00 to 4:00 on fall-back night is 5 real hours.
    assert len(slots) == (5 * 60 - 30) // 15 + 1
    walls = [s.start.strftime("%H:%M %Z") for s in slots]
    assert "01:30 CDT" in walls and "01:30 CST" in walls


def test_buffers_block_following_slots_and_problem_matches_slots():
    day = date(2027, 2, 3)
    booked = datetime.combine(day, time(10), CHICAGO).astimezone(UTC)
    calendar = calendar_for(
        day,
        time(9),
        time(13),
        duration=60,
        buffer=15,
        busy=[(booked, booked + timedelta(minutes=75))],
    )
    offered = {s.start.time() for s in offered_slots(calendar, [day])}
    assert time(11, 15) in offered and time(11) not in offered and time(9) not in offered
    assert time(8, 45) not in offered
    for wall in wall_grid(time(9), time(13), 75):
        start = datetime.combine(day, wall, CHICAGO).astimezone(UTC)
        problem = calendar.problem(start, enforce_notice=True, enforce_hours=True)
        assert (problem is None) == (wall in offered)
        if problem is not None:
            assert isinstance(problem, SlotUnavailable)
    late = datetime.combine(day, time(12, 15), CHICAGO).astimezone(UTC)
    assert isinstance(
        calendar.problem(late, enforce_notice=True, enforce_hours=True), OutsideWorkingHours
    )


def test_working_hours_ending_inside_the_skipped_hour_end_at_the_jump():
    # 00:30-02:30 on spring-forward night: 02:30 does not exist, so the day ends at the jump
    # (03:00 CDT): the last 30-minute slot starts at 01:30 CST.
    slots = list(
        offered_slots(calendar_for(SPRING_FORWARD, time(0, 30), time(2, 30)), [SPRING_FORWARD])
    )
    walls = [s.start.strftime("%H:%M %Z") for s in slots]
    assert walls == ["00:30 CST", "00:45 CST", "01:00 CST", "01:15 CST", "01:30 CST"]


def test_a_zone_attached_wall_time_gets_the_same_checks_as_a_naive_one():
    with pytest.raises(InvalidTime):
        parse_instant(datetime(2027, 3, 14, 2, 30, tzinfo=CHICAGO), CHICAGO)
    with pytest.raises(InvalidTime):
        parse_instant(datetime(2027, 11, 7, 1, 30, tzinfo=CHICAGO), CHICAGO)
    assert parse_instant(datetime(2027, 11, 7, 10, tzinfo=CHICAGO), CHICAGO) == datetime(
        2027, 11, 7, 16, tzinfo=UTC
    )


@settings(deadline=None)
@given(
    st.sampled_from([date(2027, 2, 3), SPRING_FORWARD, FALL_BACK]),
    st.lists(st.tuples(st.integers(0, 90), st.integers(1, 12)), min_size=1, max_size=3),
    intervals,
    st.sampled_from([15, 30, 45, 60, 90]),
    st.sampled_from([0, 10, 15]),
)
def test_free_starts_are_the_grid_points_problem_accepts(day, shifts, busy, duration, buffer):
    """The slot listing walks only free stretches; it must offer exactly the grid points that
    the booking check accepts (shifts of quarter hours, busy time at any minute)."""
    hours, cursor = [], 0
    for gap, length in shifts:  # disjoint shifts in quarter hours, a gap between them
        first, cursor = cursor + gap, cursor + gap + length
        if cursor >= 96:
            break
        hours.append(
            WorkingHours(
                1,
                day.weekday(),
                time(first // 4, 15 * (first % 4)),
                time(cursor // 4, 15 * (cursor % 4)),
            )
        )
        cursor += 1
    midnight = datetime.combine(day, time(0), CHICAGO).astimezone(UTC)
    busy = [(s - BASE + midnight, e - BASE + midnight) for s, e in busy]
    calendar = calendar_for(day, time(0), time(0), duration, buffer, busy[: len(busy) // 2])
    calendar = ProviderCalendar(
        ProviderSchedule(
            provider=calendar.schedule.provider,
            duration_minutes=duration,
            buffer_minutes=buffer,
            hours=tuple(hours),
            busy=tuple(busy[: len(busy) // 2]),
        ),
        busy[len(busy) // 2 :],  # the rest as time off
        calendar.window,
    )
    expected = []
    for shift in hours:  # shift bounds as the engine reads them (a DST gap moves them)
        start = wall_time_to_utc(day, shift.start, CHICAGO)
        while start < wall_time_to_utc(day, shift.end, CHICAGO):
            if calendar.problem(start, enforce_notice=True, enforce_hours=True) is None:
                expected.append(start)
            start += timedelta(minutes=15)
    assert list(calendar.free_starts([day])) == expected


@settings(deadline=None)
@given(intervals, intervals, st.integers(0, 3 * 24 * 60), st.integers(1, 4))
def test_nearest_free_slots_are_the_closest_of_all_free_slots(busy_a, busy_b, minute, count):
    """The nearest alternatives, found around the target's place in each provider's sorted
    free starts, are the `count` closest of all of them (ties: lowest provider id)."""
    day = date(2027, 2, 3)
    days = [day - timedelta(days=1), day, day + timedelta(days=1)]
    midnight = datetime.combine(day, time(0), CHICAGO).astimezone(UTC)

    def calendar(provider_id, busy):
        base = calendar_for(day, time(9), time(17))
        return ProviderCalendar(
            ProviderSchedule(
                provider=Provider(provider_id, f"P{provider_id}", ""),
                duration_minutes=30,
                buffer_minutes=0,
                hours=tuple(
                    WorkingHours(provider_id, d.weekday(), time(9), time(17)) for d in days
                ),
                busy=tuple((s - BASE + midnight, e - BASE + midnight) for s, e in busy),
            ),
            (),
            base.window,
        )

    calendars = [calendar(1, busy_a), calendar(2, busy_b)]
    target = midnight - timedelta(days=1) + timedelta(minutes=minute)
    every = sorted(
        (abs(start - target), c.schedule.provider.id, start)
        for c in calendars
        for start in c.free_starts(days)
    )[:count]
    expected = sorted((start, provider_id) for _, provider_id, start in every)
    found = VisitCalendar([PartOptions(SERVICE, tuple(calendars))]).nearest_free(
        days, target, count
    )
    assert [(plan[0].start, plan[0].provider_id) for plan in found] == expected


@given(
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2999, 12, 30)),
    st.sampled_from(["stored", "seconds", "offset", "zulu", "date"]),
)
def test_sqlite_stamps_read_back_as_the_same_utc_instant(moment, form):
    """The SQLite reader's fast path (the stamp this type writes) and its fallback (any other
    ISO text) give what the type's own conversion gives: aware UTC."""
    from booking_core.adapters.tables import UTCDateTime
    from sqlalchemy.dialects import sqlite

    column = UTCDateTime()
    text = {
        "stored": moment.isoformat(sep=" ", timespec="microseconds"),
        "seconds": moment.isoformat(sep=" ", timespec="seconds"),
        "offset": moment.replace(tzinfo=CHICAGO).isoformat(),
        "zulu": moment.isoformat(timespec="seconds") + "Z",
        "date": moment.date().isoformat(),
    }[form]
    read = column.result_processor(sqlite.dialect(), None)(text)
    assert read == column.process_result_value(text, sqlite.dialect())
    assert read.tzinfo is UTC
