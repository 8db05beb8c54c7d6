"""The front desk and the booking page, through the service layer on both engines: check-in,
clients, blocked time, per-day availability, the client's .ics, e-mail and late-booking texts."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import sqlalchemy as sa
from booking_core import (
    AppointmentStatus,
    Requester,
    appointment_calendar,
    availability_overview,
    blocked_time,
    calendar_version,
    cancel_appointment,
    create_appointment,
    find_available_slots,
    get_client_record,
    reschedule_appointment,
    search_clients,
    set_appointment_status,
    update_client,
)
from booking_core.adapters import tables as t
from booking_core.errors import (
    BookingLimitReached,
    ClientOverlap,
    NotFound,
    PhoneInUse,
    SlotUnavailable,
    ValidationFailed,
)
from booking_core.services import business

CHICAGO = ZoneInfo("America/Chicago")
BOTOX, HYDRAFACIAL = 2, 4
PATEL, RIVERA = 1, 2
DAY = date(2026, 12, 2)  # a Wednesday


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHICAGO)


def book(uow, start, phone="312-555-0100", provider_id=PATEL, email=None, name="Ann Lee"):
    return create_appointment(
        uow,
        service_id=BOTOX,
        provider_id=provider_id,
        start=start,
        client_name=name,
        client_phone=phone,
        client_email=email,
        requester=Requester.web(),
    )


# --- check-in ----------------------------------------------------------------------------------
def test_an_arrived_appointment_holds_its_time_and_can_be_completed(uow):
    booked = book(uow, at(DAY, 10)).appointment
    arrived = set_appointment_status(
        uow, appointment_id=booked.id, status="arrived", requester=Requester.admin()
    )
    assert arrived.status is AppointmentStatus.ARRIVED
    with pytest.raises(SlotUnavailable):
        book(uow, at(DAY, 10), phone="312-555-0101")
    assert at(DAY, 10) not in [
        s.start
        for s in find_available_slots(uow, service_id=BOTOX, start_date=DAY, provider_id=PATEL)
    ]
    with pytest.raises(ClientOverlap):  # the client's own check counts it too
        book(uow, at(DAY, 10), provider_id=RIVERA)
    with pytest.raises(ValidationFailed):  # not moved once checked in
        reschedule_appointment(
            uow, appointment_id=booked.id, new_start=at(DAY, 14), requester=Requester.admin()
        )
    done = set_appointment_status(
        uow, appointment_id=booked.id, status="completed", requester=Requester.admin()
    )
    assert done.status is AppointmentStatus.COMPLETED
    with pytest.raises(ValidationFailed):  # only a booked one is checked in
        set_appointment_status(
            uow, appointment_id=booked.id, status="arrived", requester=Requester.admin()
        )


def test_arrived_appointments_count_for_the_per_phone_limit(uow):
    for day in range(3):
        booked = book(uow, at(DAY + timedelta(days=day), 10), provider_id=RIVERA).appointment
    set_appointment_status(
        uow, appointment_id=booked.id, status="arrived", requester=Requester.admin()
    )
    with pytest.raises(BookingLimitReached):
        book(uow, at(DAY + timedelta(days=4), 10), provider_id=RIVERA)


# --- clients -----------------------------------------------------------------------------------
def test_clients_are_found_by_any_part_of_name_phone_or_email(uow):
    book(uow, at(DAY, 9), name="Ann Lee", email="ann@example.com")
    book(uow, at(DAY, 11), phone="773-555-0188", name="Bea Cho", provider_id=RIVERA)
    assert [c.name for c in search_clients(uow, "lee")] == ["Ann Lee"]
    assert [c.name for c in search_clients(uow, "0188")] == ["Bea Cho"]
    assert [c.name for c in search_clients(uow, "EXAMPLE.com")] == ["Ann Lee"]
    assert [c.name for c in search_clients(uow, "")] == ["Ann Lee", "Bea Cho"]
    assert search_clients(uow, "%") == []  # a wildcard is a character, not a pattern
    with pytest.raises(ValidationFailed):
        search_clients(uow, "", limit=201)


def test_a_client_record_counts_no_shows_and_late_cancellations(uow, clock):
    first = book(uow, at(DAY, 9)).appointment
    late = book(uow, at(DAY + timedelta(days=1), 14), provider_id=RIVERA)
    early = book(uow, at(DAY + timedelta(days=7), 14), provider_id=RIVERA)
    cancel_appointment(uow, appointment_id=early.appointment.id, requester=Requester.admin())
    clock.advance(days=2, hours=4)  # Wednesday 16:00: 22 hours before the Thursday one
    cancel_appointment(uow, appointment_id=late.appointment.id, requester=Requester.admin())
    set_appointment_status(
        uow, appointment_id=first.id, status="no_show", requester=Requester.admin()
    )
    record = get_client_record(uow, first.client.id)
    assert (record.no_show_count, record.late_cancel_count) == (1, 1)
    assert [a.start for a in record.appointments] == sorted(
        (a.start for a in record.appointments), reverse=True
    )
    updated = update_client(
        uow, first.client.id, notes="Allergic to lidocaine", phone="773-555-0177"
    )
    assert updated.notes == "Allergic to lidocaine" and updated.client.phone == "+17735550177"
    assert len(updated.appointments) == 3  # the appointments stay with the client
    other = book(
        uow, at(DAY + timedelta(days=2), 10), phone="312-555-0101", name="Bea", provider_id=RIVERA
    )
    with pytest.raises(PhoneInUse):
        update_client(uow, other.appointment.client.id, phone="773-555-0177")
    with pytest.raises(NotFound):
        get_client_record(uow, 999)


# --- the calendar ------------------------------------------------------------------------------
def test_blocked_time_has_closures_time_off_breaks_and_hours_off(uow):
    business.add_closure(uow, DAY + timedelta(days=1), "Training")
    business.add_time_off(uow, RIVERA, at(DAY, 14), at(DAY, 16), "Dentist")
    from booking_core.services import resources

    resources.add_resource_time_off(uow, 3, at(DAY, 8), at(DAY, 9), "Laser service")
    blocked = blocked_time(uow, DAY, 2)
    kinds = {(b.kind, b.provider_id, b.resource_id, b.start, b.end, b.reason) for b in blocked}
    assert ("time_off", RIVERA, None, at(DAY, 14), at(DAY, 16), "Dentist") in kinds
    assert ("break", PATEL, None, at(DAY, 12), at(DAY, 13), "Break") in kinds
    assert ("off_hours", PATEL, None, at(DAY, 0), at(DAY, 9), "") in kinds
    assert ("resource_time_off", None, 3, at(DAY, 8), at(DAY, 9), "Laser service") in kinds
    closure = [b for b in blocked if b.kind == "closure"]
    assert [(b.start, b.reason) for b in closure] == [(at(DAY + timedelta(days=1), 0), "Training")]
    assert all(b.start.utcoffset() == timedelta(hours=-6) for b in blocked)


def test_the_calendar_version_changes_when_anyone_books(uow):
    before = calendar_version(uow)
    assert calendar_version(uow) == before
    booked = book(uow, at(DAY, 10)).appointment
    after = calendar_version(uow)
    assert after != before
    cancel_appointment(uow, appointment_id=booked.id, requester=Requester.admin())
    seen = {before, after, calendar_version(uow)}
    assert len(seen) == 3
    # Blocked time changes it too: a closure, time off, hours.
    business.add_closure(uow, DAY, "Training")
    seen.add(calendar_version(uow))
    business.add_time_off(uow, RIVERA, at(DAY, 14), at(DAY, 15), "Dentist")
    seen.add(calendar_version(uow))
    business.delete_closure(uow, DAY)
    seen.add(calendar_version(uow))
    assert len(seen) == 6


# --- the booking page --------------------------------------------------------------------------
def test_days_are_open_full_or_closed(uow):
    sunday = date(2026, 12, 6)
    business.add_closure(uow, DAY + timedelta(days=2), "Holiday")  # Friday
    for slot in find_available_slots(uow, service_id=BOTOX, start_date=DAY, provider_id=PATEL):
        with contextlib.suppress(SlotUnavailable):
            create_appointment(
                uow,
                service_id=BOTOX,
                provider_id=PATEL,
                start=slot.start,
                client_name="Filler",
                client_phone=f"+1312555{slot.start.hour:02d}{slot.start.minute:02d}",
                requester=Requester.admin(),
            )
    overview = availability_overview(
        uow, service_id=BOTOX, start_date=DAY, end_date=sunday, provider_id=PATEL
    )
    statuses = {d.date: (d.status, d.free) for d in overview.days}
    assert statuses[DAY] == ("full", 0)
    assert statuses[DAY + timedelta(days=1)][0] == "open"
    assert statuses[DAY + timedelta(days=2)] == ("closed", 0)  # the closure
    assert statuses[date(2026, 12, 5)] == ("closed", 0)  # Patel's day off (Saturday)
    assert statuses[sunday] == ("closed", 0)
    assert overview.next_available is None  # there are slots in the asked dates
    empty = availability_overview(
        uow, service_id=BOTOX, start_date=sunday, end_date=sunday, provider_id=PATEL
    )
    assert empty.slots == [] and empty.next_available is not None
    assert empty.next_available.start == at(date(2026, 12, 7), 9)


def test_the_clients_calendar_file_has_the_local_times_and_no_link(uow):
    booked = book(uow, at(DAY, 10))
    data = appointment_calendar(uow, booked.appointment.id, Requester.web(booked.manage_token))
    (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert event.decoded("dtstart") == at(DAY, 10)
    assert event.decoded("dtend") == at(DAY, 10, 30)
    assert str(event["summary"]) == "Botox at Hello Gorgeous Med Spa"
    assert booked.manage_token not in data.decode() and "/booking/" not in data.decode()
    with pytest.raises(NotFound):
        appointment_calendar(uow, booked.appointment.id, Requester.web("wrong"))


def test_an_email_confirmation_and_no_online_change_inside_the_cutoff(uow):
    book(uow, at(DAY, 10), email="ann@example.com")
    soon = book(uow, at(date(2026, 12, 1), 10), phone="312-555-0101", provider_id=RIVERA)
    n = t.notifications
    with uow.engine.connect() as connection:
        rows = connection.execute(sa.select(n).order_by(n.c.id)).all()
    email = [r for r in rows if r.channel == "email" and r.kind == "client_confirmation"]
    assert len(email) == 1 and email[0].recipient == "ann@example.com"
    assert email[0].subject.startswith("Your appointment is booked: Hello Gorgeous Med Spa")
    late = [
        r
        for r in rows
        if r.appointment_id == soon.appointment.id and r.kind == "client_confirmation"
    ]
    assert "move or cancel" not in late[0].body and "please call" in late[0].body


def test_a_provider_photo_and_bio(uow):
    business.update_provider(uow, PATEL, photo_url="https://example.com/patel.jpg", bio="20 years.")
    (patel,) = [p.provider for p in business.list_providers(uow) if p.provider.id == PATEL]
    assert (patel.photo_url, patel.bio) == ("https://example.com/patel.jpg", "20 years.")
    with pytest.raises(ValidationFailed):
        business.update_provider(uow, PATEL, photo_url="javascript:alert(1)")
    with pytest.raises(ValidationFailed):
        business.update_provider(uow, PATEL, bio="x" * 501)
