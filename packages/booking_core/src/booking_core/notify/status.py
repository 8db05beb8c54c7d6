"""What the owner sees of the outbox: messages by status (failed ones above all)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from booking_core.errors import ValidationFailed
from booking_core.services.outbox import STATUSES
from booking_core.services.unit_of_work import UnitOfWork

MAX_LIST = 500


@dataclass(frozen=True)
class NotificationRecord:
    """One outbox message. ``due_at`` is when it is (next) to be tried; times are business-local."""

    id: int
    appointment_id: str | None
    kind: str
    channel: str
    recipient: str
    subject: str
    body: str
    status: str
    attempts: int
    last_error: str | None
    due_at: datetime
    created_at: datetime
    claimed_at: datetime | None
    claimed_by: str | None
    sent_at: datetime | None


def list_notifications(
    uow: UnitOfWork, status: str | None = None, limit: int = 100
) -> list[NotificationRecord]:
    """Messages newest first, optionally only those of one status."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed(
            f"status must be one of {', '.join(STATUSES)}.", fields={"status": "unknown status"}
        )
    if not 1 <= limit <= MAX_LIST:
        raise ValidationFailed(
            f"limit must be between 1 and {MAX_LIST}.", fields={"limit": "out of range"}
        )
    with uow.begin() as tx:
        rows = tx.outbox.messages(status, limit)
    tz = uow.tz

    def local(value: datetime | None) -> datetime | None:
        return value.astimezone(tz) if value is not None else None

    return [
        NotificationRecord(
            id=row.id,
            appointment_id=row.appointment_id,
            kind=row.kind,
            channel=row.channel,
            recipient=row.recipient,
            subject=row.subject,
            body=row.body,
            status=row.status,
            attempts=row.attempts,
            last_error=row.last_error,
            due_at=row.due_at.astimezone(tz),
            created_at=row.created_at.astimezone(tz),
            claimed_at=local(row.claimed_at),
            claimed_by=row.claimed_by,
            sent_at=local(row.sent_at),
        )
        for row in rows
    ]


def count_by_status(uow: UnitOfWork) -> dict[str, int]:
    with uow.begin() as tx:
        found = tx.outbox.count_by_status()
    return {**dict.fromkeys(STATUSES, 0), **found}
