"""What the AI receptionist relies on, through the service layer on both engines: one-time codes,
calls per caller, callbacks, the owner's texts, free times as a receptionist offers them, and
answers a caller can act on."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from booking_core import (
    FaqEntry,
    Requester,
    business_info,
    count_ai_call,
    create_appointment,
    find_available_slots,
    find_bookable_times,
    list_callbacks,
    mark_callback_done,
    request_callback,
    reschedule_appointment,
    send_verification_code,
    set_faq,
    set_policies,
    verify_caller,
)
from booking_core.adapters import tables as t
from booking_core.errors import (
    ClientOverlap,
    NotFound,
    OutsideWorkingHours,
    ProviderUnavailable,
    RateLimited,
    SlotUnavailable,
    ValidationFailed,
    VerificationFailed,
    VerificationRequired,
)
from booking_core.services import business
from booking_core.services.tokens import render_message

CHICAGO = ZoneInfo("America/Chicago")
BOTOX, FILLER = 2, 3
PATEL, RIVERA = 1, 2
DAY = date(2026, 12, 2)  # a Wednesday
PHONE = "+13125550100"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHICAGO)


def texted_codes(uow) -> list[str]:
    """The verification texts as the dispatcher sends them (the code rendered at send time)."""
    n = t.notifications
    with uow.engine.connect() as connection:
        rows = connection.execute(
            sa.select(n).where(n.c.kind == "verification_code").order_by(n.c.id)
        ).all()
    texts = [
        render_message(r.body, None, uow.settings, uow.secret, r.verification_id) for r in rows
    ]
    return [text.split(" code is ")[1][:6] for text in texts]


# --- verification codes ------------------------------------------------------------------------
def test_a_code_is_texted_and_never_stored(uow):
    sent = send_verification_code(uow, "(312) 555-0100")
    assert (sent.phone, sent.expires_in_minutes) == (PHONE, 10)
    (code,) = texted_codes(uow)
    assert code.isdigit() and len(code) == 6
    with uow.engine.connect() as connection:
        stored = connection.execute(sa.select(t.notifications.c.body)).scalars().all()
        codes = connection.execute(sa.select(t.verification_codes)).all()
    assert all(code not in body for body in stored)
    assert all(code not in str(tuple(row)) for row in codes)


def test_a_code_verifies_once_and_gives_a_token(uow, clock):
    send_verification_code(uow, PHONE)
    (code,) = texted_codes(uow)
    with pytest.raises(VerificationRequired):
        verify_caller(uow, PHONE, None)
    token = verify_caller(uow, PHONE, code)
    with pytest.raises(VerificationFailed):  # single use
        verify_caller(uow, PHONE, code)
    assert verify_caller(uow, PHONE, token) == token  # the rest of the call
    with pytest.raises(VerificationFailed):  # for that phone only
        verify_caller(uow, "+13125550101", token)
    clock.advance(minutes=31)
    with pytest.raises(VerificationFailed):
        verify_caller(uow, PHONE, token)


def test_a_code_expires_and_allows_five_tries(uow, clock):
    send_verification_code(uow, PHONE)
    (code,) = texted_codes(uow)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(VerificationFailed):
            verify_caller(uow, PHONE, wrong)
    with pytest.raises(VerificationFailed):  # the right code, after 5 wrong tries
        verify_caller(uow, PHONE, code)
    send_verification_code(uow, PHONE)
    second = texted_codes(uow)[-1]
    clock.advance(minutes=10, seconds=1)
    with pytest.raises(VerificationFailed):  # expired
        verify_caller(uow, PHONE, second)


def test_a_phone_gets_three_codes_an_hour(uow, clock):
    for _ in range(3):
        send_verification_code(uow, PHONE)
        clock.advance(minutes=5)
    with pytest.raises(RateLimited) as caught:
        send_verification_code(uow, PHONE)
    assert 0 < caught.value.details["retry_after_seconds"] <= 3600
    send_verification_code(uow, "+13125550101")  # another phone is not affected
    clock.advance(minutes=46)
    send_verification_code(uow, PHONE)


def test_calls_are_counted_per_caller_and_minute(uow, clock):
    clock.now = clock.now.replace(second=10)  # type: ignore[attr-defined]
    for _ in range(60):
        count_ai_call(uow, PHONE)
    with pytest.raises(RateLimited) as caught:
        count_ai_call(uow, PHONE)
    assert caught.value.details["retry_after_seconds"] == 50
    count_ai_call(uow, "+13125550101")
    clock.advance(minutes=1)
    count_ai_call(uow, PHONE)


def test_a_verified_caller_hears_about_their_own_appointment_first(uow):
    def book(requester):
        return create_appointment(
            uow,
            service_id=BOTOX,
            provider_id=PATEL,
            start=at(DAY, 10),
            client_name="Ann Lee",
            client_phone=PHONE,
            requester=requester,
        )

    book(Requester.ai(PHONE, verified=True))
    with pytest.raises(ClientOverlap) as caught:
        book(Requester.ai(PHONE, verified=True))
    assert "Botox with Dr. Maya Patel" in caught.value.message
    with pytest.raises(SlotUnavailable):  # unverified: today's answer
        book(Requester.ai(PHONE))


# --- callbacks and the owner's texts -----------------------------------------------------------
def test_a_callback_is_listed_and_the_owner_told(uow):
    uow.settings = uow.settings.model_copy(update={"owner_phone": "+13125550199"})
    callback = request_callback(uow, "Ann Lee", "312-555-0100", "Wants a price for 3 areas")
    assert (callback.status, callback.client_phone) == ("open", PHONE)
    assert callback.created_at.tzinfo is not None
    assert [c.id for c in list_callbacks(uow, "open")] == [callback.id]
    with uow.engine.connect() as connection:
        bodies = (
            connection.execute(
                sa.select(t.notifications.c.body).where(
                    t.notifications.c.kind == "callback_request"
                )
            )
            .scalars()
            .all()
        )
    assert bodies and "Ann Lee" in bodies[0] and "3 areas" in bodies[0]
    done = mark_callback_done(uow, callback.id)
    assert done.status == "done" and list_callbacks(uow, "open") == []
    with pytest.raises(NotFound):
        mark_callback_done(uow, 999)
    with pytest.raises(ValidationFailed):
        request_callback(uow, "", PHONE, "x")


def test_policies_faq_and_preparation(uow):
    set_policies(uow, "Cancel 24 hours ahead or pay a $50 fee.")
    set_faq(uow, [FaqEntry("Is there parking?", "Free parking behind the building.")])
    info = business_info(uow)
    assert info.policies.startswith("Cancel 24 hours")
    assert info.faq == [FaqEntry("Is there parking?", "Free parking behind the building.")]
    assert (info.change_cutoff_hours, info.min_notice_minutes) == (24, 60)
    with pytest.raises(ValidationFailed):
        set_policies(uow, "x" * 2001)
    with pytest.raises(ValidationFailed):
        set_faq(uow, [FaqEntry("q", "a")] * 21)
    with pytest.raises(ValidationFailed):
        set_faq(uow, [FaqEntry("q" * 201, "a")])
    service = business.update_service(uow, BOTOX, preparation="No alcohol 24 hours before.")
    assert service.preparation == "No alcohol 24 hours before."
    with pytest.raises(ValidationFailed):
        business.update_service(uow, BOTOX, preparation="x" * 1001)


# --- free times as a receptionist offers them --------------------------------------------------
def test_one_time_per_start_spread_over_the_window(uow):
    every = find_available_slots(
        uow, service_id=BOTOX, start_date=DAY, end_date=DAY + timedelta(days=6)
    )
    offered = find_bookable_times(
        uow, service_id=BOTOX, start_date=DAY, end_date=DAY + timedelta(days=6), limit=6
    )
    assert len(offered.slots) == 6 and offered.reason is None
    starts = [s.start for s in offered.slots]
    assert starts == sorted(starts) and len(set(starts)) == 6
    assert len({s.start.date() for s in offered.slots}) >= 3  # spread over days
    assert {s.start.hour < 12 for s in offered.slots} == {True, False}  # mornings, afternoons
    assert {(s.start, s.provider_id) for s in offered.slots} <= {
        (s.start, s.provider_id) for s in every
    }


def test_each_time_carries_the_provider_a_booking_would_get(uow):
    # Patel has a booking that Wednesday, Rivera none: at 10:00 both are free, Rivera is chosen.
    create_appointment(
        uow,
        service_id=BOTOX,
        provider_id=PATEL,
        start=at(DAY, 15),
        client_name="Ann Lee",
        client_phone=PHONE,
        requester=Requester.web(),
    )
    offered = find_bookable_times(uow, service_id=BOTOX, start_date=DAY, limit=50)
    by_start = {s.start: s.provider_id for s in offered.slots}
    assert by_start[at(DAY, 11)] == RIVERA
    booked = create_appointment(
        uow,
        service_id=BOTOX,
        start=at(DAY, 11),
        client_name="Bea Cho",
        client_phone="+13125550101",
        requester=Requester.web(),
    )
    assert booked.appointment.provider_id == RIVERA


def test_an_empty_search_says_why_and_what_is_next(uow):
    sunday = date(2026, 12, 6)  # nobody works on Sundays
    closed = find_bookable_times(uow, service_id=BOTOX, start_date=sunday, limit=5)
    assert (closed.slots, closed.reason) == ([], "closed")
    assert closed.next_available is not None
    assert closed.next_available.start == at(date(2026, 12, 7), 9)  # Monday: Patel at 9:00
    soon = find_bookable_times(uow, service_id=BOTOX, start_date=date(2026, 11, 29), limit=5)
    assert soon.reason == "too_soon" and soon.next_available is not None
    far = find_bookable_times(uow, service_id=BOTOX, start_date=DAY + timedelta(days=200), limit=5)
    assert (far.reason, far.next_available) == ("beyond_horizon", None)
    business.add_closure(uow, DAY, "Staff training")
    holiday = find_bookable_times(uow, service_id=BOTOX, start_date=DAY, limit=5)
    assert holiday.reason == "closed"
    thursday = DAY + timedelta(days=1)
    for slot in find_available_slots(uow, service_id=BOTOX, start_date=thursday, provider_id=PATEL):
        with contextlib.suppress(SlotUnavailable):  # a booking before blocked this one
            create_appointment(
                uow,
                service_id=BOTOX,
                provider_id=PATEL,
                start=slot.start,
                client_name="Filler",
                client_phone=f"+1312555{slot.start.hour:02d}{slot.start.minute:02d}",
                requester=Requester.admin(),
            )
    full = find_bookable_times(
        uow, service_id=BOTOX, start_date=thursday, provider_id=PATEL, limit=5
    )
    assert full.reason == "fully_booked"
    assert full.next_available is not None and full.next_available.start.date() > thursday


def test_a_closed_day_is_named_for_the_business(uow):
    business.add_closure(uow, DAY, "Holiday")
    with pytest.raises(ProviderUnavailable) as caught:
        create_appointment(
            uow,
            service_id=BOTOX,
            start=at(DAY, 10),
            client_name="Ann Lee",
            client_phone=PHONE,
            requester=Requester.web(),
        )
    assert caught.value.message.startswith(
        "Hello Gorgeous Med Spa is closed on Wednesday, December 2"
    )


def test_a_reschedule_keeping_the_provider_offers_anyone_free(uow):
    booked = create_appointment(
        uow,
        service_id=BOTOX,
        provider_id=RIVERA,
        start=at(DAY, 11),
        client_name="Ann Lee",
        client_phone=PHONE,
        requester=Requester.web(),
    )
    # Rivera starts at 10:00; Patel works from 9:00.
    with pytest.raises(OutsideWorkingHours) as caught:
        reschedule_appointment(
            uow,
            appointment_id=booked.appointment.id,
            new_start=at(DAY, 9),
            requester=Requester.web(booked.manage_token),
        )
    alternatives = caught.value.details["alternatives"]
    assert alternatives and alternatives[0]["provider_id"] == PATEL
    assert alternatives[0]["start"] == at(DAY, 9).isoformat()


def test_every_token_verifies_whatever_characters_it_holds(uow):
    from booking_core.services.tokens import verification_token

    expires = int(uow.now().timestamp()) + 600
    tokens = [verification_token(uow.secret, PHONE, expires + i) for i in range(40)]
    assert any("-" in token or "_" in token for token in tokens)  # URL-safe base64
    for token in tokens:
        assert verify_caller(uow, PHONE, token) == token
