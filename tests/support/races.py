"""Helpers for the race tests: contested slots, racing bookers, and the final overlap check."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from booking_core import (
    BookingSettings,
    FixedClock,
    Requester,
    UnitOfWork,
    create_appointment,
    find_available_slots,
)
from booking_core.adapters.database import create_database_engine
from booking_core.errors import BookingError

CONSULTATION = 1  # 30 minutes, no buffer, offered by every demo provider


def contested_targets(uow: UnitOfWork, rounds: int, first_day: date) -> list[tuple[int, datetime]]:
    """(provider, start) pairs far enough apart that rounds never contest each other."""
    slots = find_available_slots(
        uow,
        service_id=CONSULTATION,
        start_date=first_day,
        end_date=first_day + timedelta(days=80),
    )
    last_taken: dict[int, datetime] = {}
    targets = []
    for slot in slots:
        previous = last_taken.get(slot.provider_id)
        # A round books T or T+15: leave an hour so the next round's interval is independent.
        if previous is None or slot.start >= previous + timedelta(minutes=60):
            targets.append((slot.provider_id, slot.start))
            last_taken[slot.provider_id] = slot.start
        if len(targets) == rounds:
            break
    assert len(targets) == rounds, f"only {len(targets)} contested slots available"
    return targets


def attempt(uow: UnitOfWork, provider_id: int, start: datetime, phone: str) -> str:
    """Book and return 'ok' or the error code."""
    try:
        create_appointment(
            uow,
            service_id=CONSULTATION,
            provider_id=provider_id,
            start=start,
            client_name="Racer",
            client_phone=phone,
            requester=Requester.web(),
        )
    except BookingError as error:
        return error.code
    return "ok"


def racer_phone(index: int) -> str:
    return f"+1312555{1000 + index:04d}"  # fictional 555 numbers, one per racer and round


def overlapping_pairs(engine: sa.Engine) -> int:
    """Booked appointments of one provider that overlap, and reservations that overlap."""
    with engine.connect() as connection:
        appointments = connection.execute(
            sa.text(
                "SELECT count(*) FROM appointments a JOIN appointments b "
                "ON a.provider_id = b.provider_id AND a.id < b.id "
                "AND a.status = 'booked' AND b.status = 'booked' "
                "AND a.start_at < b.end_at AND b.start_at < a.end_at"
            )
        ).scalar_one()
        reservations = connection.execute(
            sa.text(
                "SELECT count(*) FROM reservations a JOIN reservations b "
                "ON a.resource_kind = b.resource_kind AND a.resource_id = b.resource_id "
                "AND a.id < b.id AND a.start_at < b.end_at AND b.start_at < a.end_at"
            )
        ).scalar_one()
    return int(appointments) + int(reservations)


def winners_per_round(outcomes: list[list[str]]) -> Counter[int]:
    return Counter(round_outcomes.count("ok") for round_outcomes in outcomes)


def laser_racer(url, now, index, starts, barrier, results) -> None:  # type: ignore[no-untyped-def]
    """One racing process (spawned) booking laser hair removal at each start, with the demo's
    laser provider of its parity (Ashley Chen or Brianna Lopez): one laser for both."""
    settings = BookingSettings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    engine = create_database_engine(url)
    uow = UnitOfWork(settings, engine=engine, clock=FixedClock(now))
    outcomes = []
    for round_index, start in enumerate(starts):
        barrier.wait()
        try:
            create_appointment(
                uow,
                service_id=5,
                provider_id=3 if index % 2 else 4,
                start=start,
                client_name="Racer",
                client_phone=racer_phone(round_index * 4 + index),
                requester=Requester.web(),
            )
            outcomes.append("ok")
        except BookingError as error:
            outcomes.append(error.code)
    engine.dispose()
    results.put((index, outcomes))


def process_racer(url, now, index, targets, barrier, results) -> None:  # type: ignore[no-untyped-def]
    """One racing process (spawned): books each target after every racer reached the barrier."""
    settings = BookingSettings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    engine = create_database_engine(url)
    uow = UnitOfWork(settings, engine=engine, clock=FixedClock(now))
    outcomes = []
    for round_index, (provider_id, start) in enumerate(targets):
        barrier.wait()
        offset = timedelta(minutes=15 * (index % 2))
        phone = racer_phone(round_index * 4 + index)
        outcomes.append(attempt(uow, provider_id, start + offset, phone))
    engine.dispose()
    results.put((index, outcomes))
