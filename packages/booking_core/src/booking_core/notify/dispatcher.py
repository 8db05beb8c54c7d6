"""The dispatcher: claims due outbox messages, sends them, records the outcome.

Safe with several dispatchers at once (``booking notify run`` processes and the background thread
of every ``booking serve`` worker):

1. Claim, in a short transaction of its own that commits before anything is sent: the due rows
   are marked ``sending`` with ``claimed_by``/``claimed_at``. PostgreSQL picks them with
   ``FOR UPDATE SKIP LOCKED`` (two dispatchers never pick the same row, and never wait for each
   other); SQLite runs the claim in a ``BEGIN IMMEDIATE`` transaction (one writer at a time).
2. Send each claimed message, one at a time.
3. Record the outcome in a transaction of its own: ``sent``; or back to ``pending`` with a later
   ``due_at`` (exponential backoff) and the error; or ``failed`` when retrying cannot help or the
   attempts are used up (logged at error level, listed for the owner).

A dispatcher that dies between 1 and 3 leaves its rows in ``sending``; once their claim is older
than ``BOOKING_NOTIFY_CLAIM_TIMEOUT_SECONDS`` any dispatcher takes them over. The one message that
was on the wire when it died may have been delivered already, and is then delivered again: the
guarantee is at least once, with at most the in-flight message repeated. A dispatcher never
starts a send so late in its claim that another could take the message over meanwhile.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from loguru import logger

from booking_core.domain.model import AppointmentStatus
from booking_core.notify.senders import (
    OutgoingMessage,
    SendError,
    Senders,
    build_senders,
    masked_recipient,
    redact,
)
from booking_core.services.idempotency import purge_expired_idempotency_records
from booking_core.services.outbox import REMINDER
from booking_core.services.tokens import render_message
from booking_core.services.unit_of_work import Transaction, UnitOfWork
from booking_core.services.verification import forget_old_calls
from booking_core.services.waitlist import match_waitlist, render_waitlist_links

#: The longest wait between two attempts of one message.
MAX_BACKOFF = timedelta(hours=1)


@dataclass
class DispatchReport:
    """What a dispatcher did: counts per outcome."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    reclaimed: int = 0
    given_back: int = 0

    def add(self, other: DispatchReport) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self) -> str:
        return " ".join(f"{name}={getattr(self, name)}" for name in self.__dataclass_fields__)


@dataclass(frozen=True)
class _Claimed:
    message: OutgoingMessage
    attempts: int
    claimed_at: datetime
    appointment_status: str | None
    appointment_start: datetime | None


