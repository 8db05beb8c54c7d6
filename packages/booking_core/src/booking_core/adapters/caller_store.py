"""What the AI receptionist keeps about callers: one-time verification codes, calls counted per
caller and minute, and callback requests for the front desk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from booking_core.adapters import mappers
from booking_core.adapters import tables as t
from booking_core.domain.model import Callback

_codes, _counters, _callbacks = t.verification_codes, t.call_counters, t.callbacks


def _count_call(insert: Any) -> Any:
    statement = insert(_counters).values(calls=1)
    return statement.on_conflict_do_update(
        index_elements=[_counters.c.caller_key, _counters.c.window_start],
        set_={"calls": _counters.c.calls + 1},
    ).returning(_counters.c.calls)


_COUNT_CALL = {"postgresql": _count_call(postgresql.insert), "sqlite": _count_call(sqlite.insert)}


class CallerStore:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    # --- verification codes --------------------------------------------------------------------
    def add_code(self, phone: str, now: datetime, expires_at: datetime) -> int:
        return int(
            self.connection.execute(
                sa.insert(_codes)
                .values(phone=phone, created_at=now, expires_at=expires_at, attempts=0)
                .returning(_codes.c.id)
            ).scalar_one()
        )

    def codes_sent_since(self, phone: str, since: datetime) -> list[datetime]:
        """When each code for this phone was created since ``since``, oldest first."""
        return list(
            self.connection.execute(
                sa.select(_codes.c.created_at)
                .where(_codes.c.phone == phone, _codes.c.created_at >= since)
                .order_by(_codes.c.created_at)
            ).scalars()
        )

    def live_codes(self, phone: str, now: datetime, max_attempts: int) -> list[int]:
        """Ids of this phone's codes that may still be tried: unused, unexpired, tries left."""
        return list(
            self.connection.execute(
                sa.select(_codes.c.id)
                .where(
                    _codes.c.phone == phone,
                    _codes.c.used_at.is_(None),
                    _codes.c.expires_at > now,
                    _codes.c.attempts < max_attempts,
                )
                .order_by(_codes.c.id.desc())
            ).scalars()
        )

    def use_code(self, code_id: int, now: datetime) -> None:
        self.connection.execute(sa.update(_codes).where(_codes.c.id == code_id).values(used_at=now))

    def count_wrong_try(self, code_ids: list[int]) -> None:
        if code_ids:
            self.connection.execute(
                sa.update(_codes)
                .where(_codes.c.id.in_(code_ids))
                .values(attempts=_codes.c.attempts + 1)
            )

    # --- calls per minute ----------------------------------------------------------------------
    def count_call(self, caller_key: str, window_start: datetime) -> int:
        """Count one call in the caller's window; the window's calls so far."""
        statement = _COUNT_CALL[self.connection.dialect.name]
        return int(
            self.connection.execute(
                statement, {"caller_key": caller_key, "window_start": window_start}
            ).scalar_one()
        )

    def forget_calls_before(self, moment: datetime) -> None:
        self.connection.execute(sa.delete(_counters).where(_counters.c.window_start < moment))

    # --- callbacks -----------------------------------------------------------------------------
    def add_callback(self, name: str, phone: str, reason: str, now: datetime) -> Callback:
        row = self.connection.execute(
            sa.insert(_callbacks)
            .values(
                client_name=name, client_phone=phone, reason=reason, status="open", created_at=now
            )
            .returning(_callbacks)
        ).one()
        return mappers.callback_from_row(row)

    def callbacks(self, status: str | None = None, limit: int = 200) -> list[Callback]:
        query = sa.select(_callbacks).order_by(
            _callbacks.c.created_at.desc(), _callbacks.c.id.desc()
        )
        if status is not None:
            query = query.where(_callbacks.c.status == status)
        return [
            mappers.callback_from_row(row) for row in self.connection.execute(query.limit(limit))
        ]

    def mark_callback_done(self, callback_id: int, now: datetime) -> Callback | None:
        self.connection.execute(
            sa.update(_callbacks)
            .where(_callbacks.c.id == callback_id, _callbacks.c.status == "open")
            .values(status="done", done_at=now)
        )
        row = self.connection.execute(
            sa.select(_callbacks).where(_callbacks.c.id == callback_id)
        ).first()
        return mappers.callback_from_row(row) if row else None
