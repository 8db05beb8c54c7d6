"""The dispatcher in-process: sends due messages, retries with backoff, records failures, takes
over claims a dead dispatcher left behind, and stops cleanly."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from booking_core import Requester, UnitOfWork, cancel_appointment
from booking_core.notify import (
    Dispatcher,
    OutgoingMessage,
    SendError,
    Senders,
    list_notifications,
    run_dispatcher,
    start_background_dispatcher,
)
from notify_fakes import book, outbox_rows, with_settings


class ScriptedSender:
    """Fails as told, then accepts; remembers what it was asked to send."""

    def __init__(self, failures: list[SendError] | None = None, on_send=None) -> None:
        self.failures = list(failures or [])
        self.sent: list[OutgoingMessage] = []
        self.on_send = on_send

    def send(self, message: OutgoingMessage) -> None:
        if self.on_send:
            self.on_send(message)
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)

    def close(self) -> None:
        pass


def scripted(sender: ScriptedSender) -> Senders:
    return Senders(sms=sender, email=sender)


def test_log_sender_sends_due_messages_and_the_reminder_when_due(nuow: UnitOfWork):
    result = book(nuow, "2026-12-02T10:00")
    report = run_dispatcher(nuow, once=True)
    assert (report.sent, report.failed) == (3, 0)
    statuses = {(r.kind, r.channel): r.status for r in outbox_rows(nuow)}
    assert statuses == {
        ("client_confirmation", "sms"): "sent",
        ("owner_notification", "sms"): "sent",
        ("owner_notification", "email"): "sent",
        ("client_reminder", "sms"): "pending",
    }
    lines = Path(nuow.settings.outbox_file).read_text().splitlines()
    assert [json.loads(line)["kind"] for line in lines] == [
        "client_confirmation",
        "owner_notification",
        "owner_notification",
    ]
    assert json.loads(lines[0])["to"] == "+13125550100"
    assert result.manage_token in json.loads(lines[0])["body"]

    # Nothing more until the reminder is due: 24 hours before Wed 10:00.
    assert run_dispatcher(nuow, once=True).sent == 0
    nuow.clock.now = result.appointment.start - timedelta(hours=24)  # type: ignore[attr-defined]
    assert run_dispatcher(nuow, once=True).sent == 1
    assert [r.status for r in outbox_rows(nuow, kind="client_reminder")] == ["sent"]


def test_retries_with_backoff_then_sends(nuow: UnitOfWork):
    book(nuow, "2026-12-02T10:00")
    sender = ScriptedSender([SendError("SMS API answered 503"), SendError("timed out")])
    senders = scripted(sender)
    first = run_dispatcher(nuow, once=True, senders=senders)
    assert (first.sent, first.retrying) == (1, 2)  # two failures, one success among 3 due
    retrying = outbox_rows(nuow, status="pending", channel="sms", kind="client_confirmation")
    owner_retry = outbox_rows(nuow, status="pending", kind="owner_notification")
    waiting = retrying + owner_retry
    assert {r.attempts for r in waiting} == {1}
    assert {r.due_at for r in waiting} == {nuow.now() + timedelta(seconds=60)}
    assert {r.last_error for r in waiting} == {"SMS API answered 503", "timed out"}

    # Not before the backoff has passed.
    assert run_dispatcher(nuow, once=True, senders=senders).sent == 0
    nuow.clock.advance(seconds=60)  # type: ignore[attr-defined]
    assert run_dispatcher(nuow, once=True, senders=senders).sent == 2
    assert len(sender.sent) == 3
    sent = outbox_rows(nuow, status="sent")
    assert sorted(r.attempts for r in sent) == [1, 2, 2]
    assert all(r.sent_at == nuow.now() for r in sent if r.attempts == 2)


def test_retries_exhausted_mark_failed_log_error_and_list_for_the_owner(
    nuow: UnitOfWork, error_log: list[str]
):
    uow = with_settings(nuow, owner_phone=None, owner_email=None, reminder_hours=0)
    book(uow, "2026-12-02T10:00")
    sender = ScriptedSender([SendError("SMS API answered 503")] * 10)
    delays = []
    for _ in range(3):  # notify_max_attempts is 3
        run_dispatcher(uow, once=True, senders=scripted(sender))
        (row,) = outbox_rows(uow)
        delays.append(row.due_at - uow.now())
        uow.clock.advance(hours=2)  # type: ignore[attr-defined]
    (row,) = outbox_rows(uow)
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "SMS API answered 503")
    assert delays[:2] == [timedelta(seconds=60), timedelta(seconds=120)]  # backoff doubles
    assert any("FAILED after 3 attempts" in line for line in error_log)
    assert [r.id for r in list_notifications(uow, status="failed")] == [row.id]
    # A failed message is not retried any more.
    assert run_dispatcher(uow, once=True, senders=scripted(sender)).sent == 0


def test_permanent_error_fails_at_once(nuow: UnitOfWork, error_log: list[str]):
    uow = with_settings(nuow, owner_phone=None, owner_email=None, reminder_hours=0)
    book(uow, "2026-12-02T10:00")
    sender = ScriptedSender([SendError("SMS API answered 400: Invalid 'To'", retryable=False)])
    run_dispatcher(uow, once=True, senders=scripted(sender))
    (row,) = outbox_rows(uow)
    assert (row.status, row.attempts) == ("failed", 1)
    assert error_log


def test_a_claim_left_by_a_dead_dispatcher_is_taken_over_after_the_timeout(nuow: UnitOfWork):
    uow = with_settings(nuow, owner_phone=None, owner_email=None, reminder_hours=0)
    book(uow, "2026-12-02T10:00")
    dead = Dispatcher(uow, senders=scripted(ScriptedSender()), worker_id="dead")
    assert len(dead.claim()) == 1  # ...and the process dies before sending or recording
    (row,) = outbox_rows(uow)
    assert (row.status, row.claimed_by, row.attempts) == ("sending", "dead", 1)

    sender = ScriptedSender()
    alive = Dispatcher(uow, senders=scripted(sender), worker_id="alive")
    assert alive.dispatch_due().sent == 0  # the claim is still fresh
    uow.clock.advance(seconds=61)  # type: ignore[attr-defined]
    report = alive.dispatch_due()
    assert (report.reclaimed, report.sent) == (1, 1)
    (row,) = outbox_rows(uow)
    assert (row.status, row.claimed_by, row.attempts) == ("sent", "alive", 2)
    # The dead dispatcher's late record (if it woke up) does not overwrite the outcome.
    dead._record(row.id, status="failed", last_error="late")
    assert outbox_rows(uow)[0].status == "sent"


def test_a_stale_claim_with_attempts_used_up_fails(nuow: UnitOfWork, error_log: list[str]):
    uow = with_settings(
        nuow, owner_phone=None, owner_email=None, reminder_hours=0, notify_max_attempts=1
    )
    book(uow, "2026-12-02T10:00")
    Dispatcher(uow, senders=scripted(ScriptedSender()), worker_id="dead").claim()
    uow.clock.advance(seconds=61)  # type: ignore[attr-defined]
    report = Dispatcher(uow, senders=scripted(ScriptedSender())).dispatch_due()
    assert (report.sent, report.failed) == (0, 1)
    assert outbox_rows(uow)[0].status == "failed"
    assert "may or may not have been delivered" in outbox_rows(uow)[0].last_error
    assert error_log


def test_claims_too_old_to_send_safely_are_given_back(nuow: UnitOfWork):
    uow = with_settings(nuow, reminder_hours=0)
    book(uow, "2026-12-02T10:00")  # three messages due

    def slow_send(_message: OutgoingMessage) -> None:
        uow.clock.advance(seconds=59)  # type: ignore[attr-defined]

    sender = ScriptedSender(on_send=slow_send)
    dispatcher = Dispatcher(uow, senders=scripted(sender), worker_id="slow")
    # Each cycle: one send, then the claim is too old to start another: the rest go back,
    # without an attempt counted, and the next cycle claims them afresh (2 + 1 given back).
    report = dispatcher.dispatch_due()
    assert (report.sent, report.given_back) == (3, 3)
    assert {r.attempts for r in outbox_rows(uow)} == {1}


def test_reminder_of_an_appointment_already_started_is_not_sent(nuow: UnitOfWork):
    uow = with_settings(nuow, owner_phone=None, owner_email=None)
    result = book(uow, "2026-12-02T10:00")
    uow.clock.now = result.appointment.start + timedelta(minutes=5)  # type: ignore[attr-defined]
    sender = ScriptedSender()
    report = run_dispatcher(uow, once=True, senders=scripted(sender))
    assert (report.sent, report.skipped) == (1, 1)
    assert [m.kind for m in sender.sent] == ["client_confirmation"]
    assert outbox_rows(uow, kind="client_reminder")[0].status == "cancelled"


def test_cancelled_appointment_has_no_reminder_left(nuow: UnitOfWork):
    result = book(nuow, "2026-12-02T10:00")
    cancel_appointment(nuow, appointment_id=result.appointment.id, requester=Requester.admin())
    nuow.clock.now = result.appointment.start - timedelta(hours=1)  # type: ignore[attr-defined]
    sender = ScriptedSender()
    run_dispatcher(nuow, once=True, senders=scripted(sender))
    assert "client_reminder" not in [m.kind for m in sender.sent]
    assert "client_cancellation" in [m.kind for m in sender.sent]


def test_background_dispatcher_sends_and_stops(nuow: UnitOfWork):
    uow = with_settings(nuow, notify_poll_seconds=0.05, reminder_hours=0)
    book(uow, "2026-12-02T10:00")
    stop = start_background_dispatcher(uow)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and outbox_rows(uow, status="sent").__len__() < 3:
            time.sleep(0.05)
    finally:
        stop()
    assert len(outbox_rows(uow, status="sent")) == 3
    assert not [t for t in threading.enumerate() if t.name == "booking-notify"]


def test_background_dispatcher_can_be_turned_off(nuow: UnitOfWork):
    stop = start_background_dispatcher(with_settings(nuow, notify_background=False))
    stop()
    assert not [t for t in threading.enumerate() if t.name == "booking-notify"]


def test_run_dispatcher_stops_when_asked(nuow: UnitOfWork):
    stop = threading.Event()
    runner = threading.Thread(
        target=lambda: run_dispatcher(
            with_settings(nuow, notify_poll_seconds=0.05), stop_event=stop
        )
    )
    runner.start()
    stop.set()
    runner.join(10)
    assert not runner.is_alive()


@pytest.mark.parametrize("value", ["carrier-pigeon"])
def test_unknown_sms_sender_is_a_configuration_error(nuow: UnitOfWork, value: str):
    from booking_core.notify import NotifyConfigError

    with pytest.raises(NotifyConfigError, match="BOOKING_SMS_SENDER"):
        start_background_dispatcher(with_settings(nuow, sms_sender=value))
    with pytest.raises(NotifyConfigError, match="BOOKING_TWILIO_ACCOUNT_SID"):
        start_background_dispatcher(with_settings(nuow, sms_sender="twilio"))