@dataclass
class Dispatcher:
    """Claims, sends and records outbox messages. ``senders`` default to the settings' choice."""

    uow: UnitOfWork
    senders: Senders | None = None
    worker_id: str = field(
        default_factory=lambda: f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    )

    def __post_init__(self) -> None:
        settings = self.uow.settings
        if self.senders is None:
            self.senders = build_senders(settings)
        self.max_attempts = settings.notify_max_attempts
        self.batch_size = settings.notify_batch_size
        self.claim_timeout = timedelta(seconds=settings.notify_claim_timeout_seconds)
        # Start a send only while the claim has this much life left, so no dispatcher can take
        # the message over while it is being sent.
        self.send_margin = min(
            timedelta(seconds=2 * settings.notify_send_timeout_seconds), self.claim_timeout / 2
        )
        if settings.notify_claim_timeout_seconds < 3 * settings.notify_send_timeout_seconds:
            logger.warning(
                "[notify] BOOKING_NOTIFY_CLAIM_TIMEOUT_SECONDS ({}) should be at least three times "
                "BOOKING_NOTIFY_SEND_TIMEOUT_SECONDS ({})",
                settings.notify_claim_timeout_seconds,
                settings.notify_send_timeout_seconds,
            )

    # --- the cycle ---------------------------------------------------------------------------
    def has_due(self) -> bool:
        """A cheap read: is there anything to claim? (Saves idle pollers a write transaction.)"""
        now = self.uow.now()
        with self.uow.begin() as tx:
            return tx.outbox.has_due(now, self.claim_timeout)

    def dispatch_due(self, stop: threading.Event | None = None) -> DispatchReport:
        """Claim and send batches until nothing is due (or ``stop`` is set)."""
        report = DispatchReport()
        while not (stop and stop.is_set()):
            claimed = self.claim(report)
            if not claimed:
                break
            for index, item in enumerate(claimed):
                late = self.uow.now() >= item.claimed_at + self.claim_timeout - self.send_margin
                if (stop and stop.is_set()) or late:
                    self._give_back([c.message.id for c in claimed[index:]])
                    report.given_back += len(claimed) - index
                    break
                self._deliver(item, report)
        return report

    def close(self) -> None:
        if self.senders is not None:
            self.senders.close()

    # --- claiming ----------------------------------------------------------------------------
    def claim(self, report: DispatchReport | None = None) -> list[_Claimed]:
        """Mark up to a batch of due messages ``sending`` for this dispatcher, and commit."""
        report = report if report is not None else DispatchReport()

        def work(tx: Transaction) -> list[_Claimed]:
            now = self.uow.now()
            claimed: list[_Claimed] = []
            for row in tx.outbox.due(now, self.claim_timeout, self.batch_size):
                if row.status == "sending" and not self._take_over(tx, row, now, report):
                    continue
                tx.outbox.claim(row.id, self.worker_id, now)
                claimed.append(self._claimed(row, now))
            return claimed

        return self.uow.run(work)

    def _claimed(self, row: Any, now: datetime) -> _Claimed:
        body = render_message(
            row.body, row.appointment_id, self.uow.settings, self.uow.secret, row.verification_id
        )
        body = render_waitlist_links(body, self.uow.settings, self.uow.secret)
        return _Claimed(
            message=OutgoingMessage(
                id=row.id,
                kind=row.kind,
                channel=row.channel,
                recipient=row.recipient,
                subject=row.subject,
                body=body,
            ),
            attempts=row.attempts + 1,
            claimed_at=now,
            appointment_status=row.appointment_status,
            appointment_start=row.appointment_start,
        )

    def _take_over(self, tx: Transaction, row: Any, now: datetime, report: Any) -> bool:
        """A claim that outlived its timeout: its dispatcher died (or hung) while sending."""
        report.reclaimed += 1
        if row.attempts >= self.max_attempts:
            error = (
                f"dispatcher {row.claimed_by} stopped while sending (attempt {row.attempts}); "
                "attempts used up: it may or may not have been delivered"
            )
            tx.outbox.fail(row.id, error)
            report.failed += 1
            _log_failed(row.id, row.kind, row.channel, error)
            return False
        logger.warning(
            "[notify] message #{} ({}) was claimed by {} at {} and not recorded: sending it "
            "again (it may have been delivered already)",
            row.id,
            row.kind,
            row.claimed_by,
            row.claimed_at.astimezone(self.uow.tz).isoformat(timespec="seconds"),
        )
        return True

    def _give_back(self, ids: list[int]) -> None:
        """Claimed but not attempted: back to pending, the attempt not counted."""

        self.uow.run(lambda tx: tx.outbox.give_back(ids, self.worker_id))

    # --- sending and recording ---------------------------------------------------------------
    def _deliver(self, item: _Claimed, report: DispatchReport) -> None:
        message = item.message
        stale = self._stale_reminder(item)
        if stale:
            self._record(message.id, status="cancelled", last_error=stale)
            report.skipped += 1
            return
        assert self.senders is not None
        try:
            self.senders.for_channel(message.channel).send(message)
        except SendError as error:
            self._record_failure(item, error.message, error.retryable, report)
            return
        except Exception as error:  # a sender bug must not stop the dispatcher
            logger.exception("[notify] sender crashed on message #{}", message.id)
            self._record_failure(item, f"{type(error).__name__}: {error}", True, report)
            return
        self._record(message.id, status="sent", sent_at=self.uow.now(), last_error=None)
        report.sent += 1

    def _stale_reminder(self, item: _Claimed) -> str | None:
        """A reminder is pointless once its appointment is cancelled or has started."""
        if item.message.kind != REMINDER:
            return None
        if item.appointment_status not in (None, AppointmentStatus.BOOKED.value):
            return f"appointment {item.appointment_status}"
        if item.appointment_start is not None and item.appointment_start <= self.uow.now():
            return "appointment already started"
        return None

    def _record_failure(
        self, item: _Claimed, error: str, retryable: bool, report: DispatchReport
    ) -> None:
        message = item.message
        if retryable and item.attempts < self.max_attempts:
            delay = _backoff(self.uow.settings.notify_retry_base_seconds, item.attempts)
            retry_at = self.uow.now() + delay
            self._record(
                message.id,
                status="pending",
                due_at=retry_at,
                last_error=error,
                claimed_by=None,
                claimed_at=None,
            )
            logger.warning(
                "[notify] {} to {} ({} #{}) failed, attempt {}/{}, retry at {}: {}",
                message.channel,
                masked_recipient(message),
                message.kind,
                message.id,
                item.attempts,
                self.max_attempts,
                retry_at.astimezone(self.uow.tz).isoformat(timespec="seconds"),
                redact(error),
            )
            report.retrying += 1
            return
        self._record(message.id, status="failed", last_error=error)
        report.failed += 1
        _log_failed(message.id, message.kind, message.channel, error, attempts=item.attempts)

    def _record(self, message_id: int, **values: Any) -> None:
        if not self.uow.run(lambda tx: tx.outbox.record(message_id, self.worker_id, values)):
            # Only possible when this dispatcher overran its claim and another took it over.
            logger.warning(
                "[notify] message #{} was taken over by another dispatcher; outcome {} not "
                "recorded here",
                message_id,
                values.get("status"),
            )


