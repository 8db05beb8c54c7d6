"""Properties of the pure visit engine (hypothesis): what availability offers for a visit of
several services with rooms and devices is exactly what the booking predicate accepts, DST days
included; and a visit's busy intervals merge per provider and resource."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking_core.domain.availability import BookingWindow, ProviderCalendar
from booking_core.domain.model import (
    AppointmentPart,
    Provider,
    ProviderSchedule,
    Resource,
    ResourceKind,
    ResourceRef,
    Service,
    WorkingHours,
)
from booking_core.domain.visits import (
    NoPlan,
    PartOptions,
    ResourceCalendar,
    VisitCalendar,
    visit_reservations,
)
from hypothesis import given, settings
from hypothesis import strategies as st

CHICAGO = ZoneInfo("America/Chicago")
DAYS = [date(2027, 2, 3), date(2027, 3, 14), date(2027, 11, 7)]  # a weekday and both DST days

# Busy intervals as (start minute of the day, length), turned into instants on the test's day.
busy_lists = st.lists(st.tuples(st.integers(0, 24 * 60), st.integers(5, 120)), max_size=6)


def instants(day: date, busy: list[tuple[int, int]]) -> list[tuple[datetime, datetime]]:
    midnight = datetime.combine(day, time(0), CHICAGO).astimezone(UTC)
    return [(midnight + timedelta(minutes=s), midnight + timedelta(minutes=s + n)) for s, n in busy]


def window(day: date) -> BookingWindow:
    now = datetime.combine(day - timedelta(days=7), time(12), CHICAGO).astimezone(UTC)
    return BookingWindow(
        now=now,
        earliest=now,
        latest=now + timedelta(days=90),
        step=timedelta(minutes=15),
        tz=CHICAGO,
    )


def provider_calendar(day, provider_id, service, minutes, hours, busy, time_off):
    return ProviderCalendar(
        ProviderSchedule(
            provider=Provider(provider_id, f"P{provider_id}", ""),
            duration_minutes=minutes,
            buffer_minutes=service.buffer_minutes,
            hours=tuple(WorkingHours(provider_id, day.weekday(), s, e) for s, e in hours),
            busy=tuple(busy),
        ),
        time_off,
        window(day),
    )


@st.composite
def visits(draw):
    """Two parts; two providers, each with their own hours, bookings, time off and (for the
    second service) their own duration; the second part needs one of two rooms and the laser."""
    day = draw(st.sampled_from(DAYS))
    first = Service(
        1, "First", "", draw(st.sampled_from([15, 30, 45])), draw(st.sampled_from([0, 15])), 0
    )
    second = Service(2, "Second", "", 60, draw(st.sampled_from([0, 10, 15])), 0)
    part_calendars: list[list[ProviderCalendar]] = [[], []]
    for provider_id in (1, 2):
        opening = draw(st.integers(0, 10))
        hours = [(time(opening), time(opening + draw(st.integers(4, 12))))]
        busy = instants(day, draw(busy_lists))
        off = instants(day, draw(busy_lists))[:2]
        own = draw(st.sampled_from([45, 60, 90]))
        part_calendars[0].append(
            provider_calendar(day, provider_id, first, first.duration_minutes, hours, busy, off)
        )
        part_calendars[1].append(provider_calendar(day, provider_id, second, own, hours, busy, off))
    rooms = tuple(
        ResourceCalendar(
            Resource(10 + i, f"Room {i}", ResourceKind.ROOM),
            instants(day, draw(busy_lists)),
            instants(day, draw(busy_lists))[:1],
        )
        for i in range(2)
    )
    laser = ResourceCalendar(
        Resource(20, "Laser", ResourceKind.DEVICE), instants(day, draw(busy_lists)), []
    )
    parts = [
        PartOptions(first, tuple(part_calendars[0])),
        PartOptions(second, tuple(part_calendars[1]), (rooms, (laser,))),
    ]
    return day, parts


def with_providers(parts: list[PartOptions], provider_ids: list[int]) -> VisitCalendar:
    """The visit with each part's provider fixed (a booking that names them)."""
    return VisitCalendar(
        [
            PartOptions(
                options.service,
                tuple(c for c in options.calendars if c.schedule.provider.id == provider_id),
                options.groups,
            )
            for options, provider_id in zip(parts, provider_ids, strict=True)
        ]
    )


@settings(deadline=None, max_examples=150)
@given(visits())
def test_a_visit_is_offered_exactly_where_booking_accepts_it(drawn):
    day, parts = drawn
    visit = VisitCalendar(parts)
    offered = {(plan[0].start, plan[0].provider_id): plan for plan in visit.free_plans([day])}
    midnight = datetime.combine(day, time(0), CHICAGO).astimezone(UTC)
    accepted = set()
    for quarter in range(26 * 4):  # every quarter hour of the (possibly 25-hour) day
        start = midnight + timedelta(minutes=15 * quarter)
        try:
            plans = visit.plans(start)
        except NoPlan:
            continue
        accepted |= {(start, plan[0].provider_id) for plan in plans}
    assert set(offered) == accepted
    for plan in offered.values():
        # Booking the offered slot with its providers books exactly it.
        fixed = with_providers(parts, [part.provider_id for part in plan])
        (booked,) = fixed.plans(plan[0].start)
        assert [(p.provider_id, p.start, p.end, p.resources) for p in booked] == [
            (p.provider_id, p.start, p.end, p.resources) for p in plan
        ]
        # The parts run back to back, each its provider's own length in real time.
        for previous, part in itertools.pairwise(plan):
            assert part.start == previous.end
        for part in plan:
            assert part.end - part.start == timedelta(
                minutes=part.calendar.schedule.duration_minutes
            )


def part(provider_id, start, minutes, buffer, resources=()):
    return AppointmentPart(
        1, "S", provider_id, "P", start, start + timedelta(minutes=minutes), buffer, resources
    )


def test_a_visits_intervals_merge_per_provider_and_resource():
    start = datetime(2027, 2, 3, 15, tzinfo=UTC)
    room = ResourceRef(10, "Room", ResourceKind.ROOM)
    laser = ResourceRef(20, "Laser", ResourceKind.DEVICE)
    held = visit_reservations(
        [
            part(1, start, 30, 15, (room,)),
            part(1, start + timedelta(minutes=30), 60, 10, (room, laser)),
            part(2, start + timedelta(minutes=90), 30, 0),
            part(1, start + timedelta(minutes=120), 30, 0),
        ]
    )
    minutes = {
        (
            kind,
            owner,
            int((s - start).total_seconds() // 60),
            int((e - start).total_seconds() // 60),
        )
        for kind, owner, s, e in held
    }
    assert minutes == {
        ("provider", 1, 0, 100),  # Botox's clean-up overlaps the next part: one interval
        ("provider", 1, 120, 150),  # a later part after a gap: an interval of its own
        ("provider", 2, 90, 120),
        ("room", 10, 0, 100),
        ("device", 20, 30, 100),
    }
