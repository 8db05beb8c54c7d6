"""The schedule cache (booking_core.services.schedule_cache), on SQLite and on PostgreSQL.

A process reuses an availability answer only while the schedule version it was worked out at is
unchanged and its time has not run out. These tests hold it to "never offers a slot the database
already holds": every table availability reads bumps the version in the writing transaction, a
booking made by another process (another unit of work, engine and cache) is seen at once, and an
answer never outlives its first start's minimum notice.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import booking_core as core
import pytest
import sqlalchemy as sa
from booking_core import (
    BookingSettings,
    FixedClock,
    Requester,
    UnitOfWork,
    availability_overview,
    cancel_appointment,
    create_appointment,
    find_available_slots,
    find_bookable_times,
)
from booking_core.adapters.calendar_store import ScheduleDependencies
from booking_core.adapters.database import create_database_engine

CHICAGO = ZoneInfo("America/Chicago")
CONSULT, BOTOX, LASER = 1, 2, 5
PATEL = 1
DAY = date(2026, 12, 2)  # a Wednesday


EVERYTHING = ScheduleDependencies(
    frozenset({f"provider:{n}" for n in range(1, 5)} | {f"resource:{n}" for n in range(1, 5)}),
    DAY - timedelta(days=3),
    DAY + timedelta(days=3),
)


def version(uow: UnitOfWork, depends: ScheduleDependencies = EVERYTHING) -> tuple[int, int]:
    with uow.begin() as tx:
        return tx.calendar.schedule_version(depends)


@pytest.fixture
def other_process(uow: UnitOfWork, clock: FixedClock):
    """A second "worker": its own engine, unit of work and cache over the same database."""
    engine = create_database_engine(uow.settings.database_url)
    yield UnitOfWork(uow.settings, engine=engine, clock=clock)
    engine.dispose()


@pytest.fixture
def uncached(uow: UnitOfWork, clock: FixedClock):
    """The same database with the cache off: what a fresh computation answers."""
    settings = BookingSettings(
        **{**uow.settings.model_dump(), "availability_cache_seconds": 0}, _env_file=None
    )
    engine = create_database_engine(settings.database_url)
    yield UnitOfWork(settings, engine=engine, clock=clock)
    engine.dispose()


def book(
    uow: UnitOfWork, start: datetime, service_id: int = CONSULT, provider_id=PATEL, n=0, key=None
):
    return create_appointment(
        uow,
        service_id=service_id,
        provider_id=provider_id,
        start=start,
        client_name="Ann Lee",
        client_phone=f"312-555-{100 + n:04d}",
        requester=Requester.web(),
        idempotency_key=key,
    )


def test_a_question_asked_again_is_kept_and_then_reused_while_nothing_changed(uow):
    once = availability_overview(uow, service_id=CONSULT, start_date=DAY, end_date=DAY)
    first = availability_overview(uow, service_id=CONSULT, start_date=DAY, end_date=DAY)
    assert first.basis[0] is not once.basis[0]  # a first question is not kept
    again = availability_overview(uow, service_id=CONSULT, start_date=DAY, end_date=DAY)
    assert again.basis[0] is first.basis[0]
    assert again == first and first.slots


def test_a_booking_on_another_day_leaves_this_days_answer(uow, other_process):
    availability_overview(uow, service_id=CONSULT, start_date=DAY, end_date=DAY)
    first = availability_overview(uow, service_id=CONSULT, start_date=DAY, end_date=DAY)
    later = DAY + timedelta(days=5)
    book(other_process, find_available_slots(uow, service_id=CONSULT, start_date=later)[0].start)
    again = availability_overview(uow, service_id=CONSULT, start_date=DAY, end_date=DAY)
    assert again.basis[0] is first.basis[0]
    book(other_process, first.slots[2].start, provider_id=first.slots[2].provider_id, n=1)
    after = availability_overview(uow, service_id=CONSULT, start_date=DAY, end_date=DAY)
    assert after.basis[0] is not first.basis[0]
    assert first.slots[2] not in after.slots


def test_busy_time_is_versioned_per_owner_and_utc_date(uow):
    """The day's last slot: its provider's key for the UTC date of its start."""
    last = find_available_slots(uow, service_id=CONSULT, start_date=DAY)[-1]
    late = last.start
    book(uow, late, provider_id=last.provider_id)
    with uow.begin() as tx:
        keys = {
            row.key for row in tx.connection.execute(sa.text("SELECT key FROM schedule_versions"))
        }
    utc = late.astimezone(ZoneInfo("UTC")).date().isoformat()
    assert f"provider:{last.provider_id}:{utc}" in keys


def test_a_booking_by_another_process_is_seen_at_once(uow, other_process):
    before = find_available_slots(uow, service_id=CONSULT, start_date=DAY, provider_id=PATEL)
    taken = before[3]
    book(other_process, taken.start)
    after = find_available_slots(uow, service_id=CONSULT, start_date=DAY, provider_id=PATEL)
    assert taken.start not in [s.start for s in after]
    overview = availability_overview(uow, service_id=CONSULT, start_date=DAY, end_date=DAY)
    assert (taken.start, PATEL) not in [(s.start, s.provider_id) for s in overview.slots]


def test_a_cancellation_elsewhere_offers_the_time_again(uow, other_process):
    start = find_available_slots(uow, service_id=CONSULT, start_date=DAY, provider_id=PATEL)[0]
    booked = book(uow, start.start)
    assert start.start not in [
        s.start
        for s in find_available_slots(uow, service_id=CONSULT, start_date=DAY, provider_id=PATEL)
    ]
    cancel_appointment(
        other_process, appointment_id=booked.appointment.id, requester=Requester.admin()
    )
    again = find_available_slots(uow, service_id=CONSULT, start_date=DAY, provider_id=PATEL)
    assert start.start in [s.start for s in again]


def test_a_room_taken_by_another_providers_booking_is_seen(uow, other_process):
    """The laser is one device shared by two providers: a booking of one takes the other's
    slot at that time, through the device's own version key."""
    slots = find_available_slots(uow, service_id=LASER, start_date=DAY)
    providers = {s.provider_id for s in slots}
    assert len(providers) == 2
    taken = slots[0]
    book(other_process, taken.start, service_id=LASER, provider_id=taken.provider_id)
    after = find_available_slots(uow, service_id=LASER, start_date=DAY)
    assert taken.start not in [s.start for s in after]


