"""Every booking rule, through the service layer, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import booking_core as core
import pytest
import sqlalchemy as sa
from booking_core import (
    AppointmentStatus,
    Requester,
    Source,
    cancel_appointment,
    create_appointment,
    find_available_slots,
    reschedule_appointment,
    set_appointment_status,
)
from booking_core.errors import (
    BeyondHorizon,
    BookingLimitReached,
    ClientOverlap,
    IdempotencyConflict,
    Inactive,
    InvalidTime,
    NotFound,
    OutsideWorkingHours,
    PastTime,
    ProviderHasFutureBookings,
    ProviderUnavailable,
    ServiceNotOffered,
    SlotUnavailable,
    TooLateToChange,
    TooSoon,
    ValidationFailed,
)

CHICAGO = ZoneInfo("America/Chicago")
BOTOX, FILLER, HYDRAFACIAL, CONSULT = 2, 3, 4, 1
PATEL, RIVERA, CHEN = 1, 2, 3
DAY = date(2026, 12, 2)  # a Wednesday, beyond the 24-hour change cutoff


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHICAGO)


def book(
    uow,
    start,
    service_id=BOTOX,
    provider_id=PATEL,
    phone="312-555-0100",
    name="Ann Lee",
    requester=None,
    **kwargs,
):
    return create_appointment(
        uow,
        service_id=service_id,
        provider_id=provider_id,
        start=start,
        client_name=name,
        client_phone=phone,
        requester=requester or Requester.web(),
        **kwargs,
    )


def starts(slots, provider_id=None):
    return [s.start for s in slots if provider_id is None or s.provider_id == provider_id]


# --- the seed's checklist ----------------------------------------------------------------------
def test_same_slot_twice_fails_the_second_time(uow):
    book(uow, at(DAY, 10))
    with pytest.raises(SlotUnavailable) as caught:
        book(uow, at(DAY, 10), phone="312-555-0101", name="Bo Diaz")
    assert "no longer available" in caught.value.message
    alternatives = caught.value.alternatives
    assert 1 <= len(alternatives) <= 3
    assert all(a["start"] != at(DAY, 10).isoformat() for a in alternatives)


def test_overlapping_services_for_one_provider_are_blocked(uow):
    book(uow, at(DAY, 10), service_id=FILLER)  # 10:00-11:00, busy until 11:15
    with pytest.raises(SlotUnavailable):
        book(uow, at(DAY, 10, 30), phone="312-555-0101")
    with pytest.raises(SlotUnavailable):  # inside the clean-up buffer
        book(uow, at(DAY, 11), phone="312-555-0101")
    book(uow, at(DAY, 11, 15), phone="312-555-0101")  # right after the buffer


def test_cancel_frees_the_slot(uow):
    result = book(uow, at(DAY, 10))
    slots = find_available_slots(uow, service_id=BOTOX, start_date=DAY, provider_id=PATEL)
    assert at(DAY, 10) not in starts(slots)
    cancel_appointment(
        uow, appointment_id=result.appointment.id, requester=Requester.web(result.manage_token)
    )
    slots = find_available_slots(uow, service_id=BOTOX, start_date=DAY, provider_id=PATEL)
    assert at(DAY, 10) in starts(slots)
    book(uow, at(DAY, 10), phone="312-555-0101")


def test_reschedule_frees_the_old_slot_and_locks_the_new(uow):
    result = book(uow, at(DAY, 10))
    moved = reschedule_appointment(
        uow,
        appointment_id=result.appointment.id,
        new_start=at(DAY, 14),
        requester=Requester.web(result.manage_token),
    )
    assert moved.appointment.start == at(DAY, 14)
    assert moved.appointment.end == at(DAY, 14, 30)
    slots = starts(find_available_slots(uow, service_id=BOTOX, start_date=DAY, provider_id=PATEL))
    assert at(DAY, 10) in slots and at(DAY, 14) not in slots
    book(uow, at(DAY, 10), phone="312-555-0101")
    with pytest.raises(SlotUnavailable):
        book(uow, at(DAY, 14), phone="312-555-0102")


def test_reschedule_into_an_overlap_with_itself_is_allowed(uow):
    result = book(uow, at(DAY, 10), service_id=FILLER)
    moved = reschedule_appointment(
        uow,
        appointment_id=result.appointment.id,
        new_start=at(DAY, 10, 30),
        requester=Requester.admin(),
    )
    assert moved.appointment.start == at(DAY, 10, 30)


def test_failed_reschedule_changes_nothing(uow):
    first = book(uow, at(DAY, 10))
    book(uow, at(DAY, 14), phone="312-555-0101")
    with pytest.raises(SlotUnavailable):
        reschedule_appointment(
            uow,
            appointment_id=first.appointment.id,
            new_start=at(DAY, 14),
            requester=Requester.admin(),
        )
    with pytest.raises(SlotUnavailable):  # the old slot is still held
        book(uow, at(DAY, 10), phone="312-555-0102")


@pytest.mark.parametrize(
    ("start", "error"),
    [
        (datetime(2026, 11, 29, 10, 0), PastTime),
        (datetime(2026, 11, 30, 12, 30), TooSoon),
        (datetime(2027, 6, 1, 10, 0), BeyondHorizon),
        (datetime(2026, 12, 2, 7, 0), OutsideWorkingHours),
        (datetime(2026, 12, 2, 12, 0), OutsideWorkingHours),  # lunch break
        (datetime(2026, 12, 2, 11, 45), OutsideWorkingHours),  # clean-up runs into lunch
        (datetime(2026, 12, 5, 10, 0), OutsideWorkingHours),  # Saturday, Patel is off
        (datetime(2026, 12, 2, 10, 7), InvalidTime),  # off the 15-minute grid
        ("not a time", InvalidTime),
        ("2027-03-14T02:30", InvalidTime),  # does not exist (spring forward)
        ("2027-11-07T01:30", InvalidTime),  # happens twice (fall back)
        ("9999-12-31T23:45:00-06:00", InvalidTime),  # out of range
        ("0001-01-01T00:00:00", InvalidTime),
    ],
)
def test_invalid_times_give_a_clear_error(uow, start, error):
    with pytest.raises(error) as caught:
        book(uow, start)
    assert caught.value.message and caught.value.code


def test_a_date_without_a_time_is_not_read_as_midnight(uow):
    """An admin walk-in may book outside working hours: "2026-12-02" must not book 00:00."""
    with pytest.raises(InvalidTime) as caught:
        book(uow, "2026-12-02", requester=Requester.admin())
    assert "time of day" in caught.value.message
    assert book(uow, "2026-12-02T00:00", requester=Requester.admin()).appointment.start == at(
        DAY, 0
    )


def test_ambiguous_time_with_an_offset_is_accepted(uow, clock):
    clock.now = datetime(2027, 11, 1, 12, tzinfo=CHICAGO)
    core.set_working_hours(uow, PATEL, [(6, time(0), time(6))])  # Sundays at night
    result = book(uow, "2027-11-07T01:30-06:00")  # the second 1:30 (CST)
    assert result.appointment.start.utcoffset() == timedelta(hours=-6)
    assert result.appointment.start.isoformat() == "2027-11-07T01:30:00-06:00"


def test_times_leaving_the_core_carry_the_business_offset(uow):
    result = book(uow, "2026-12-02T16:00:00Z")  # 10:00 in Chicago
    appointment = result.appointment
    for value in (appointment.start, appointment.end, appointment.created_at):
        assert value.utcoffset() == timedelta(hours=-6)
    assert appointment.start == at(DAY, 10)


def test_naive_time_means_business_local(uow):
    assert book(uow, "2026-12-02T10:00").appointment.start == at(DAY, 10)


def test_time_off_and_closures_block_booking(uow):
    core.add_time_off(uow, PATEL, at(DAY, 9), at(DAY, 11), "dentist")
    with pytest.raises(ProviderUnavailable):
        book(uow, at(DAY, 10))
    core.add_closure(uow, date(2026, 12, 3), "staff training")
    with pytest.raises(ProviderUnavailable):
        book(uow, at(date(2026, 12, 3), 10))
    assert not find_available_slots(uow, service_id=BOTOX, start_date=date(2026, 12, 3))
    slots = starts(find_available_slots(uow, service_id=BOTOX, start_date=DAY, provider_id=PATEL))
    assert all(s >= at(DAY, 11) for s in slots)


def test_service_not_offered_inactive_and_unknown(uow):
    with pytest.raises(ServiceNotOffered):
        book(uow, at(DAY, 10), service_id=HYDRAFACIAL, provider_id=PATEL)
    with pytest.raises(NotFound):
        book(uow, at(DAY, 10), service_id=999)
    with pytest.raises(NotFound):
        book(uow, at(DAY, 10), provider_id=999)
    core.update_service(uow, BOTOX, active=False)
    with pytest.raises(Inactive):
        book(uow, at(DAY, 10))
    core.update_service(uow, BOTOX, active=True)
    core.update_provider(uow, PATEL, active=False)
    with pytest.raises(Inactive):
        book(uow, at(DAY, 10))


def test_client_cannot_hold_two_overlapping_appointments(uow):
    book(uow, at(DAY, 10), provider_id=PATEL)
    with pytest.raises(ClientOverlap):
        book(uow, at(DAY, 10, 15), provider_id=RIVERA)
    book(uow, at(DAY, 10, 15), provider_id=RIVERA, phone="312-555-0199")


def test_any_provider_goes_to_the_least_busy_then_lowest_id(uow):
    first = book(uow, at(DAY, 10), provider_id=None)
    assert first.appointment.provider_id == PATEL
    second = book(uow, at(DAY, 14), provider_id=None, phone="312-555-0101")
    assert second.appointment.provider_id == RIVERA  # Patel has one that day
    third = book(uow, at(DAY, 15), provider_id=None, phone="312-555-0102")
    assert third.appointment.provider_id == PATEL  # one each: lowest id


def test_any_provider_takes_whoever_is_free(uow):
    book(uow, at(DAY, 10), provider_id=PATEL)
    other = book(uow, at(DAY, 10), provider_id=None, phone="312-555-0101")
    assert other.appointment.provider_id == RIVERA
    with pytest.raises(SlotUnavailable):
        book(uow, at(DAY, 10), provider_id=None, phone="312-555-0102")


def test_idempotent_create_returns_the_first_result_and_books_once(uow):
    first = book(uow, at(DAY, 10), idempotency_key="key-1")
    again = book(uow, at(DAY, 10), idempotency_key="key-1")
    assert again.replayed and again.appointment == first.appointment
    assert again.manage_token == first.manage_token
    assert len(core.calendar(uow, DAY)) == 1
    with pytest.raises(IdempotencyConflict):
        book(uow, at(DAY, 11), idempotency_key="key-1")


def test_same_request_without_a_key_is_not_deduplicated(uow):
    book(uow, at(DAY, 10))
    with pytest.raises(SlotUnavailable):
        book(uow, at(DAY, 10))


def test_idempotent_reschedule(uow):
    created = book(uow, at(DAY, 10))
    requester = Requester.web(created.manage_token)
    moved = reschedule_appointment(
        uow,
        appointment_id=created.appointment.id,
        new_start=at(DAY, 14),
        requester=requester,
        idempotency_key="move-1",
    )
    again = reschedule_appointment(
        uow,
        appointment_id=created.appointment.id,
        new_start=at(DAY, 14),
        requester=requester,
        idempotency_key="move-1",
    )
    assert again.replayed and again.appointment == moved.appointment
    with pytest.raises(IdempotencyConflict):
        reschedule_appointment(
            uow,
            appointment_id=created.appointment.id,
            new_start=at(DAY, 15),
            requester=requester,
            idempotency_key="move-1",
        )


def test_a_replay_needs_the_right_to_see_the_appointment(uow):
    """A retried key replays only to a caller the appointment is found for: the same request
    with a wrong manage token is not_found, not the first result."""
    created = book(uow, at(DAY, 10))
    reschedule_appointment(
        uow,
        appointment_id=created.appointment.id,
        new_start=at(DAY, 14),
        requester=Requester.web(created.manage_token),
        idempotency_key="move-1",
    )
    with pytest.raises(NotFound):
        reschedule_appointment(
            uow,
            appointment_id=created.appointment.id,
            new_start=at(DAY, 14),
            requester=Requester.web("not-the-token"),
            idempotency_key="move-1",
        )


def test_cancelling_twice_is_harmless(uow):
    created = book(uow, at(DAY, 10))
    requester = Requester.web(created.manage_token)
    first = cancel_appointment(uow, appointment_id=created.appointment.id, requester=requester)
    second = cancel_appointment(uow, appointment_id=created.appointment.id, requester=requester)
    assert first.status is second.status is AppointmentStatus.CANCELLED
    assert first.cancelled_at == second.cancelled_at


def test_wrong_token_or_phone_is_not_found(uow):
    created = book(uow, at(DAY, 10), phone="312-555-0100")
    other = book(uow, at(DAY, 11), phone="312-555-0101")
    appointment_id = created.appointment.id
    for requester in (
        Requester.web("wrong"),
        Requester.web(None),
        Requester.web(other.manage_token),
        Requester.ai("312-555-0101"),
        Requester.ai(None),
    ):
        with pytest.raises(NotFound):
            cancel_appointment(uow, appointment_id=appointment_id, requester=requester)
    with pytest.raises(NotFound):
        cancel_appointment(
            uow, appointment_id="00000000-0000-4000-8000-000000000000", requester=Requester.admin()
        )
    with pytest.raises(NotFound):
        cancel_appointment(uow, appointment_id="not-a-uuid", requester=Requester.admin())
    # The AI proves ownership with the client's phone, in any format.
    cancelled = cancel_appointment(
        uow, appointment_id=appointment_id, requester=Requester.ai("(312) 555-0100")
    )
    assert cancelled.status is AppointmentStatus.CANCELLED


def test_client_change_cutoff_but_admin_may(uow, clock):
    created = book(uow, at(DAY, 10))
    clock.now = at(date(2026, 12, 1), 11)  # 23 hours before
    with pytest.raises(TooLateToChange) as caught:
        cancel_appointment(
            uow,
            appointment_id=created.appointment.id,
            requester=Requester.web(created.manage_token),
        )
    assert "555-0142" in caught.value.message
    with pytest.raises(TooLateToChange):
        reschedule_appointment(
            uow,
            appointment_id=created.appointment.id,
            new_start=at(DAY, 14),
            requester=Requester.web(created.manage_token),
        )
    cancelled = cancel_appointment(
        uow, appointment_id=created.appointment.id, requester=Requester.admin()
    )
    assert cancelled.status is AppointmentStatus.CANCELLED


def test_admin_walk_in_inside_notice_and_outside_hours_but_never_over_a_booking(uow, clock):
    walk_in = book(uow, at(date(2026, 11, 30), 12, 10), requester=Requester.admin())
    assert walk_in.appointment.source is Source.ADMIN
    with pytest.raises(TooSoon):
        book(uow, at(date(2026, 11, 30), 12, 45), phone="312-555-0101")
    late = book(uow, at(DAY, 19), requester=Requester.admin(), phone="312-555-0101")
    assert late.appointment.start == at(DAY, 19)
    with pytest.raises(SlotUnavailable):
        book(uow, at(DAY, 19, 15), requester=Requester.admin(), phone="312-555-0102")
    with pytest.raises(PastTime):
        book(uow, at(date(2026, 11, 30), 11), requester=Requester.admin())


def test_admin_marks_completed_and_no_show(uow, clock):
    created = book(uow, at(DAY, 10))
    done = set_appointment_status(
        uow, appointment_id=created.appointment.id, status="completed", requester=Requester.admin()
    )
    assert done.status is AppointmentStatus.COMPLETED
    with pytest.raises(ValidationFailed):
        set_appointment_status(
            uow, appointment_id=created.appointment.id, status="booked", requester=Requester.admin()
        )
    history = [e.kind for e in core.appointment_history(uow, created.appointment.id)]
    assert history == ["created", "status_changed"]


def test_history_records_every_change(uow):
    created = book(uow, at(DAY, 10))
    requester = Requester.web(created.manage_token)
    reschedule_appointment(
        uow, appointment_id=created.appointment.id, new_start=at(DAY, 14), requester=requester
    )
    cancel_appointment(uow, appointment_id=created.appointment.id, requester=requester)
    events = core.appointment_history(uow, created.appointment.id)
    assert [e.kind for e in events] == ["created", "rescheduled", "cancelled"]
    moved = events[1]
    assert moved.old_start == at(DAY, 10) and moved.new_start == at(DAY, 14)
    assert {e.source for e in events} == {Source.WEB}


def test_booking_limit_per_phone(uow):
    for hour in (9, 10, 11):
        book(uow, at(DAY, hour))
    with pytest.raises(BookingLimitReached):
        book(uow, at(DAY, 14))
    book(uow, at(DAY, 14), requester=Requester.admin())  # the front desk may


def test_deactivating_a_provider_with_future_bookings_is_refused(uow):
    book(uow, at(DAY, 10))
    with pytest.raises(ProviderHasFutureBookings) as caught:
        core.update_provider(uow, PATEL, active=False)
    assert caught.value.details["count"] == 1


def test_invalid_client_details(uow):
    with pytest.raises(ValidationFailed):
        book(uow, at(DAY, 10), phone="12")
    with pytest.raises(ValidationFailed):
        book(uow, at(DAY, 10), name="  ")
    with pytest.raises(ValidationFailed):
        book(uow, at(DAY, 10), client_email="not-an-email")


def test_phone_stored_as_e164(uow):
    result = book(uow, at(DAY, 10), phone="(312) 555-0100")
    assert result.appointment.client.phone == "+13125550100"


def test_manage_token_is_stored_hashed(uow):
    result = book(uow, at(DAY, 10))
    with uow.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT manage_token_hash FROM appointments")).scalar()
    assert result.manage_token not in stored and len(stored) == 64


def test_database_refuses_an_overlap_the_application_did_not_check(uow):
    """The guarantee does not depend on the application: a raw overlapping insert fails."""
    book(uow, at(DAY, 10))
    other = book(uow, at(DAY, 14))
    with pytest.raises(sa.exc.DBAPIError), uow.engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE reservations SET start_at = (SELECT start_at FROM reservations "
                "WHERE appointment_id <> :id LIMIT 1) WHERE appointment_id = :id"
            ),
            {"id": other.appointment.id},
        )


def test_expired_idempotency_records_are_purged(uow, clock):
    from booking_core.services.idempotency import purge_expired_idempotency_records

    first = book(uow, at(DAY, 10), idempotency_key="old-key")
    assert purge_expired_idempotency_records(uow) == 0  # still fresh
    assert book(uow, at(DAY, 10), idempotency_key="old-key").replayed
    clock.advance(hours=49)
    assert purge_expired_idempotency_records(uow) == 1
    assert first.appointment.id  # the appointment itself stays
    assert len(core.calendar(uow, DAY)) == 1


@pytest.mark.parametrize("engine_name", ["postgresql"])  # SQLite has no server to drop one
def test_a_connection_the_server_dropped_is_replaced_and_the_booking_goes_through(uow):
    """A pooled connection killed by the server (restart, idle timeout) fails on its first
    statement; the booking runs again on a new connection instead of failing."""
    book(uow, at(DAY, 10))  # leaves a connection in the pool
    with uow.engine.connect() as connection:
        pooled = connection.connection.driver_connection.info.backend_pid
    with sa.create_engine(uow.engine.url, isolation_level="AUTOCOMMIT").connect() as admin:
        admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pooled})
    result = book(uow, at(DAY, 14))
    with uow.engine.connect() as connection:
        assert connection.connection.driver_connection.info.backend_pid != pooled
    assert result.appointment.start == at(DAY, 14)


@pytest.mark.parametrize("engine_name", ["postgresql"])  # server-side prepared statements
def test_bookings_survive_the_server_forgetting_their_prepared_statements(uow):
    """The booking path runs server-side prepared statements. psycopg deallocates them all on
    a ROLLBACK, and anything else may too: a booking then prepares them again (a retry when
    the server says one is missing), and a failed script leaves the connection usable."""
    book(uow, at(DAY, 10))  # prepares them on the pooled connection
    with uow.engine.connect() as connection:
        connection.exec_driver_sql("DEALLOCATE ALL")
        connection.commit()
    assert book(uow, at(DAY, 11), phone="312-555-0101").appointment.start == at(DAY, 11)
    with pytest.raises(SlotUnavailable):  # a rolled-back failure in the middle of a script
        book(uow, at(DAY, 11), phone="312-555-0102")
    with uow.engine.connect() as connection:  # psycopg's ROLLBACK deallocates everything
        connection.exec_driver_sql("SELECT 1")
        connection.rollback()
    assert book(uow, at(DAY, 14), phone="312-555-0103").appointment.start == at(DAY, 14)


@pytest.mark.parametrize("engine_name", ["postgresql"])  # the pipeline's autocommit mode
def test_an_engine_made_elsewhere_keeps_transactions_whole(settings, clock):
    """A unit of work on an engine not made by create_database_engine: a booking's pipeline
    hands the connection back in psycopg's transaction mode, so a later transaction that fails
    after writing changes nothing, and two bookings of one client still exclude each other."""
    from booking_core import UnitOfWork
    from booking_core.demo import load_demo_business
    from booking_core.domain.model import Closure

    engine = sa.create_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        uow = UnitOfWork(settings, engine=engine, clock=clock)
        load_demo_business(uow)
        book(uow, at(DAY, 10))
        with engine.connect() as connection:
            assert connection.connection.driver_connection.autocommit is False

        def fails_after_writing(tx):
            tx.catalog.add_closure(Closure(DAY, "rolled back"))
            raise ValidationFailed("stop")

        with pytest.raises(ValidationFailed):
            uow.run(fails_after_writing)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM closures").scalar() == 0
        with pytest.raises(ClientOverlap):
            book(uow, at(DAY, 10), provider_id=RIVERA)
    finally:
        engine.dispose()


def test_a_name_too_long_is_called_too_long_not_missing(uow):
    with pytest.raises(ValidationFailed) as refused:
        book(uow, at(DAY, 10), name="x" * 201)
    assert refused.value.details["fields"] == {"client.name": "too long"}
    with pytest.raises(ValidationFailed) as refused:
        book(uow, at(DAY, 10), name="  ")
    assert refused.value.details["fields"] == {"client.name": "required"}
    with pytest.raises(ValidationFailed) as refused:
        core.create_provider(uow, "x" * 121)
    assert refused.value.details["fields"] == {"name": "too long"}
    assert book(uow, at(DAY, 10), name=" " + "x" * 200 + " ").appointment.client.name == "x" * 200


def test_a_name_with_control_characters_is_refused(uow):
    """A name goes into text messages, e-mails and calendars as it is: no line breaks, tabs or
    terminal escapes (notes may have line breaks)."""
    for name in ("Ann\nLee", "Ann\x1b[2J", "Ann\tLee", "Ann\x85Lee", "Ann\x7fLee"):
        with pytest.raises(ValidationFailed) as refused:
            book(uow, at(DAY, 10), name=name)
        assert refused.value.details["fields"] == {"client.name": "not valid text"}
    with pytest.raises(ValidationFailed) as refused:
        core.create_provider(uow, "Dr\nWho")
    assert refused.value.details["fields"] == {"name": "not valid text"}
    booked = book(uow, at(DAY, 10), name="Zoë Ñúñez-Lee", notes="Allergies:\n- latex")
    assert booked.appointment.notes == "Allergies:\n- latex"


def test_text_with_a_lone_surrogate_is_a_validation_error_not_a_crash(uow):
    """A JSON string may carry a lone surrogate as an escape (\\ud800); UTF-8 cannot encode it.
    Every entry point passes such text on: booking_core refuses it with its field, before the
    driver fails on it (it used to raise UnicodeEncodeError, a 500)."""
    lone = "\ud800"
    for kwargs, field in (
        ({"name": f"Ann {lone}"}, "client.name"),
        ({"notes": f"allergic {lone}"}, "notes"),
        ({"client_email": f"ann{lone}@example.com"}, "client.email"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            book(uow, at(DAY, 10), **kwargs)
        assert field in refused.value.details["fields"]
    # Admin text (a provider's name) that no check refused first: the unit of work turns the
    # driver's encoding error into validation_error.
    with pytest.raises(ValidationFailed):
        core.create_provider(uow, f"Dr {lone}")
    assert book(uow, at(DAY, 10)).appointment.start == at(DAY, 10)  # nothing was booked


def test_a_key_or_token_with_a_lone_surrogate_is_only_a_string(uow):
    """Keys and tokens are only hashed, never stored: such a key books once and replays; such a
    token matches nothing (not_found, like any wrong token)."""
    key = "retry-\udc80"
    first = book(uow, at(DAY, 10), idempotency_key=key)
    again = book(uow, at(DAY, 10), idempotency_key=key)
    assert again.replayed and again.appointment.id == first.appointment.id
    with pytest.raises(NotFound):
        cancel_appointment(
            uow, appointment_id=first.appointment.id, requester=Requester.web("token-\ud800")
        )


def test_text_the_database_encoding_cannot_hold_is_refused_not_mangled(postgres_url, clock):
    """A LATIN1 database: names are stored as given (the scripts are encoded in the
    connection's encoding), and text it cannot hold is a validation error, not a 500."""
    from booking_core import BookingSettings, UnitOfWork
    from booking_core.adapters.database import create_database_engine
    from booking_core.demo import load_demo_business
    from booking_core.migrations import upgrade

    server = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    name = f"booking_latin1_{uuid.uuid4().hex[:8]}"
    with server.connect() as connection:
        connection.exec_driver_sql(
            f"CREATE DATABASE \"{name}\" ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' "
            "TEMPLATE template0"
        )
    url = sa.engine.make_url(postgres_url).set(database=name).render_as_string(False)
    try:
        upgrade(url)
        settings = BookingSettings(database_url=url, _env_file=None)  # type: ignore[call-arg]
        engine = create_database_engine(url)
        uow = UnitOfWork(settings, engine=engine, clock=clock)
        load_demo_business(uow)
        assert book(uow, at(DAY, 10), name="José Müller").appointment.client.name == ("José Müller")
        with engine.connect() as connection:
            stored = connection.exec_driver_sql("SELECT name FROM clients").scalar()
        assert stored == "José Müller"
        with pytest.raises(ValidationFailed):
            book(uow, at(DAY, 14), phone="312-555-0101", name="Zoë 李")
        engine.dispose()
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@pytest.mark.parametrize("engine_name", ["sqlite"])  # the database-wide write lock is SQLite's
def test_a_database_locked_by_another_program_is_service_unavailable(settings, clock):
    """Another program holding SQLite's write lock past the busy timeout: the booking is
    retried, then refused with service_unavailable (503), never an unexplained error."""
    import sqlite3

    from booking_core import UnitOfWork
    from booking_core.adapters.database import create_database_engine
    from booking_core.demo import load_demo_business
    from booking_core.errors import ServiceUnavailable

    engine = create_database_engine(settings.database_url)

    @sa.event.listens_for(engine, "connect")
    def _short_busy_timeout(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    uow = UnitOfWork(settings, engine=engine, clock=clock)
    load_demo_business(uow)
    other = sqlite3.connect(engine.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(ServiceUnavailable):
            book(uow, at(DAY, 10))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert book(uow, at(DAY, 10)).appointment.start == at(DAY, 10)
    engine.dispose()


def test_a_walk_in_across_midnight_is_checked_against_the_next_day(uow):
    """An admin walk-in late in the evening runs past midnight: a booking early the next
    morning, and a closure of the next day, are seen by the check (a friendly error with
    alternatives, not only the database's refusal)."""
    next_day = DAY + timedelta(days=1)
    book(uow, at(next_day, 0, 0), requester=Requester.admin(), phone="312-555-0101")
    with pytest.raises(SlotUnavailable) as taken:
        # Botox: 30 minutes and a 10-minute buffer, from 23:40 reaches 00:20 the next day.
        book(uow, at(DAY, 23, 40), requester=Requester.admin())
    assert taken.value.alternatives
    core.add_closure(uow, next_day + timedelta(days=1), "Holiday")
    with pytest.raises(ProviderUnavailable):
        book(uow, at(next_day, 23, 40), requester=Requester.admin(), phone="312-555-0102")
    assert book(uow, at(DAY, 23, 0), requester=Requester.admin()).appointment.start == at(
        DAY, 23, 0
    )


def test_a_transaction_that_fails_after_writing_changes_nothing(uow):
    """A transaction that wrote (in any store) and then failed is rolled back whole."""
    from booking_core.domain.model import Closure

    def write_then_fail(write):
        def work(tx):
            write(tx)
            raise ValidationFailed("stop")

        with pytest.raises(ValidationFailed):
            uow.run(work)

    now = datetime(2026, 11, 30, 12, tzinfo=CHICAGO)
    write_then_fail(lambda tx: tx.catalog.add_closure(Closure(DAY, "catalog store")))
    write_then_fail(lambda tx: tx.bookings.save_client("Booking", "+13125550199", None, now))
    with uow.begin() as tx:
        assert tx.catalog.closures(DAY, DAY) == []
        assert tx.bookings.client_with_upcoming("+13125550199", now) == (None, [])


@pytest.mark.parametrize("engine_name", ["postgresql"])  # pipelined writes are PostgreSQL's
def test_a_commit_that_fails_leaves_the_pooled_connection_usable(settings, clock):
    """An error of a statement sent in the create pipeline first surfaces at COMMIT, which the
    server then skips: the connection must not go back to the pool inside that failed
    transaction (every later request on it would fail)."""
    from booking_core import UnitOfWork
    from booking_core.adapters.database import create_database_engine
    from booking_core.demo import load_demo_business

    engine = create_database_engine(settings.database_url, pool_size=1, max_overflow=0)
    uow = UnitOfWork(settings, engine=engine, clock=clock)
    load_demo_business(uow)
    with engine.begin() as connection:  # stands for any failure of the last statement sent
        connection.exec_driver_sql(
            "ALTER TABLE idempotency_records ADD CONSTRAINT always_fails CHECK (false) NOT VALID"
        )
    try:
        with pytest.raises(sa.exc.IntegrityError):
            book(uow, at(DAY, 10), idempotency_key="first-try")
        assert len(core.list_services(uow)) == 5  # the one pooled connection still works
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "ALTER TABLE idempotency_records DROP CONSTRAINT always_fails"
            )
    assert book(uow, at(DAY, 10), idempotency_key="first-try").appointment.start == at(DAY, 10)
    engine.dispose()


def test_a_retry_replays_after_the_service_changed(uow):
    """A retried booking made with no provider replays its first result even when the service
    has since been taken off the menu (the client must not think it failed)."""
    first = book(uow, at(DAY, 10), provider_id=None, idempotency_key="retry-me")
    core.update_service(uow, BOTOX, active=False)
    again = book(uow, at(DAY, 10), provider_id=None, idempotency_key="retry-me")
    assert again.replayed and again.appointment.id == first.appointment.id
    with pytest.raises(Inactive):
        book(uow, at(DAY, 11), provider_id=None, idempotency_key="new-request")
