"""Racing writers, on both engines: exactly one winner per contested interval, every loser gets
slot_unavailable, and the database holds no overlapping pair afterwards."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import booking_core as core
import pytest
from booking_core import Requester, create_appointment
from booking_core.errors import BookingError
from support.races import (
    attempt,
    contested_targets,
    overlapping_pairs,
    process_racer,
    racer_phone,
)

THREADS = 16
THREAD_ROUNDS = 150
PROCESSES = 4
PROCESS_ROUNDS = 100
FIRST_DAY = date(2026, 12, 2)


def test_threads_race_for_the_same_and_overlapping_slots(uow):
    targets = contested_targets(uow, THREAD_ROUNDS, FIRST_DAY)
    barrier = threading.Barrier(THREADS)
    outcomes: list[list[str]] = []

    def racer(index: int, round_index: int, provider_id: int, start) -> str:
        # Half the racers want T, half T+15 (overlapping: a consultation lasts 30 minutes).
        offset = timedelta(minutes=15 * (index % 2))
        barrier.wait()
        return attempt(uow, provider_id, start + offset, racer_phone(round_index * THREADS + index))

    with ThreadPoolExecutor(THREADS) as pool:
        for round_index, (provider_id, start) in enumerate(targets):
            futures = [
                pool.submit(racer, i, round_index, provider_id, start) for i in range(THREADS)
            ]
            outcomes.append([f.result() for f in futures])

    for round_outcomes in outcomes:
        assert round_outcomes.count("ok") == 1, round_outcomes
        assert set(round_outcomes) == {"ok", "slot_unavailable"}, round_outcomes
    assert overlapping_pairs(uow.engine) == 0


@pytest.mark.slow
def test_processes_race_for_the_same_and_overlapping_slots(uow, clock):
    targets = contested_targets(uow, PROCESS_ROUNDS, FIRST_DAY)
    uow.engine.dispose()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(
            target=process_racer,
            args=(uow.settings.database_url, clock.now, i, targets, barrier, results),
        )
        for i in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    by_racer = dict(results.get(timeout=300) for _ in processes)
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    for round_index in range(PROCESS_ROUNDS):
        round_outcomes = [by_racer[i][round_index] for i in range(PROCESSES)]
        assert round_outcomes.count("ok") == 1, round_outcomes
        assert set(round_outcomes) == {"ok", "slot_unavailable"}, round_outcomes
    assert overlapping_pairs(uow.engine) == 0


def test_concurrent_retries_with_one_key_book_once(uow):
    """A client's retries racing the original (same key, same request) all get the one booking."""
    start = datetime(2026, 12, 2, 10, tzinfo=ZoneInfo("America/Chicago"))
    barrier = threading.Barrier(8)

    def retry(_: int):
        barrier.wait()
        return create_appointment(
            uow,
            service_id=1,
            provider_id=None,
            start=start,
            client_name="Retry Rita",
            client_phone="312-555-0150",
            requester=Requester.web(),
            idempotency_key="same-key",
        )

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(retry, range(8)))
    assert len({r.appointment.id for r in results}) == 1
    assert len({r.manage_token for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert len(core.calendar(uow, start.date())) == 1


def test_concurrent_different_requests_with_one_key_book_once(uow):
    start = datetime(2026, 12, 2, 10, tzinfo=ZoneInfo("America/Chicago"))
    barrier = threading.Barrier(8)

    def attempt_with_shared_key(index: int) -> str:
        barrier.wait()
        try:
            create_appointment(
                uow,
                service_id=1,
                provider_id=None,
                start=start,
                client_name="Key Sharer",
                client_phone=racer_phone(index),
                requester=Requester.web(),
                idempotency_key="shared-key",
            )
        except BookingError as error:
            return error.code
        return "ok"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt_with_shared_key, range(8)))
    assert outcomes.count("ok") == 1
    assert set(outcomes) == {"ok", "idempotency_conflict"}
    assert len(core.calendar(uow, start.date())) == 1