def test_an_answer_ends_when_its_first_start_comes_inside_the_notice(uow, uncached, clock):
    clock.now = datetime.combine(DAY, time(7, 0), tzinfo=CHICAGO)
    first = find_available_slots(uow, service_id=CONSULT, start_date=DAY)
    earliest = first[0].start
    notice = timedelta(minutes=uow.settings.min_notice_minutes)
    clock.now = (earliest - notice + timedelta(seconds=1)).astimezone(CHICAGO)
    later = find_available_slots(uow, service_id=CONSULT, start_date=DAY)
    assert earliest not in [s.start for s in later]
    assert later == find_available_slots(uncached, service_id=CONSULT, start_date=DAY)


def test_an_answer_is_not_kept_past_the_cap(uow, clock):
    first = find_available_slots(uow, service_id=CONSULT, start_date=DAY + timedelta(days=7))
    clock.advance(seconds=uow.settings.availability_cache_seconds + 1)
    again = find_available_slots(uow, service_id=CONSULT, start_date=DAY + timedelta(days=7))
    assert again == first
    overview = availability_overview(uow, service_id=CONSULT, start_date=DAY, end_date=DAY)
    clock.advance(seconds=uow.settings.availability_cache_seconds + 1)
    assert (
        availability_overview(uow, service_id=CONSULT, start_date=DAY, end_date=DAY) is not overview
    )


def test_cached_answers_match_fresh_ones_through_a_day_of_changes(uow, other_process, uncached):
    """Bookings, cancellations, time off and a closure, each made by "another process":
    after each, every cached answer equals a fresh computation."""
    days = (DAY, DAY + timedelta(days=1))

    def answers(u: UnitOfWork):
        return (
            find_available_slots(u, service_id=BOTOX, start_date=days[0], end_date=days[1]),
            availability_overview(u, service_id=[BOTOX, CONSULT], start_date=DAY, end_date=DAY),
            find_bookable_times(u, service_id=CONSULT, start_date=DAY, limit=5),
        )

    booked = []
    changes = [
        lambda: booked.append(book(other_process, answers(uow)[0][0].start, BOTOX, None, 1)),
        lambda: booked.append(book(other_process, answers(uow)[0][5].start, BOTOX, None, 2)),
        lambda: cancel_appointment(
            other_process, appointment_id=booked[0].appointment.id, requester=Requester.admin()
        ),
        lambda: core.add_time_off(
            other_process,
            PATEL,
            datetime.combine(DAY, time(13), tzinfo=CHICAGO),
            datetime.combine(DAY, time(15), tzinfo=CHICAGO),
        ),
        lambda: core.add_closure(other_process, days[1], "Staff training"),
    ]
    for change in changes:
        answers(uow)  # warm
        change()
        assert answers(uow) == answers(uncached)


