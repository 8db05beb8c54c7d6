"""Visits of several services and rooms and devices as resources, through the service layer, on
SQLite and on PostgreSQL: the database refuses an overlap of any resource, a visit is booked,
moved and cancelled all or nothing, and what availability offers can be booked."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from booking_core import (
    PartRequest,
    Requester,
    cancel_appointment,
    create_appointment,
    find_available_slots,
    reschedule_appointment,
)
from booking_core.errors import (
    BookingError,
    BookingLimitReached,
    ResourceHasFutureBookings,
    ServiceNotOffered,
    SlotUnavailable,
    ValidationFailed,
)
from booking_core.services import business, resources
from support.races import laser_racer, overlapping_pairs, racer_phone

CHICAGO = ZoneInfo("America/Chicago")
CONSULT, BOTOX, FILLER, HYDRAFACIAL, LASER = 1, 2, 3, 4, 5
PATEL, RIVERA, CHEN, LOPEZ = 1, 2, 3, 4
ROOM_1, ROOM_2, LASER_ROOM, LASER_DEVICE = 1, 2, 3, 4
DAY = date(2026, 12, 2)  # a Wednesday, beyond the 24-hour change cutoff


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHICAGO)


def book(uow, start, parts, phone="312-555-0100", requester=None):
    return create_appointment(
        uow,
        services=[PartRequest(*part) for part in parts],
        start=start,
        client_name="Ann Lee",
        client_phone=phone,
        requester=requester or Requester.web(),
    )


def book_one(uow, start, service_id, provider_id=None, phone="312-555-0100"):
    return create_appointment(
        uow,
        service_id=service_id,
        provider_id=provider_id,
        start=start,
        client_name="Bea Cho",
        client_phone=phone,
        requester=Requester.web(),
    )


def reservations(uow, appointment_id):
    with uow.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT resource_kind, resource_id FROM reservations "
                "WHERE appointment_id = :id ORDER BY resource_kind, resource_id, start_at"
            ),
            {"id": appointment_id},
        ).all()
    return [(kind, owner) for kind, owner in rows]


def starts(slots, provider_id=None):
    return [s.start for s in slots if provider_id is None or s.provider_id == provider_id]


# --- resources: the database guarantee --------------------------------------------------------
def test_laser_booked_by_one_provider_is_refused_to_another(uow):
    first = book_one(uow, at(DAY, 13), LASER, CHEN).appointment
    assert [(r.name, r.kind.value) for r in first.parts[0].resources] == [
        ("Laser Room", "room"),
        ("GentleMax Pro Laser", "device"),
    ]
    with pytest.raises(SlotUnavailable) as caught:
        book_one(uow, at(DAY, 13, 30), LASER, LOPEZ, phone="312-555-0101")
    # The alternatives are times the laser is free again (60 minutes with its clean-up).
    alternatives = caught.value.alternatives
    assert alternatives
    assert all(
        not (at(DAY, 13) <= datetime.fromisoformat(a["start"]) < at(DAY, 14)) for a in alternatives
    )
    # Availability agrees: Lopez is free, the laser is not.
    offered = starts(find_available_slots(uow, service_id=LASER, start_date=DAY), LOPEZ)
    assert at(DAY, 13) not in offered and at(DAY, 12, 15) not in offered
    assert at(DAY, 14) in offered


def test_the_database_refuses_an_overlapping_resource_reservation(uow):
    first = book_one(uow, at(DAY, 13), LASER, CHEN).appointment
    second = book_one(uow, at(DAY, 15), LASER, LOPEZ, phone="312-555-0101").appointment
    with uow.engine.connect() as connection, pytest.raises(sa.exc.DBAPIError), connection.begin():
        connection.execute(
            sa.text(
                "UPDATE reservations SET start_at = (SELECT start_at FROM reservations "
                "WHERE appointment_id = :first AND resource_kind = 'device') "
                "WHERE appointment_id = :second AND resource_kind = 'device'"
            ),
            {"first": first.id, "second": second.id},
        )


def test_sixteen_threads_with_different_providers_race_for_one_laser(uow):
    targets = [at(DAY + timedelta(days=d), hour) for d in range(3) for hour in (13, 14, 15, 16)]
    threads = 16
    barrier = threading.Barrier(threads)

    def racer(index: int, round_index: int, start: datetime) -> str:
        provider = CHEN if index % 2 else LOPEZ
        barrier.wait()
        try:
            book_one(uow, start, LASER, provider, phone=racer_phone(round_index * threads + index))
        except BookingError as error:
            return error.code
        return "ok"

    with ThreadPoolExecutor(threads) as pool:
        for round_index, start in enumerate(targets):
            outcomes = [
                f.result()
                for f in [pool.submit(racer, i, round_index, start) for i in range(threads)]
            ]
            assert outcomes.count("ok") == 1, outcomes
            assert set(outcomes) == {"ok", "slot_unavailable"}, outcomes
    assert overlapping_pairs(uow.engine) == 0


@pytest.mark.slow
def test_four_processes_with_different_providers_race_for_one_laser(uow, clock):
    starts = [at(DAY + timedelta(days=d), hour) for d in range(3) for hour in (13, 14, 15, 16)]
    uow.engine.dispose()
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(4), context.Queue()
    processes = [
        context.Process(
            target=laser_racer,
            args=(uow.settings.database_url, clock.now, i, starts, barrier, results),
        )
        for i in range(4)
    ]
    for process in processes:
        process.start()
    by_racer = dict(results.get(timeout=300) for _ in processes)
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    for round_index in range(len(starts)):
        outcomes = [by_racer[i][round_index] for i in range(4)]
        assert outcomes.count("ok") == 1, outcomes
        assert set(outcomes) == {"ok", "slot_unavailable"}, outcomes
    assert overlapping_pairs(uow.engine) == 0


# --- visits ------------------------------------------------------------------------------------
def test_two_parts_with_one_provider_and_a_buffer_book_without_colliding(uow):
    visit = book(uow, at(DAY, 9), [(BOTOX, PATEL), (FILLER, PATEL)]).appointment
    botox, filler = visit.parts
    assert (botox.start, botox.end) == (at(DAY, 9), at(DAY, 9, 30))
    # Botox's 15-minute clean-up does not push the filler: the parts run back to back.
    assert (filler.start, filler.end) == (at(DAY, 9, 30), at(DAY, 10, 30))
    assert (visit.start, visit.end) == (at(DAY, 9), at(DAY, 10, 30))
    assert (visit.service_id, visit.provider_id) == (BOTOX, PATEL)
    # One merged reservation for the provider: 9:00 to the filler's clean-up at 10:45.
    with uow.engine.connect() as connection:
        held = connection.execute(
            sa.text("SELECT start_at, end_at FROM reservations WHERE appointment_id = :id"),
            {"id": visit.id},
        ).all()
    assert len(held) == 1
    offered = starts(find_available_slots(uow, service_id=BOTOX, start_date=DAY), PATEL)
    assert at(DAY, 10, 30) not in offered and at(DAY, 10, 45) in offered


def test_a_visit_without_providers_stays_with_one_provider(uow):
    # Patel is free for the Botox at 10:00 but not for the filler after it; Rivera is free for
    # the whole visit: one provider is preferred to two.
    book_one(uow, at(DAY, 10, 45), FILLER, PATEL, phone="312-555-0199")
    visit = book(uow, at(DAY, 10), [(BOTOX, None), (FILLER, None)]).appointment
    assert [p.provider_id for p in visit.parts] == [RIVERA, RIVERA]


def test_a_visit_whose_second_part_is_taken_books_nothing(uow):
    book_one(uow, at(DAY, 14, 30), FILLER, RIVERA, phone="312-555-0199")
    with pytest.raises(SlotUnavailable) as caught:
        book(uow, at(DAY, 14), [(BOTOX, PATEL), (FILLER, RIVERA)])
    assert caught.value.details["part"] == 1
    # The alternatives are whole visits, with the asked providers.
    for alternative in caught.value.alternatives:
        assert [p["provider_id"] for p in alternative["parts"]] == [PATEL, RIVERA]
    with uow.engine.connect() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM appointments")).scalar_one()
    assert count == 1  # nothing of the visit was written


def test_a_visit_whose_second_part_needs_a_taken_room_books_nothing(uow):
    resources.set_service_resource_groups(uow, HYDRAFACIAL, [[ROOM_1]])
    business.set_provider_services(
        uow, RIVERA, [(s, None) for s in (CONSULT, BOTOX, FILLER, HYDRAFACIAL)]
    )
    book_one(uow, at(DAY, 10), HYDRAFACIAL, CHEN, phone="312-555-0199")  # holds room 1
    with pytest.raises(SlotUnavailable) as caught:
        book(uow, at(DAY, 9, 30), [(CONSULT, PATEL), (HYDRAFACIAL, RIVERA)])
    assert caught.value.details["part"] == 1
    with uow.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM appointments")).scalar_one() == 1


def test_a_visit_keeps_its_room_across_parts(uow):
    for service in (CONSULT, HYDRAFACIAL):
        resources.set_service_resource_groups(uow, service, [[ROOM_1, ROOM_2]])
    book_one(uow, at(DAY, 13), CONSULT, PATEL, phone="312-555-0199")  # takes room 1
    visit = book(uow, at(DAY, 13), [(CONSULT, CHEN), (HYDRAFACIAL, CHEN)]).appointment
    assert [[r.id for r in p.resources] for p in visit.parts] == [[ROOM_2], [ROOM_2]]
    # Room 2's intervals merged: one reservation for the room, one for Chen.
    assert reservations(uow, visit.id) == [("provider", CHEN), ("room", ROOM_2)]


def test_cancel_frees_every_part_and_resource(uow):
    visit = book(uow, at(DAY, 13), [(BOTOX, PATEL), (LASER, LOPEZ)])
    appointment = visit.appointment
    laser_start = appointment.parts[1].start
    assert laser_start == at(DAY, 13, 30)
    cancel_appointment(uow, appointment_id=appointment.id, requester=Requester.admin())
    assert reservations(uow, appointment.id) == []
    # The laser and both providers are free again.
    again = book_one(uow, laser_start, LASER, CHEN, phone="312-555-0101")
    assert again.appointment.parts[0].start == laser_start
    book_one(uow, at(DAY, 13), BOTOX, PATEL, phone="312-555-0102")


def test_reschedule_moves_every_part_or_nothing(uow):
    booked = book(uow, at(DAY, 13), [(BOTOX, PATEL), (LASER, LOPEZ)])
    appointment = booked.appointment
    moved = reschedule_appointment(
        uow, appointment_id=appointment.id, new_start=at(DAY, 15), requester=Requester.admin()
    ).appointment
    assert [(p.provider_id, p.start) for p in moved.parts] == [
        (PATEL, at(DAY, 15)),
        (LOPEZ, at(DAY, 15, 30)),
    ]
    assert moved.parts[1].resources == appointment.parts[1].resources
    # Someone else takes the laser at 13:00: moving back to 13:15 (its laser part at 13:45)
    # fails and changes nothing.
    book_one(uow, at(DAY, 13), LASER, CHEN, phone="312-555-0101")
    with pytest.raises(SlotUnavailable) as caught:
        reschedule_appointment(
            uow,
            appointment_id=appointment.id,
            new_start=at(DAY, 13, 15),
            requester=Requester.web(booked.manage_token),
        )
    assert caught.value.details["part"] == 1
    current = reschedule_appointment(
        uow, appointment_id=appointment.id, new_start=at(DAY, 15), requester=Requester.admin()
    ).appointment
    assert current.parts == moved.parts
    # A provider per part; the one-part provider_id is refused for a visit.
    with pytest.raises(ValidationFailed):
        reschedule_appointment(
            uow,
            appointment_id=appointment.id,
            new_start=at(DAY, 13),
            provider_id=RIVERA,
            requester=Requester.admin(),
        )
    swapped = reschedule_appointment(
        uow,
        appointment_id=appointment.id,
        new_start=at(DAY, 15),
        part_providers=[RIVERA, None],
        requester=Requester.admin(),
    ).appointment
    assert [p.provider_id for p in swapped.parts] == [RIVERA, LOPEZ]


def test_a_visit_crossing_the_fall_back_hour_keeps_each_parts_real_length(uow, clock):
    # 2027-11-07, the first Sunday of November: 02:00 CDT falls back to 01:00 CST.
    sunday = date(2027, 11, 7)
    clock.advance(days=330)
    visit = book(
        uow,
        at(sunday, 0, 30),
        [(FILLER, PATEL), (FILLER, PATEL)],
        requester=Requester.admin(),  # the front desk books outside working hours
    ).appointment
    first, second = visit.parts

    def real_length(part):  # in UTC: Python subtracts same-zone times by their wall clocks
        return part.end.astimezone(UTC) - part.start.astimezone(UTC)

    assert real_length(first) == real_length(second) == timedelta(hours=1)
    assert second.start.astimezone(UTC) == first.end.astimezone(UTC)
    # 00:30 CDT + 2 real hours is 01:30 CST (the clock showed 01:30 twice).
    assert second.end.astimezone(CHICAGO).replace(tzinfo=None) == datetime(2027, 11, 7, 1, 30)
    assert second.end.utcoffset() == timedelta(hours=-6)
    assert visit.end.astimezone(UTC) - visit.start.astimezone(UTC) == timedelta(hours=2)


def test_exactly_one_request_form(uow):
    with pytest.raises(ValidationFailed):
        create_appointment(
            uow,
            service_id=BOTOX,
            services=[PartRequest(BOTOX)],
            start=at(DAY, 9),
            client_name="Ann Lee",
            client_phone="312-555-0100",
            requester=Requester.web(),
        )
    with pytest.raises(ValidationFailed):
        create_appointment(
            uow,
            start=at(DAY, 9),
            client_name="Ann Lee",
            client_phone="312-555-0100",
            requester=Requester.web(),
        )


def test_a_visit_counts_once_toward_the_per_phone_limit(uow):
    limit = uow.settings.max_future_bookings_per_phone
    for index in range(limit):  # Rivera works Tuesday to Saturday
        book(uow, at(DAY + timedelta(days=index), 10), [(BOTOX, RIVERA), (FILLER, RIVERA)])
    with pytest.raises(BookingLimitReached):
        book(uow, at(DAY + timedelta(days=7), 10), [(BOTOX, RIVERA), (FILLER, RIVERA)])


# --- availability of a visit ------------------------------------------------------------------
def test_visit_availability_offers_what_booking_takes(uow):
    book_one(uow, at(DAY, 14), LASER, LOPEZ, phone="312-555-0199")
    slots = find_available_slots(uow, service_id=[BOTOX, LASER], start_date=DAY)
    assert slots
    for slot in slots:
        assert [p.service_id for p in slot.parts] == [BOTOX, LASER]
        assert slot.provider_id == slot.parts[0].provider_id
        assert slot.end == slot.parts[-1].end
        laser_start = slot.parts[1].start
        assert not (laser_start < at(DAY, 15) and at(DAY, 14) < laser_start + timedelta(hours=1))
    chosen = slots[len(slots) // 2]
    visit = book(
        uow, chosen.start, [(p.service_id, p.provider_id) for p in chosen.parts]
    ).appointment
    assert [(p.provider_id, p.start, p.end) for p in visit.parts] == [
        (p.provider_id, p.start, p.end) for p in chosen.parts
    ]


# --- admin: resources ---------------------------------------------------------------------------
def test_resource_admin_rules(uow):
    booked = book_one(uow, at(DAY, 13), LASER, CHEN).appointment
    with pytest.raises(ResourceHasFutureBookings) as caught:
        resources.update_resource(uow, LASER_DEVICE, active=False)
    assert caught.value.details["count"] == 1
    assert caught.value.details["appointments"][0]["id"] == booked.id
    with pytest.raises(ResourceHasFutureBookings):
        resources.add_resource_time_off(uow, LASER_ROOM, at(DAY, 12), at(DAY, 13, 30))
    resources.add_resource_time_off(uow, LASER_ROOM, at(DAY, 15), at(DAY, 17), "service")
    offered = starts(find_available_slots(uow, service_id=LASER, start_date=DAY))
    assert at(DAY, 15) not in offered and at(DAY, 14) in offered
    with pytest.raises(ValidationFailed):
        resources.update_resource(uow, LASER_DEVICE, kind="room")
    # A new device only for new bookings: the existing booking keeps what it reserved.
    spare = resources.create_resource(uow, "Spare Laser", "device")
    resources.set_service_resource_groups(uow, LASER, [[LASER_ROOM], [LASER_DEVICE, spare.id]])
    assert resources.service_resource_groups(uow, LASER) == [[LASER_ROOM], [LASER_DEVICE, spare.id]]
    cancel_appointment(uow, appointment_id=booked.id, requester=Requester.admin())
    resources.update_resource(uow, LASER_DEVICE, active=False)
    again = book_one(uow, at(DAY, 13), LASER, CHEN, phone="312-555-0101").appointment
    assert [r.id for r in again.parts[0].resources] == [LASER_ROOM, spare.id]
    with pytest.raises(ResourceHasFutureBookings):
        resources.update_resource(uow, spare.id, active=False)
    cancel_appointment(uow, appointment_id=again.id, requester=Requester.admin())
    resources.update_resource(uow, spare.id, active=False)
    with pytest.raises(ServiceNotOffered):
        find_available_slots(uow, service_id=LASER, start_date=DAY)
    assert business.list_services(uow)  # the rest of the catalog is untouched


def test_requirements_that_can_never_be_met_are_refused(uow):
    with pytest.raises(ValidationFailed):
        resources.set_service_resource_groups(uow, HYDRAFACIAL, [[ROOM_1], [ROOM_1]])
    # Two groups sharing a room can still be met with the other one.
    assert resources.set_service_resource_groups(
        uow, HYDRAFACIAL, [[ROOM_1, ROOM_2], [ROOM_2]]
    ) == [[ROOM_1, ROOM_2], [ROOM_2]]
