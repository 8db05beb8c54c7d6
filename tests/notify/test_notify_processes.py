"""Dispatchers as real processes (``python -m booking_core.notify run``) against the fake SMS API:
killed with SIGKILL mid-batch and restarted, and two at once over the same 500 messages."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from booking_core.adapters import tables as t
from notify_fakes import FakeSmsServer, add_due_messages, twilio_env

pytestmark = pytest.mark.slow


def dispatcher_env(database_url: str, server: FakeSmsServer, **extra: object) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKING_")}
    env.update(twilio_env(server))
    env.update(
        BOOKING_DATABASE_URL=database_url,
        BOOKING_NOTIFY_POLL_SECONDS="0.2",
        BOOKING_NOTIFY_BATCH_SIZE="5",
        BOOKING_NOTIFY_MAX_ATTEMPTS="5",
        BOOKING_SECRET_KEY=os.environ["BOOKING_SECRET_KEY"],
    )
    env.update({f"BOOKING_NOTIFY_{k.upper()}": str(v) for k, v in extra.items()})
    return env


@pytest.fixture
def start_dispatcher(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str], once: bool = False) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"dispatcher-{len(started)}.log").open("wb")
        command = [sys.executable, "-m", "booking_core.notify", "run"]
        process = subprocess.Popen(
            [*command, "--once"] if once else command, env=env, stdout=log, stderr=log
        )
        started.append(process)
        return process

    yield start
    for process in started:  # only the processes this test started
        if process.poll() is None:
            process.kill()
            process.wait(10)


def statuses(database_url: str) -> dict[str, str]:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(t.notifications.c.body, t.notifications.c.status))
        found = {body: status for body, status in rows}
    engine.dispose()
    return found


def claimers(database_url: str) -> set[str]:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        found = set(connection.execute(sa.select(t.notifications.c.claimed_by)).scalars())
    engine.dispose()
    return found


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_sigkill_mid_batch_then_restart_sends_all_and_repeats_only_the_in_flight_one(
    database_url: str, start_dispatcher: Callable[..., subprocess.Popen[bytes]]
):
    add_due_messages(database_url, 20, datetime.now(UTC) - timedelta(minutes=1))
    with FakeSmsServer() as server:
        server.hold_request = 7  # the 7th message reaches the API, and then...
        env = dispatcher_env(database_url, server, claim_timeout_seconds=3, send_timeout_seconds=1)
        first = start_dispatcher(env)
        assert server.held.wait(60), "the dispatcher never reached the 7th message"
        first.send_signal(signal.SIGKILL)  # ...the dispatcher dies before hearing the answer
        first.wait(10)
        server.release.set()
        in_flight = server.requests[6]["form"]["Body"]

        before_restart = statuses(database_url)
        assert sum(s == "sent" for s in before_restart.values()) == 6
        assert before_restart[in_flight] == "sending"

        second = start_dispatcher(env)
        assert wait_for(lambda: set(statuses(database_url).values()) == {"sent"}, 90)
        second.send_signal(signal.SIGTERM)
        assert second.wait(20) == 0
        counts = server.counts

    assert set(counts) == {f"msg {i}" for i in range(1, 21)}  # every due message went out
    assert counts[in_flight] == 2  # the one on the wire at the kill went out again
    assert {body: n for body, n in counts.items() if n != 1} == {in_flight: 2}


@pytest.mark.parametrize("engine_name", ["postgresql", "sqlite"], indirect=True)
def test_two_dispatchers_send_each_of_500_messages_exactly_once(
    database_url: str, start_dispatcher: Callable[..., subprocess.Popen[bytes]]
):
    add_due_messages(database_url, 500, datetime.now(UTC) - timedelta(minutes=1))
    with FakeSmsServer() as server:
        server.delay = 0.01  # long enough for both to be at work together
        env = dispatcher_env(database_url, server, send_timeout_seconds=5)
        processes = [start_dispatcher(env, once=True), start_dispatcher(env, once=True)]
        assert [p.wait(300) for p in processes] == [0, 0]
        counts = server.counts

    assert len(counts) == 500
    assert set(counts.values()) == {1}  # each sent exactly once
    assert set(statuses(database_url).values()) == {"sent"}
    assert len(claimers(database_url)) == 2  # and both dispatchers did part of the work


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_booking_notify_run_once_with_the_log_sender(database_url: str, tmp_path: Path):
    """The `booking notify run --once` command of http_api, over this package's dispatcher."""
    booking = Path(sys.executable).parent / "booking"
    if not booking.exists():
        pytest.skip("the `booking` console script is not installed")
    add_due_messages(database_url, 2, datetime.now(UTC) - timedelta(minutes=1), prefix="hello")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKING_")}
    env.update(BOOKING_DATABASE_URL=database_url, BOOKING_OUTBOX_FILE=str(tmp_path / "out.jsonl"))
    done = subprocess.run(
        [str(booking), "notify", "run", "--once"], env=env, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert "sent=2" in done.stdout.decode()
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert [json.loads(line)["body"] for line in lines] == ["hello 1", "hello 2"]
    assert set(statuses(database_url).values()) == {"sent"}