WATCHED_CHANGES = {
    "providers": "UPDATE providers SET name = name WHERE id = 1",
    "services": "UPDATE services SET name = name WHERE id = 1",
    "provider_services": "UPDATE provider_services SET service_id = service_id "
    "WHERE provider_id = 1",
    "working_hours": "UPDATE working_hours SET start_time = start_time WHERE provider_id = 1",
    "resources": "UPDATE resources SET name = name WHERE id = 1",
    "service_resources": "UPDATE service_resources SET group_no = group_no",
}


@pytest.mark.parametrize("table", sorted(WATCHED_CHANGES))
def test_any_write_to_a_catalog_table_changes_the_version(uow, table):
    """Even a write made outside booking_core (a hand-run statement): triggers, not code."""
    before = version(uow)
    with uow.engine.begin() as connection:
        connection.execute(sa.text(WATCHED_CHANGES[table]))
    assert version(uow) != before


def test_time_off_closures_and_bookings_change_the_version(uow):
    seen = {version(uow)}
    start = datetime.combine(DAY, time(13), tzinfo=CHICAGO)
    entry = core.add_time_off(uow, PATEL, start, start + timedelta(hours=1))
    seen.add(version(uow))
    core.delete_time_off(uow, entry.id)
    seen.add(version(uow))
    room = core.add_resource_time_off(uow, 1, start, start + timedelta(hours=1))
    seen.add(version(uow))
    core.delete_resource_time_off(uow, room.id)
    seen.add(version(uow))
    core.add_closure(uow, DAY + timedelta(days=2))
    seen.add(version(uow))
    booked = book(uow, datetime.combine(DAY, time(10), tzinfo=CHICAGO))
    seen.add(version(uow))
    with uow.engine.begin() as connection:  # a status change made by hand
        connection.execute(
            sa.text("UPDATE appointments SET status = 'no_show' WHERE id = :id"),
            {"id": booked.appointment.id},
        )
    seen.add(version(uow))
    assert len(seen) == 8  # the first and one per change


def test_a_rolled_back_write_leaves_the_version(uow):
    before = version(uow)
    with uow.engine.connect() as connection, connection.begin() as transaction:
        connection.execute(sa.text(WATCHED_CHANGES["providers"]))
        transaction.rollback()
    assert version(uow) == before


# --- a create whose start is taken is refused before any lock -----------------------------------
@pytest.fixture
def statements(uow):
    """The statements ``uow`` sends, as they are sent."""
    sent: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        sent.append(statement.strip().split()[0].upper() + " " + statement)

    sa.event.listen(uow.engine, "before_cursor_execute", note)
    yield sent
    sa.event.remove(uow.engine, "before_cursor_execute", note)


def writes(sent: list[str]) -> list[str]:
    return [
        s
        for s in sent
        if s.split()[0] in {"INSERT", "UPDATE", "DELETE"}
        or "advisory" in s
        or "BEGIN IMMEDIATE" in s
    ]


def refusal(call):
    with pytest.raises(core.errors.SlotUnavailable) as caught:
        call()
    return caught.value.code, caught.value.message, caught.value.details


def test_a_taken_start_is_refused_unlocked_as_the_booking_would(uow, uncached, statements):
    start = datetime.combine(DAY, time(10), tzinfo=CHICAGO)
    book(uow, start)
    refused_by_booking = refusal(lambda: book(uncached, start, n=5))
    statements.clear()
    refused_early = refusal(lambda: book(uow, start, n=5))
    assert refused_early == refused_by_booking
    assert refused_early[2]["alternatives"]
    assert statements and not writes(statements)  # no lock taken, nothing written


def test_a_visit_refused_early_names_its_taken_part(uow, uncached):
    """Botox then a consultation with Patel, where Patel is booked at the consultation's time:
    the early refusal names the same part as the booking's (``details.part``)."""
    visit = [core.PartRequest(BOTOX, PATEL), core.PartRequest(CONSULT, PATEL)]
    free = find_available_slots(uow, service_id=[BOTOX, CONSULT], start_date=DAY, provider_id=PATEL)
    first = free[0]
    book(uow, first.parts[1].start, provider_id=PATEL)

    def ask(u):
        return create_appointment(
            u,
            services=visit,
            start=first.start,
            client_name="Bo Park",
            client_phone="312-555-0177",
            requester=Requester.web(),
        )

    assert refusal(lambda: ask(uow)) == refusal(lambda: ask(uncached))
    assert "part" in refusal(lambda: ask(uow))[2]


