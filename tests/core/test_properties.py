"""Property tests through the database (both engines), with the injected clock."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import booking_core as core
import pytest
from booking_core import Requester, create_appointment, find_available_slots
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CHICAGO = ZoneInfo("America/Chicago")
DAY = date(2026, 12, 2)
SERVICES = [1, 2, 3, 4, 5]
_phones = itertools.count(2000)  # a new client for every booking: no client overlaps

db_settings = settings(
    deadline=None,
    max_examples=12,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def busy_intervals(uow, day):
    return [
        (a.start, a.end + timedelta(minutes=a.buffer_minutes), a.provider_id)
        for a in core.calendar(uow, day, days=2)
        if a.status.value == "booked"
    ]


@db_settings
@given(
    picks=st.lists(
        st.tuples(st.sampled_from(SERVICES), st.integers(0, 10_000)), min_size=1, max_size=6
    )
)
def test_every_offered_slot_can_be_booked_and_nothing_overlapping_is_offered(uow, picks):
    for service_id, choice in picks:
        offered = find_available_slots(uow, service_id=service_id, start_date=DAY)
        busy = busy_intervals(uow, DAY)
        service_buffer = {s.id: s.buffer_minutes for s in core.list_services(uow)}
        for slot in offered:
            slot_busy_until = slot.end + timedelta(minutes=service_buffer[service_id])
            assert not any(
                p == slot.provider_id and slot.start < e and s < slot_busy_until for s, e, p in busy
            ), f"offered {slot} overlaps a booking"
        if not offered:
            continue
        slot = offered[choice % len(offered)]
        result = create_appointment(
            uow,
            service_id=service_id,
            provider_id=slot.provider_id,
            start=slot.start,
            client_name="Prop Test",
            client_phone=f"+1312555{next(_phones):04d}",
            requester=Requester.admin(),  # no per-phone limit: this test is about the slots
        )
        assert result.appointment.start == slot.start
        assert result.appointment.end == slot.end


@pytest.mark.parametrize(
    ("now", "day", "offset_hours"),
    [
        (datetime(2027, 3, 7, 12, tzinfo=CHICAGO), date(2027, 3, 14), -5),  # spring forward
        (datetime(2027, 10, 31, 12, tzinfo=CHICAGO), date(2027, 11, 7), -6),  # fall back
    ],
)
def test_dst_days_date_selected_is_date_stored_is_date_shown(uow, clock, now, day, offset_hours):
    clock.now = now  # a week before the change, within the horizon
    core.set_working_hours(uow, 1, [(6, time(9), time(17))])  # Dr. Patel works Sundays
    slots = find_available_slots(uow, service_id=2, start_date=day, provider_id=1)
    walls = [s.start.strftime("%H:%M") for s in slots]
    expected = []
    cursor = datetime.combine(day, time(9))
    while cursor + timedelta(minutes=45) <= datetime.combine(day, time(17)):
        expected.append(cursor.strftime("%H:%M"))
        cursor += timedelta(minutes=15)
    assert walls == expected  # no missing or doubled hour
    assert {s.start.utcoffset() for s in slots} == {timedelta(hours=offset_hours)}

    chosen = slots[len(slots) // 2]
    booked = create_appointment(
        uow,
        service_id=2,
        provider_id=1,
        start=chosen.start.replace(tzinfo=None),
        client_name="Dee Ess",
        client_phone="312-555-0177",
        requester=Requester.web(),
    ).appointment
    assert booked.start == chosen.start and booked.start.date() == day
    shown = core.calendar(uow, day)
    assert [a.id for a in shown] == [booked.id]
    assert shown[0].start.strftime("%Y-%m-%d %H:%M") == chosen.start.strftime("%Y-%m-%d %H:%M")
    assert not core.calendar(uow, day - timedelta(days=1))
    assert not core.calendar(uow, day + timedelta(days=1))