def _backoff(base_seconds: float, attempts: int) -> timedelta:
    """base, 2×base, 4×base… after the 1st, 2nd, 3rd… failed attempt; at most an hour."""
    return min(timedelta(seconds=base_seconds * 2 ** (attempts - 1)), MAX_BACKOFF)


def _log_failed(message_id: int, kind: str, channel: str, error: str, attempts: int = 0) -> None:
    logger.error(
        "[notify] message #{} ({} by {}) FAILED{}: {} — listed at "
        "GET /api/admin/notifications?status=failed",
        message_id,
        kind,
        channel,
        f" after {attempts} attempts" if attempts else "",
        redact(error),
    )


# --- entry points --------------------------------------------------------------------------------
HOUSEKEEPING_SECONDS = 3600


def run_dispatcher(
    uow: UnitOfWork,
    once: bool = False,
    stop_event: threading.Event | None = None,
    senders: Senders | None = None,
) -> DispatchReport:
    """Send due messages. ``once``: until nothing is due, then return; otherwise poll every
    ``BOOKING_NOTIFY_POLL_SECONDS`` until ``stop_event`` is set. Returns what was done."""
    dispatcher = Dispatcher(uow, senders=senders)
    stop = stop_event or threading.Event()
    restore = _stop_on_signals(stop) if stop_event is None else None
    total = DispatchReport()
    logger.info(
        "[notify] dispatcher {} started ({}; sms sender {})",
        dispatcher.worker_id,
        "once" if once else "polling",
        uow.settings.sms_sender,
    )
    next_housekeeping = 0.0
    try:
        while not stop.is_set():
            try:
                if not once and time.monotonic() >= next_housekeeping:
                    # The long-running loop also clears expired idempotency records and old
                    # call counters, hourly.
                    purge_expired_idempotency_records(uow)
                    forget_old_calls(uow)
                    next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS
                # Freed time becomes waitlist offers (queued here, sent below when due).
                match_waitlist(uow)
                if dispatcher.has_due():
                    total.add(dispatcher.dispatch_due(stop))
            except Exception:
                if once:
                    raise
                # A database outage must not end the background loop: try again next poll.
                logger.exception("[notify] dispatch cycle failed; retrying in the next poll")
            if once:
                break
            stop.wait(uow.settings.notify_poll_seconds * random.uniform(0.8, 1.2))
    finally:
        dispatcher.close()
        if restore:
            restore()
    logger.info("[notify] dispatcher {} stopped: {}", dispatcher.worker_id, total)
    return total


def _stop_on_signals(stop: threading.Event) -> Callable[[], None] | None:
    """In a command's main thread, SIGTERM and Ctrl-C finish the send in progress, give back
    the claims not started and return, instead of leaving them to the claim timeout."""
    if threading.current_thread() is not threading.main_thread():
        return None
    previous = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}

    def on_signal(_number: int, _frame: FrameType | None) -> None:
        stop.set()

    for number in previous:
        signal.signal(number, on_signal)

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)

    return restore


def start_background_dispatcher(uow: UnitOfWork) -> Callable[[], None]:
    """Run the dispatcher in a daemon thread of this process; returns the function stopping it.

    Cheap when idle (one indexed read per poll) and safe in every worker of a multi-process
    server. ``BOOKING_NOTIFY_BACKGROUND=false`` turns it off (when ``booking notify run`` runs
    separately). Misconfigured senders raise ``NotifyConfigError`` here, at start-up.
    """
    if not uow.settings.notify_background:
        logger.info("[notify] background dispatcher off (BOOKING_NOTIFY_BACKGROUND=false)")
        return lambda: None
    senders = build_senders(uow.settings)
    stop = threading.Event()

    def loop() -> None:
        # Spread the polls of workers started together.
        if stop.wait(random.uniform(0, uow.settings.notify_poll_seconds)):
            senders.close()
            return
        run_dispatcher(uow, stop_event=stop, senders=senders)

    thread = threading.Thread(target=loop, name="booking-notify", daemon=True)
    thread.start()

    def stop_dispatcher() -> None:
        stop.set()
        # A send in progress is bounded by the send timeout; claims not started are given back.
        thread.join(timeout=uow.settings.notify_send_timeout_seconds + 5)

    return stop_dispatcher