def test_a_time_freed_elsewhere_is_booked_not_refused(uow, other_process):
    start = datetime.combine(DAY, time(10), tzinfo=CHICAGO)
    first = book(other_process, start)
    refusal(lambda: book(uow, start, n=7))  # refused early, from the cache
    cancel_appointment(
        other_process, appointment_id=first.appointment.id, requester=Requester.admin()
    )
    assert book(uow, start, n=7).appointment.start == start


def test_the_booking_limit_is_said_before_a_taken_time(uow):
    limit = uow.settings.max_future_bookings_per_phone
    for n in range(limit):
        book(uow, datetime.combine(DAY + timedelta(days=1), time(9 + n), tzinfo=CHICAGO), n=9)
    start = datetime.combine(DAY, time(10), tzinfo=CHICAGO)
    book(uow, start)
    find_available_slots(uow, service_id=CONSULT, start_date=DAY)  # the cache is warm
    with pytest.raises(core.errors.BookingLimitReached):
        book(uow, start, n=9)


def test_a_retry_of_a_booked_key_replays_though_its_time_is_taken(uow):
    start = datetime.combine(DAY, time(10), tzinfo=CHICAGO)
    first = book(uow, start, key="retry-1")
    again = book(uow, start, key="retry-1")
    assert again.replayed and again.appointment.id == first.appointment.id


def _locked_reads(uow, start):
    from booking_core.services.booking_reads import lock_and_read
    from booking_core.services.idempotency import idempotent_request

    with uow.begin(write=True) as tx:
        return lock_and_read(
            uow,
            tx,
            phone="+13125550100",
            request=idempotent_request("create", None),
            parts=[core.PartRequest(CONSULT, PATEL)],
            day=start.astimezone(CHICAGO).date(),
        )


# --- the catalog rows a process keeps -------------------------------------------------------------
def catalog_reads(sent: list[str]) -> list[str]:
    """The statements that read the catalog (hours are only read with it)."""
    return [s for s in sent if "FROM working_hours" in s or "FROM provider_services" in s]


def test_catalog_rows_are_reused_while_the_catalog_is_unchanged(uow, statements):
    start = datetime.combine(DAY, time(10), tzinfo=CHICAGO)
    _locked_reads(uow, start)
    statements.clear()
    reads = _locked_reads(uow, start)
    assert not catalog_reads(statements)  # the busy time alone, with the catalog's version
    assert [s for s in statements if "reservations" in s]
    assert reads.visit.plans(start, enforce_notice=True, enforce_hours=True)


def test_busy_time_is_read_again_under_the_locks(uow, other_process):
    """A time booked by another process after this one's early read is seen under the locks."""
    from booking_core.domain.visits import NoPlan
    from booking_core.services.read_before_locking import read_before_locking

    start = datetime.combine(DAY, time(10), tzinfo=CHICAGO)
    parts = [core.PartRequest(CONSULT, PATEL)]
    assert read_before_locking(uow, parts, start, "+13125550100") is None  # free: no refusal
    book(other_process, start, n=3)  # between the early read and the locks
    reads = _locked_reads(uow, start)
    with pytest.raises(NoPlan) as caught:
        reads.visit.plans(start, enforce_notice=True, enforce_hours=True)
    assert isinstance(caught.value.problem, core.errors.SlotUnavailable)


def test_a_catalog_change_by_another_process_is_seen_at_once(uow, other_process, statements):
    start = datetime.combine(DAY, time(10), tzinfo=CHICAGO)
    find_available_slots(uow, service_id=CONSULT, start_date=DAY, provider_id=PATEL)
    _locked_reads(uow, start)  # the day's catalog rows kept
    core.add_time_off(
        other_process,
        provider_id=PATEL,
        start=datetime.combine(DAY, time(9), tzinfo=CHICAGO),
        end=datetime.combine(DAY, time(12), tzinfo=CHICAGO),
        reason="Training",
    )
    statements.clear()
    with pytest.raises(core.errors.BookingError) as caught:
        book(uow, start, n=4)
    assert caught.value.code == "provider_unavailable"
    assert catalog_reads(statements)  # read again: its version changed
    slots = find_available_slots(uow, service_id=CONSULT, start_date=DAY, provider_id=PATEL)
    assert not [s for s in slots if time(9) <= s.start.astimezone(CHICAGO).time() < time(12)]


