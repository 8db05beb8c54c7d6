"""The notifications outbox: messages queued in a booking's transaction, claimed and recorded by
the dispatcher, listed for the owner."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from booking_core.adapters import tables as t
from booking_core.adapters.database import is_postgresql

_n, _a = t.notifications, t.appointments
_INSERT = sa.insert(_n).inline()  # no new ids asked for (see booking_store)


class OutboxStore:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    # --- queueing (in the booking's transaction) ---------------------------------------------
    def add(self, messages: list[dict[str, Any]]) -> None:
        if messages:
            self.connection.execute(_INSERT, messages)

    def cancel_pending(self, appointment_id: str, kind: str, reason: str) -> None:
        self.connection.execute(
            sa.update(_n)
            .where(_n.c.appointment_id == appointment_id, _n.c.kind == kind)
            .where(_n.c.status == "pending")
            .values(status="cancelled", last_error=reason)
        )

    # --- the dispatcher ----------------------------------------------------------------------
    @staticmethod
    def _due(now: datetime, claim_timeout: timedelta) -> sa.ColumnElement[bool]:
        """Pending and due, or claimed so long ago that its dispatcher must have died."""
        return sa.or_(
            sa.and_(_n.c.status == "pending", _n.c.due_at <= now),
            sa.and_(_n.c.status == "sending", _n.c.claimed_at < now - claim_timeout),
        )

    def has_due(self, now: datetime, claim_timeout: timedelta) -> bool:
        query = sa.select(_n.c.id).where(self._due(now, claim_timeout)).limit(1)
        return self.connection.execute(query).first() is not None

    def due(self, now: datetime, claim_timeout: timedelta, limit: int) -> list[Any]:
        """Up to ``limit`` due messages with their appointment's status and start. PostgreSQL
        locks the rows it picks and skips those another dispatcher has locked."""
        pick = (
            sa.select(_n.c.id)
            .where(self._due(now, claim_timeout))
            .order_by(_n.c.due_at, _n.c.id)
            .limit(limit)
        )
        if is_postgresql(self.connection):
            pick = pick.with_for_update(skip_locked=True)
        ids = list(self.connection.execute(pick).scalars())
        if not ids:
            return []
        return list(
            self.connection.execute(
                sa.select(
                    _n,
                    _a.c.status.label("appointment_status"),
                    _a.c.start_at.label("appointment_start"),
                )
                .select_from(_n.outerjoin(_a, _a.c.id == _n.c.appointment_id))
                .where(_n.c.id.in_(ids))
                .order_by(_n.c.due_at, _n.c.id)
            ).all()
        )

    def claim(self, message_id: int, worker_id: str, now: datetime) -> None:
        self.connection.execute(
            sa.update(_n)
            .where(_n.c.id == message_id)
            .values(
                status="sending", claimed_by=worker_id, claimed_at=now, attempts=_n.c.attempts + 1
            )
        )

    def fail(self, message_id: int, error: str) -> None:
        self.connection.execute(
            sa.update(_n)
            .where(_n.c.id == message_id)
            .values(status="failed", last_error=error, claimed_by=None)
        )

    def give_back(self, message_ids: list[int], worker_id: str) -> None:
        """Claimed but not attempted: back to pending, the attempt not counted."""
        self.connection.execute(
            sa.update(_n)
            .where(_n.c.id.in_(message_ids), _n.c.status == "sending")
            .where(_n.c.claimed_by == worker_id)
            .values(status="pending", claimed_by=None, claimed_at=None, attempts=_n.c.attempts - 1)
        )

    def record(self, message_id: int, worker_id: str, values: dict[str, Any]) -> bool:
        """The outcome of a send, if this dispatcher still holds the claim."""
        result = self.connection.execute(
            sa.update(_n)
            .where(_n.c.id == message_id, _n.c.status == "sending")
            .where(_n.c.claimed_by == worker_id)
            .values(**values)
        )
        return result.rowcount > 0

    # --- the owner's view --------------------------------------------------------------------
    def messages(self, status: str | None, limit: int) -> list[Any]:
        query = sa.select(_n).order_by(_n.c.created_at.desc(), _n.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(_n.c.status == status)
        return list(self.connection.execute(query).all())

    def count_by_status(self) -> dict[str, int]:
        rows = self.connection.execute(
            sa.select(_n.c.status, sa.func.count()).group_by(_n.c.status)
        )
        return {row[0]: int(row[1]) for row in rows}
