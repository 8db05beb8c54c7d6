"""Idempotency keys: a retried create or reschedule returns the first result, never books twice.

The key itself is never stored: its hash finds the record, the request's fingerprint tells a
retry from a different request with the same key, and the record holds the result to replay.
The manage token is not kept at all: it is derived again from the appointment id.

A request with a key runs like one without (no read of its record first: no round trip): the
record is written with the booking, and its key is unique, so a retry of a request that
succeeded can never commit. It fails, at the latest when its record is written, usually earlier
(its own booking holds the time); only then is the key's record read, in a transaction of its
own after the failed one (which waited for the original on the key's lock), and replayed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from booking_core.adapters.mappers import appointment_from_snapshot, appointment_snapshot
from booking_core.domain.model import Appointment
from booking_core.errors import IdempotencyConflict
from booking_core.services.tokens import hash_secret
from booking_core.services.unit_of_work import Transaction, UnitOfWork

#: How long a key is remembered (records past it are purged by the dispatcher's housekeeping).
IDEMPOTENCY_TTL = timedelta(hours=48)


@dataclass(frozen=True)
class IdempotentRequest:
    """An operation's key (None: not idempotent) and its request's fingerprint."""

    operation: str
    key: str | None
    fingerprint: str

    @property
    def key_hash(self) -> str | None:
        return hash_secret(self.key) if self.key else None


def idempotent_request(operation: str, key: str | None, **request: Any) -> IdempotentRequest:
    """A stable hash of a request, to tell a retry from a different request with the same key."""
    canonical = json.dumps(request, sort_keys=True, default=str, separators=(",", ":"))
    return IdempotentRequest(operation, key, hashlib.sha256(canonical.encode()).hexdigest())


def replayed_result(uow: UnitOfWork, request: IdempotentRequest) -> Appointment | None:
    """After a failed attempt: the first result for a retried key, or None (no key, or a key
    not used before: the failure stands)."""
    if request.key_hash is None:
        return None
    with uow.begin() as tx:
        record = tx.bookings.idempotency_record(request.operation, request.key_hash)
    if record is None:
        return None
    if record.fingerprint != request.fingerprint:
        raise IdempotencyConflict(
            "This idempotency key was already used for a different request. "
            "Use a new key for a new request."
        )
    return appointment_from_snapshot(record.result)


def remember_result(
    tx: Transaction, request: IdempotentRequest, appointment: Appointment, now: datetime
) -> None:
    if request.key_hash is None:
        return
    tx.bookings.add_idempotency_record(
        {
            "operation": request.operation,
            "key_hash": request.key_hash,
            "fingerprint": request.fingerprint,
            "appointment_id": appointment.id,
            "result": appointment_snapshot(appointment),
            "created_at": now,
            "expires_at": now + IDEMPOTENCY_TTL,
        }
    )


def purge_expired_idempotency_records(uow: UnitOfWork) -> int:
    """Delete idempotency records past their expiry."""
    return uow.run(lambda tx: tx.bookings.purge_idempotency_records(uow.now()))
