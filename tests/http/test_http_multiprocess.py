"""`booking serve --workers 4` on PostgreSQL: 32 concurrent clients race for the same 50 slots.

Each slot must be won exactly once (201) and lost by everyone else (409 slot_unavailable), and
the database must hold no two overlapping busy intervals for a provider afterwards. The server
runs as a real subprocess against a PostgreSQL database created for this test and dropped after.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from http_helpers import ADMIN_TOKEN, AI_TOKEN, CONSULTATION

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

BOOKING = str(Path(sys.executable).with_name("booking"))
CLIENTS = 32
SLOTS = 50
WORKERS = 4


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKING_")}
    env.update(
        BOOKING_DATABASE_URL=database_url,
        BOOKING_ADMIN_TOKEN=ADMIN_TOKEN,
        BOOKING_AI_TOKEN=AI_TOKEN,
        BOOKING_SECRET_KEY=os.environ["BOOKING_SECRET_KEY"],
        BOOKING_RATE_LIMIT_PER_MINUTE="0",  # 32 clients share one address here
        BOOKING_MAX_FUTURE_BOOKINGS_PER_PHONE="0",
        BOOKING_NOTIFY_BACKGROUND="false",
        BOOKING_OUTBOX_FILE=str(tmp_path / "outbox.jsonl"),
    )
    return env


@pytest.fixture
def server(own_postgres_url: str, tmp_path: Path) -> Iterator[str]:
    env = _server_env(own_postgres_url, tmp_path)
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([BOOKING, *command], env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [BOOKING, "serve", "--port", str(port), "--workers", str(WORKERS)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so the workers can be reaped too
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base_url, process, log_path)
        yield base_url
    finally:
        _stop(process)  # the server's log stays in tmp_path/server.log for a failed run


def _wait_until_serving(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"booking serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base_url}/api/services", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"booking serve did not answer within 90 s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # uvicorn's supervisor stops its workers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _fifty_disjoint_slots(base_url: str) -> list[dict[str, object]]:
    """Slots that cannot collide with each other, so each one has exactly one winner."""
    first_day = date.today() + timedelta(days=2)
    response = httpx.get(
        f"{base_url}/api/availability",
        params={"service_id": CONSULTATION, "date": first_day.isoformat(), "days": 14},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    busy_until: dict[int, datetime] = {}
    chosen = []
    for slot in response.json()["slots"]:
        start = datetime.fromisoformat(slot["start"])
        provider = slot["provider_id"]
        if provider in busy_until and start < busy_until[provider]:
            continue
        busy_until[provider] = datetime.fromisoformat(slot["end"])
        chosen.append(slot)
        if len(chosen) == SLOTS:
            return chosen
    pytest.fail(f"only {len(chosen)} disjoint slots available")


def test_32_clients_race_for_50_slots_on_4_workers(server: str, own_postgres_url: str) -> None:
    slots = _fifty_disjoint_slots(server)
    outcomes: dict[int, Counter[str]] = defaultdict(Counter)
    unexpected: list[str] = []
    lock = threading.Lock()
    start_together = threading.Barrier(CLIENTS)

    def client(number: int) -> None:
        order = list(range(SLOTS))
        random.Random(number).shuffle(order)
        with httpx.Client(base_url=server, timeout=60) as http:
            start_together.wait()
            for index in order:
                slot = slots[index]
                response = http.post(
                    "/api/booking/create",
                    json={
                        "service_id": CONSULTATION,
                        "provider_id": slot["provider_id"],
                        "start": slot["start"],
                        "client": {
                            "name": f"Client {number}",
                            "phone": f"+1312{200 + number:03d}{1000 + index:04d}",
                        },
                    },
                )
                with lock:
                    if response.status_code == 201:
                        outcomes[index]["201"] += 1
                    elif (
                        response.status_code == 409
                        and response.json()["error"]["code"] == "slot_unavailable"
                    ):
                        outcomes[index]["409"] += 1
                    else:
                        unexpected.append(f"{response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(thread.is_alive() for thread in threads)

    assert unexpected == []
    assert {i: dict(c) for i, c in outcomes.items()} == {
        i: {"201": 1, "409": CLIENTS - 1} for i in range(SLOTS)
    }

    engine = sa.create_engine(own_postgres_url)
    try:
        with engine.connect() as connection:
            booked = connection.exec_driver_sql(
                "SELECT count(*) FROM appointments WHERE status = 'booked'"
            ).scalar_one()
            overlapping_reservations = connection.exec_driver_sql(
                "SELECT count(*) FROM reservations a JOIN reservations b "
                "ON a.resource_kind = b.resource_kind AND a.resource_id = b.resource_id "
                "AND a.id < b.id AND a.start_at < b.end_at AND b.start_at < a.end_at"
            ).scalar_one()
            overlapping_appointments = connection.exec_driver_sql(
                "SELECT count(*) FROM appointments a JOIN appointments b "
                "ON a.provider_id = b.provider_id AND a.id < b.id "
                "AND a.status = 'booked' AND b.status = 'booked' "
                "AND a.start_at < b.end_at AND b.start_at < a.end_at"
            ).scalar_one()
    finally:
        engine.dispose()
    assert booked == SLOTS
    assert overlapping_reservations == 0
    assert overlapping_appointments == 0


LASER, CHEN, LOPEZ = 5, 3, 4  # the demo's laser service and its two providers
LASER_TIMES = 12


def _laser_times() -> list[str]:
    """Afternoon hours on coming weekdays when both laser providers work (one hour apart: a
    laser session holds the laser 45 minutes plus 15 of clean-up)."""
    day, times = date.today() + timedelta(days=2), []
    while len(times) < LASER_TIMES:
        if day.weekday() < 5:
            times += [f"{day.isoformat()}T{hour}:00:00" for hour in (13, 14, 15, 16)]
        day += timedelta(days=1)
    return times[:LASER_TIMES]


def test_clients_with_different_providers_race_for_one_laser_on_4_workers(
    server: str, own_postgres_url: str
) -> None:
    times = _laser_times()
    outcomes: dict[int, Counter[str]] = defaultdict(Counter)
    unexpected: list[str] = []
    lock = threading.Lock()
    clients = 16
    start_together = threading.Barrier(clients)

    def client(number: int) -> None:
        provider = CHEN if number % 2 else LOPEZ
        with httpx.Client(base_url=server, timeout=60) as http:
            start_together.wait()
            for index, start in enumerate(times):
                response = http.post(
                    "/api/booking/create",
                    json={
                        "service_id": LASER,
                        "provider_id": provider,
                        "start": start,
                        "client": {
                            "name": "Racer",
                            "phone": f"+1312{300 + number:03d}{1000 + index:04d}",
                        },
                    },
                )
                with lock:
                    code = response.json().get("error", {}).get("code")
                    if response.status_code == 201:
                        outcomes[index]["201"] += 1
                    elif response.status_code == 409 and code == "slot_unavailable":
                        outcomes[index]["409"] += 1
                    else:
                        unexpected.append(f"{response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert unexpected == []
    assert {i: dict(c) for i, c in outcomes.items()} == {
        i: {"201": 1, "409": clients - 1} for i in range(LASER_TIMES)
    }
    engine = sa.create_engine(own_postgres_url)
    try:
        with engine.connect() as connection:
            overlapping = connection.exec_driver_sql(
                "SELECT count(*) FROM reservations a JOIN reservations b "
                "ON a.resource_kind = b.resource_kind AND a.resource_id = b.resource_id "
                "AND a.id < b.id AND a.start_at < b.end_at AND b.start_at < a.end_at"
            ).scalar_one()
            lasers = connection.exec_driver_sql(
                "SELECT count(*) FROM reservations WHERE resource_kind = 'device'"
            ).scalar_one()
    finally:
        engine.dispose()
    assert overlapping == 0
    assert lasers == LASER_TIMES


def test_a_time_booked_through_one_worker_is_offered_by_none(server: str) -> None:
    """Every worker keeps availability answers (schedule cache): after a booking through any of
    them, none offers the time again, and a cancellation makes every one offer it again."""
    day = (date.today() + timedelta(days=3)).isoformat()
    params = {"service_id": CONSULTATION, "date": day, "days": 7}

    def offered() -> set[tuple[str, int]]:
        # A new connection each time: the kernel spreads them over the workers.
        answer = httpx.get(f"{server}/api/availability", params=params, timeout=30)
        assert answer.status_code == 200, answer.text
        return {(s["start"], s["provider_id"]) for s in answer.json()["slots"]}

    for _ in range(12 * WORKERS):  # every worker asked several times: its answer is kept
        before = offered()
    start, provider = sorted(before)[5]
    booked = httpx.post(
        f"{server}/api/booking/create",
        json={
            "service_id": CONSULTATION,
            "provider_id": provider,
            "start": start,
            "client": {"name": "Kept Answer", "phone": "+13125550155"},
        },
        timeout=30,
    )
    assert booked.status_code == 201, booked.text
    for _ in range(12 * WORKERS):
        assert (start, provider) not in offered()
    cancelled = httpx.post(
        f"{server}/api/booking/cancel",
        json={
            "appointment_id": booked.json()["appointment"]["id"],
            "manage_token": booked.json()["manage_token"],
        },
        timeout=30,
    )
    assert cancelled.status_code == 200, cancelled.text
    for _ in range(12 * WORKERS):
        assert (start, provider) in offered()