def test_kept_offers_never_refuse_what_the_catalog_now_allows(uow, other_process):
    """A service kept as inactive, then activated by another process, books at once."""
    start = datetime.combine(DAY, time(10), tzinfo=CHICAGO)
    core.update_service(other_process, CONSULT, active=False)
    with pytest.raises(core.errors.BookingError) as caught:
        book(uow, start)
    assert caught.value.code == "inactive"
    core.update_service(other_process, CONSULT, active=True)
    assert book(uow, start).appointment.start == start


def test_a_provider_deactivated_elsewhere_is_not_booked_from_kept_rows(uow, other_process):
    start = datetime.combine(DAY, time(10), tzinfo=CHICAGO)
    find_available_slots(uow, service_id=CONSULT, start_date=DAY, provider_id=PATEL)  # kept
    core.update_provider(other_process, PATEL, active=False)
    with pytest.raises(core.errors.BookingError) as caught:
        book(uow, start, n=2)
    assert caught.value.code == "inactive"


def test_kept_catalog_rows_cut_to_a_span_are_what_a_fresh_read_finds(uow, uncached):
    """The catalog is kept per block of dates; each span's time off, closures and resource
    time off are cut from it exactly as a read for that span alone finds them, at the edges
    of a block included."""
    from booking_core.adapters.calendar_store import _BLOCK_DAYS
    from booking_core.services.scheduling import calendar_span

    ordinal = DAY.toordinal()
    boundary = date.fromordinal(ordinal - ordinal % _BLOCK_DAYS + _BLOCK_DAYS)  # a block starts

    def at(day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=CHICAGO)

    one_day = timedelta(days=1)
    core.add_time_off(uow, PATEL, at(boundary - one_day, 17), at(boundary, 10), "Across")
    core.add_time_off(uow, PATEL, at(boundary - 3 * one_day, 9), at(boundary - 3 * one_day, 10))
    core.add_closure(uow, boundary - 2 * one_day, "Inventory")
    core.add_closure(uow, boundary + one_day, "Holiday")
    core.add_resource_time_off(uow, 1, at(boundary - one_day, 20), at(boundary, 8), "Service")

    def read(u: UnitOfWork, first: date, days: int):
        span = calendar_span(u.settings, first, first + timedelta(days=days - 1))
        with u.begin() as tx:
            data = tx.calendar.calendars([CONSULT, LASER], [1, 2, 3, 4], [1, 2, 3, 4], span)
        return (
            sorted(data.offered.items()),
            data.hours,
            data.closures,
            data.time_off,
            {k: v for k, v in data.busy.items() if v},
            sorted(data.resources.items()),
            {k: v for k, v in data.resource_off.items() if v},
        )

    for offset in range(-6, 4):
        for days in (1, 3, 7):
            first = boundary + offset * one_day
            assert read(uow, first, days) == read(uncached, first, days), (first, days)


def test_a_full_days_early_refusal_offers_what_the_locked_booking_offers(uow, statements):
    """With the slot's day and both its neighbours full, the alternatives come from further
    ahead: the refusal before the locks (from its own wider read) names the same ones as the
    booking's refusal under its locks followed by the search ahead (a key skips the early
    read)."""
    n = 100
    for day in [DAY - timedelta(days=1), DAY, DAY + timedelta(days=1)]:
        free = find_available_slots(uow, service_id=CONSULT, start_date=day, provider_id=PATEL)
        while free:
            book(uow, free[0].start, n=n)  # a client each: the booking limit stays far
            n += 1
            free = find_available_slots(uow, service_id=CONSULT, start_date=day, provider_id=PATEL)
    start = datetime.combine(DAY, time(11), tzinfo=CHICAGO)

    def refused(key: str | None):
        return refusal(lambda: book(uow, start, n=88, key=key))

    statements.clear()
    early = refused(None)
    # One read of the busy time around the day, alternatives included (and the client's
    # bookings, for the booking limit, which is said first)
    assert len([s for s in statements if "FROM reservations" in s]) == 1
    assert early == refused("full-day-1")
    found = [datetime.fromisoformat(slot["start"]).date() for slot in early[2]["alternatives"]]
    assert len(found) == 3 and min(found) >= DAY + timedelta(days=2)
