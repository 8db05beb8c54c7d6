"""The waitlist through the service layer, on both engines: freed time becomes offers for the
fitting entries in join order, the first claimer gets the time, and nothing else moves."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from booking_core import (
    Requester,
    cancel_appointment,
    claim_offer,
    create_appointment,
    join_waitlist,
    leave_waitlist,
    list_waitlist,
    match_waitlist,
    waitlist_bookings_this_month,
)
from booking_core.adapters import tables as t
from booking_core.errors import (
    BookingError,
    NotFound,
    OfferExpired,
    SlotUnavailable,
    WaitlistLimit,
)
from booking_core.services import outbox
from booking_core.services.waitlist import claim_token

CHICAGO = ZoneInfo("America/Chicago")
BOTOX, FILLER, HYDRAFACIAL = 2, 3, 4
PATEL, RIVERA = 1, 2
DAY = date(2026, 12, 2)  # a Wednesday


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHICAGO)


def book(uow, start, phone="312-555-0199", provider_id=PATEL, service_id=BOTOX):
    return create_appointment(
        uow,
        service_id=service_id,
        provider_id=provider_id,
        start=start,
        client_name="Booked Already",
        client_phone=phone,
        requester=Requester.web(),
    )


def join(uow, phone, services=(BOTOX,), provider_id=None, **wishes):
    return join_waitlist(
        uow,
        service_ids=list(services),
        provider_id=provider_id,
        date_from=wishes.pop("date_from", DAY),
        date_to=wishes.pop("date_to", DAY),
        client_name=f"Waiting {phone[-4:]}",
        client_phone=phone,
        requester=Requester.web(),
        **wishes,
    )


def offers(uow):
    """(phone, start, offer id) of every offer made, in the order made."""
    o, e, c = t.waitlist_offers, t.waitlist_entries, t.clients
    with uow.engine.connect() as connection:
        rows = connection.execute(
            sa.select(c.c.phone, o.c.start_at, o.c.id)
            .select_from(o.join(e, e.c.id == o.c.entry_id).join(c, c.c.id == e.c.client_id))
            .order_by(o.c.id)
        ).all()
    return [(phone, start, offer_id) for phone, start, offer_id in rows]


def offer_texts(uow):
    n = t.notifications
    with uow.engine.connect() as connection:
        return connection.execute(
            sa.select(n.c.recipient, n.c.body, n.c.due_at)
            .where(n.c.kind == "waitlist_offer")
            .order_by(n.c.id)
        ).all()


def test_a_cancellation_is_offered_to_fitting_entries_in_join_order(uow, clock):
    booked = book(uow, at(DAY, 10)).appointment
    join(uow, "+13125550101")  # Botox, any provider, that day: fits
    join(uow, "+13125550102", provider_id=RIVERA)  # another provider: Patel's time does not fit
    join(uow, "+13125550103", services=(HYDRAFACIAL,))  # another service
    join(uow, "+13125550104", latest_time=time(9))  # mornings before 9 only
    join(uow, "+13125550105", date_from=DAY + timedelta(days=1), date_to=DAY + timedelta(days=2))
    join(uow, "+13125550106", provider_id=PATEL, earliest_time=time(10))  # fits, joined later
    assert match_waitlist(uow) == 0  # nothing freed yet
    clock.advance(minutes=1)  # the time frees up after they joined
    cancel_appointment(uow, appointment_id=booked.id, requester=Requester.admin())
    assert match_waitlist(uow) == 2
    made = offers(uow)
    assert [(phone, start) for phone, start, _ in made] == [
        ("+13125550101", at(DAY, 10)),
        ("+13125550106", at(DAY, 10)),
    ]
    (first, _, _), (second, _, _) = offer_texts(uow)
    assert (first, second) == ("+13125550101", "+13125550106")
    assert match_waitlist(uow) == 0  # the freed time is matched once


def test_at_most_n_entries_get_one_freed_time(uow, clock):
    uow.settings = uow.settings.model_copy(update={"waitlist_offers_per_slot": 2})
    booked = book(uow, at(DAY, 10)).appointment
    for n in range(4):
        join(uow, f"+1312555011{n}")
    clock.advance(minutes=1)  # the time frees up after they joined
    cancel_appointment(uow, appointment_id=booked.id, requester=Requester.admin())
    assert match_waitlist(uow) == 2
    assert [phone for phone, _, _ in offers(uow)] == ["+13125550110", "+13125550111"]


def test_two_claimers_race_one_books_the_other_stays_on_the_list(uow, clock):
    booked = book(uow, at(DAY, 10)).appointment
    first = join(uow, "+13125550101")
    second = join(uow, "+13125550102")
    clock.advance(minutes=1)  # the time frees up after they joined
    cancel_appointment(uow, appointment_id=booked.id, requester=Requester.admin())
    match_waitlist(uow)
    ids = [offer_id for _, _, offer_id in offers(uow)]
    barrier = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def claim(offer_id: int) -> None:
        barrier.wait()
        try:
            outcomes[offer_id] = claim_offer(uow, offer_id, claim_token(uow.secret, offer_id))
        except BookingError as error:
            outcomes[offer_id] = error

    threads = [threading.Thread(target=claim, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [o for o in outcomes.values() if not isinstance(o, BookingError)]
    lost = [o for o in outcomes.values() if isinstance(o, SlotUnavailable)]
    assert len(won) == 1 and len(lost) == 1
    assert lost[0].alternatives  # the loser hears other times
    appointment = won[0].appointment  # type: ignore[attr-defined]
    assert appointment.start == at(DAY, 10) and appointment.source.value == "web"
    entries = {e.id: e.status for e in list_waitlist(uow)}
    winner = first if appointment.client.phone == "+13125550101" else second
    loser = second if winner is first else first
    assert entries[winner.entry.id] == "booked" and entries[loser.entry.id] == "active"
    assert waitlist_bookings_this_month(uow) == 1  # claimed this (local) month
    with uow.engine.connect() as connection:
        kinds = (
            connection.execute(
                sa.select(t.appointment_events.c.kind).where(
                    t.appointment_events.c.appointment_id == appointment.id
                )
            )
            .scalars()
            .all()
        )
    assert "from_waitlist" in kinds
    # A retried claim gives the same booking.
    winner_offer = next(i for i, o in outcomes.items() if o is won[0])
    again = claim_offer(uow, winner_offer, claim_token(uow.secret, winner_offer))
    assert again.appointment.id == appointment.id


def test_an_offer_expires_and_a_wrong_token_is_not_found(uow, clock):
    booked = book(uow, at(DAY, 10)).appointment
    join(uow, "+13125550101")
    clock.advance(minutes=1)  # the time frees up after they joined
    cancel_appointment(uow, appointment_id=booked.id, requester=Requester.admin())
    match_waitlist(uow)
    ((_, _, offer_id),) = offers(uow)
    with pytest.raises(NotFound):
        claim_offer(uow, offer_id, "wrong")
    clock.advance(minutes=31)
    with pytest.raises(OfferExpired):
        claim_offer(uow, offer_id, claim_token(uow.secret, offer_id))


def test_no_offer_is_texted_in_the_quiet_hours(uow, clock):
    clock.now = datetime(2026, 11, 30, 22, 30, tzinfo=CHICAGO)  # type: ignore[attr-defined]
    booked = book(uow, at(DAY, 10)).appointment
    join(uow, "+13125550101")
    clock.advance(minutes=1)  # the time frees up after they joined
    cancel_appointment(uow, appointment_id=booked.id, requester=Requester.admin())
    match_waitlist(uow)
    ((_, _, due),) = offer_texts(uow)
    assert due.astimezone(CHICAGO) == datetime(2026, 12, 1, 8, 0, tzinfo=CHICAGO)
    ((_, _, offer_id),) = offers(uow)
    clock.now = datetime(2026, 12, 1, 8, 20, tzinfo=CHICAGO)  # type: ignore[attr-defined]
    # Its 30 minutes count from 8:00, when it is sent.
    claimed = claim_offer(uow, offer_id, claim_token(uow.secret, offer_id))
    assert claimed.appointment.start == at(DAY, 10)


def test_joining_twice_leaving_and_the_limit(uow):
    first = join(uow, "+13125550101")
    assert first.created and first.manage_token
    again = join(uow, "+13125550101")
    assert not again.created and again.manage_token is None and again.entry.id == first.entry.id
    join(uow, "+13125550101", date_to=DAY + timedelta(days=1))
    join(uow, "+13125550101", date_to=DAY + timedelta(days=2))
    with pytest.raises(WaitlistLimit):
        join(uow, "+13125550101", date_to=DAY + timedelta(days=3))
    with pytest.raises(NotFound):
        leave_waitlist(uow, first.entry.id, "wrong")
    left = leave_waitlist(uow, first.entry.id, first.manage_token)
    assert left.status == "left"
    assert leave_waitlist(uow, first.entry.id, first.manage_token).status == "left"
    join(uow, "+13125550101", date_to=DAY + timedelta(days=3))  # room for one again
    n = t.notifications
    with uow.engine.connect() as connection:
        joined = (
            connection.execute(sa.select(n.c.body).where(n.c.kind == "waitlist_joined"))
            .scalars()
            .all()
        )
    assert len(joined) == 4 and "To leave the waitlist" in joined[0]


def test_a_rolled_back_cancellation_offers_nothing(uow, monkeypatch, clock):
    booked = book(uow, at(DAY, 10)).appointment
    join(uow, "+13125550101")

    def fail(*args, **kwargs):
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(outbox, "queue_for_change", fail)
    clock.advance(minutes=1)  # the time would free up after they joined
    with pytest.raises(RuntimeError):
        cancel_appointment(uow, appointment_id=booked.id, requester=Requester.admin())
    assert match_waitlist(uow) == 0 and offers(uow) == []


def test_booking_what_an_entry_asked_for_ends_it(uow):
    entry = join(uow, "+13125550101").entry
    create_appointment(
        uow,
        service_id=BOTOX,
        start=at(DAY, 11),
        client_name="Waiting 0101",
        client_phone="+13125550101",
        requester=Requester.web(),
    )
    assert {e.id: e.status for e in list_waitlist(uow)}[entry.id] == "booked"
