"""Admin changes racing bookings, and writes waiting on a moving appointment.

A gate in the booking store pauses one thread at a chosen point, so the interleaving is the same
every run (the database, its locks and its transactions are real).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from zoneinfo import ZoneInfo

import booking_core as core
import pytest
from booking_core import (
    AppointmentStatus,
    Requester,
    cancel_appointment,
    create_appointment,
    find_available_slots,
    reschedule_appointment,
)
from booking_core.adapters.booking_store import BookingStore
from booking_core.errors import BookingError, Inactive, ProviderUnavailable

CHICAGO = ZoneInfo("America/Chicago")
DAY = date(2026, 12, 2)


class Gate:
    """Pauses the thread named ``name`` when it reaches a patched store method."""

    def __init__(self, name: str) -> None:
        self.name, self.reached, self.opened = name, threading.Event(), threading.Event()

    def pause_here(self) -> None:
        if threading.current_thread().name == self.name:
            self.reached.set()
            assert self.opened.wait(20)


def run_in_thread(name: str, work, results: dict) -> threading.Thread:
    def target():
        try:
            results[name] = work()
        except BookingError as error:
            results[name] = error

    thread = threading.Thread(target=target, name=name)
    thread.start()
    return thread


def book(uow, hour=10, provider_id=1, phone="312-555-0100"):
    return create_appointment(
        uow,
        service_id=2,
        provider_id=provider_id,
        start=datetime(2026, 12, 2, hour, tzinfo=CHICAGO),
        client_name="Ann Lee",
        client_phone=phone,
        requester=Requester.web(),
    )


@pytest.mark.parametrize("second", ["cancel", "retry"])
def test_a_write_waiting_on_a_move_to_another_provider_still_finds_it(uow, monkeypatch, second):
    created = book(uow)
    gate = Gate("mover")
    original = BookingStore.add_event

    def add_event(self, event):
        gate.pause_here()
        return original(self, event)

    monkeypatch.setattr(BookingStore, "add_event", add_event)
    move = lambda: reschedule_appointment(  # noqa: E731
        uow,
        appointment_id=created.appointment.id,
        new_start=datetime(2026, 12, 2, 11, tzinfo=CHICAGO),
        provider_id=2,
        requester=Requester.web(created.manage_token),
        idempotency_key="move-1",
    )
    cancel = lambda: cancel_appointment(  # noqa: E731
        uow, appointment_id=created.appointment.id, requester=Requester.web(created.manage_token)
    )
    results: dict = {}
    mover = run_in_thread("mover", move, results)
    assert gate.reached.wait(20)
    other = run_in_thread("other", cancel if second == "cancel" else move, results)
    time.sleep(0.5)  # the second write is now waiting for the first
    gate.opened.set()
    mover.join(30), other.join(30)
    assert not isinstance(results["mover"], BookingError), results["mover"]
    assert not isinstance(results["other"], BookingError), results["other"]
    if second == "cancel":
        assert results["other"].status is AppointmentStatus.CANCELLED
    else:
        assert results["other"].replayed
        assert results["other"].appointment == results["mover"].appointment


def _pause_booking_before_provider_lock(monkeypatch) -> Gate:
    gate = Gate("booker")
    original = BookingStore.lock

    def lock(self, keys):
        keys = list(keys)
        if any(kind == "provider" for kind, _ in keys):
            gate.pause_here()
        return original(self, keys)

    monkeypatch.setattr(BookingStore, "lock", lock)
    return gate


def _race_booking_with(uow, monkeypatch, engine_name, admin_change):
    gate = _pause_booking_before_provider_lock(monkeypatch)
    results: dict = {}
    booker = run_in_thread("booker", lambda: book(uow), results)
    assert gate.reached.wait(20)
    admin = run_in_thread("admin", admin_change, results)
    admin.join(5)  # the admin change commits while the booking is between its reads and locks
    gate.opened.set()
    booker.join(30), admin.join(30)
    return results


# PostgreSQL only: SQLite runs whole write transactions one at a time, so these interleavings
# cannot happen there (the paused booking would hold the write lock).
ONLY_POSTGRESQL = pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)


@ONLY_POSTGRESQL
def test_deactivation_racing_a_booking_never_leaves_a_booking_with_an_inactive_provider(
    uow, monkeypatch, engine_name
):
    results = _race_booking_with(
        uow, monkeypatch, engine_name, lambda: core.update_provider(uow, 1, active=False)
    )
    provider_active = next(
        p.provider.active
        for p in core.list_providers(uow, include_inactive=True)
        if p.provider.id == 1
    )
    booked = [a for a in core.calendar(uow, DAY) if a.status is AppointmentStatus.BOOKED]
    assert not (booked and not provider_active), results
    if not provider_active:
        assert isinstance(results["booker"], Inactive)


@ONLY_POSTGRESQL
def test_a_closure_racing_a_booking_is_seen_by_it(uow, monkeypatch, engine_name):
    results = _race_booking_with(
        uow, monkeypatch, engine_name, lambda: core.add_closure(uow, DAY, "burst pipe")
    )
    assert isinstance(results["booker"], ProviderUnavailable), results
    assert core.booked_on_date(uow, DAY) == []


def test_concurrent_admin_saves_neither_fail_nor_duplicate(uow):
    barrier = threading.Barrier(6)

    def save(index: int) -> None:
        barrier.wait()
        if index % 3 == 0:
            core.set_working_hours(
                uow,
                1,
                [(2, datetime.min.time().replace(hour=9), datetime.min.time().replace(hour=12))],
            )
        elif index % 3 == 1:
            core.set_provider_services(uow, 1, [(1, None), (2, None)])
        else:
            core.add_closure(uow, date(2026, 12, 24), "Christmas Eve")

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(save, range(6)))
    assert len(core.get_working_hours(uow, 1)) == 1
    assert sorted(o.service_id for o in core.provider_services(uow, 1)) == [1, 2]
    assert [c.date for c in core.list_closures(uow)] == [date(2026, 12, 24)]
    starts = [
        s.start for s in find_available_slots(uow, service_id=2, start_date=DAY, provider_id=1)
    ]
    assert len(starts) == len(set(starts))
