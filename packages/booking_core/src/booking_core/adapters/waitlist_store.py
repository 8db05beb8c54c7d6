"""The waitlist: entries, the offers made to them, and the freed time still to match."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from booking_core.adapters import tables as t
from booking_core.domain.model import Client, WaitlistEntry, WaitlistOffer

_e, _o, _f, _c = t.waitlist_entries, t.waitlist_offers, t.freed_time, t.clients
_ENTRY_COLUMNS = (
    _e,
    _c.c.name.label("client_name"),
    _c.c.phone.label("client_phone"),
    _c.c.email.label("client_email"),
)
_ENTRY_FROM = _e.join(_c, _c.c.id == _e.c.client_id)
_INSERT_FREED = sa.insert(_f).inline()
_END_BOOKED = (
    sa.update(_e)
    .where(
        _e.c.client_id == sa.bindparam("entry_client"),
        _e.c.status == "active",
        _e.c.services_key == sa.bindparam("key"),
        _e.c.date_from <= sa.bindparam("day", type_=sa.Date),
        _e.c.date_to >= sa.bindparam("day", type_=sa.Date),
    )
    .values(status="booked", ended_at=sa.bindparam("now", type_=t.UTCDateTime))
)


def services_key(service_ids: Sequence[int]) -> str:
    return ",".join(str(s) for s in service_ids)


def _offer(row: Any) -> WaitlistOffer:
    return WaitlistOffer(
        id=row.id,
        entry_id=row.entry_id,
        start=row.start_at,
        provider_ids=tuple(row.provider_ids),
        status=row.status,
        sent_at=row.sent_at,
        expires_at=row.expires_at,
        appointment_id=row.appointment_id,
    )


def _entry(row: Any, offers: Sequence[WaitlistOffer] = ()) -> WaitlistEntry:
    return WaitlistEntry(
        id=row.id,
        client=Client(row.client_id, row.client_name, row.client_phone, row.client_email),
        service_ids=tuple(row.service_ids),
        provider_id=row.provider_id,
        date_from=row.date_from,
        date_to=row.date_to,
        earliest_time=row.earliest_time,
        latest_time=row.latest_time,
        status=row.status,
        created_at=row.created_at,
        offers=tuple(offers),
    )


class WaitlistStore:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    # --- entries -------------------------------------------------------------------------------
    def add_entry(self, values: dict[str, Any]) -> int:
        return int(
            self.connection.execute(sa.insert(_e).values(**values).returning(_e.c.id)).scalar_one()
        )

    def entry(self, entry_id: int, for_update: bool = False) -> WaitlistEntry | None:
        query = sa.select(*_ENTRY_COLUMNS).select_from(_ENTRY_FROM).where(_e.c.id == entry_id)
        if for_update and self.connection.dialect.name == "postgresql":
            query = query.with_for_update(of=_e)
        row = self.connection.execute(query).first()
        return _entry(row, self.offers([entry_id])) if row else None

    def active_entries(
        self,
        client_id: int | None = None,
        first: date | None = None,
        last: date | None = None,
        today: date | None = None,
        joined_by: datetime | None = None,
    ) -> list[WaitlistEntry]:
        """Active entries (of a client; overlapping local dates [first, last]; not ended before
        ``today``; joined by ``joined_by``), in the order they joined."""
        query = (
            sa.select(*_ENTRY_COLUMNS)
            .select_from(_ENTRY_FROM)
            .where(_e.c.status == "active")
            .order_by(_e.c.created_at, _e.c.id)
        )
        if client_id is not None:
            query = query.where(_e.c.client_id == client_id)
        if first is not None:
            query = query.where(_e.c.date_to >= first)
        if last is not None:
            query = query.where(_e.c.date_from <= last)
        if today is not None:
            query = query.where(_e.c.date_to >= today)
        if joined_by is not None:
            query = query.where(_e.c.created_at < joined_by)
        rows = self.connection.execute(query).all()
        offers = self._offers_by_entry([row.id for row in rows])
        return [_entry(row, offers.get(row.id, ())) for row in rows]

    def entries(
        self, on: date | None = None, service_id: int | None = None, limit: int = 500
    ) -> list[WaitlistEntry]:
        """Every entry (newest first), optionally those covering a local date."""
        query = (
            sa.select(*_ENTRY_COLUMNS)
            .select_from(_ENTRY_FROM)
            .order_by(_e.c.created_at.desc(), _e.c.id.desc())
            .limit(limit)
        )
        if on is not None:
            query = query.where(_e.c.date_from <= on, _e.c.date_to >= on)
        rows = [
            row
            for row in self.connection.execute(query).all()
            if service_id is None or service_id in row.service_ids
        ]
        offers = self._offers_by_entry([row.id for row in rows])
        return [_entry(row, offers.get(row.id, ())) for row in rows]

    def end_entry(self, entry_id: int, status: str, now: datetime) -> None:
        self.connection.execute(
            sa.update(_e)
            .where(_e.c.id == entry_id, _e.c.status == "active")
            .values(status=status, ended_at=now)
        )

    def end_entries_booked(
        self, client_id: int, service_ids: Sequence[int], day: date, now: datetime
    ) -> None:
        """A client booked a visit that local day: their active entries asking for exactly
        those services that day end (one statement, nothing read: the booking's pipeline does
        not wait for it)."""
        self.connection.execute(
            _END_BOOKED,
            {"entry_client": client_id, "key": services_key(service_ids), "day": day, "now": now},
        )

    def expire_entries(self, today: date, now: datetime) -> None:
        self.connection.execute(
            sa.update(_e)
            .where(_e.c.status == "active", _e.c.date_to < today)
            .values(status="expired", ended_at=now)
        )

    # --- offers --------------------------------------------------------------------------------
    def offers(self, entry_ids: Iterable[int]) -> list[WaitlistOffer]:
        ids = list(entry_ids)
        if not ids:
            return []
        rows = self.connection.execute(
            sa.select(_o).where(_o.c.entry_id.in_(ids)).order_by(_o.c.start_at, _o.c.id)
        )
        return [_offer(row) for row in rows]

    def _offers_by_entry(self, entry_ids: list[int]) -> dict[int, list[WaitlistOffer]]:
        found: dict[int, list[WaitlistOffer]] = {}
        for offer in self.offers(entry_ids):
            found.setdefault(offer.entry_id, []).append(offer)
        return found

    def offer(self, offer_id: int) -> WaitlistOffer | None:
        row = self.connection.execute(sa.select(_o).where(_o.c.id == offer_id)).first()
        return _offer(row) if row else None

    def add_offer(self, values: dict[str, Any]) -> int:
        return int(
            self.connection.execute(sa.insert(_o).values(**values).returning(_o.c.id)).scalar_one()
        )

    def mark_claimed(self, offer_id: int, appointment_id: str) -> None:
        self.connection.execute(
            sa.update(_o)
            .where(_o.c.id == offer_id)
            .values(status="claimed", appointment_id=appointment_id)
        )

    # --- freed time ----------------------------------------------------------------------------
    def record_freed(
        self, start: datetime, end: datetime, provider_id: int | None, now: datetime
    ) -> None:
        self.connection.execute(
            _INSERT_FREED,
            {"start_at": start, "end_at": end, "provider_id": provider_id, "created_at": now},
        )

    def take_freed(
        self, now: datetime, limit: int = 50
    ) -> list[tuple[datetime, datetime, int | None, datetime]]:
        """Unmatched freed time, marked matched (PostgreSQL: rows another dispatcher holds are
        skipped)."""
        pick = sa.select(
            _f.c.id, _f.c.start_at, _f.c.end_at, _f.c.provider_id, _f.c.created_at
        ).where(_f.c.processed_at.is_(None))
        pick = pick.order_by(_f.c.id).limit(limit)
        if self.connection.dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        rows = self.connection.execute(pick).all()
        if rows:
            self.connection.execute(
                sa.update(_f).where(_f.c.id.in_([r.id for r in rows])).values(processed_at=now)
            )
        return [(row.start_at, row.end_at, row.provider_id, row.created_at) for row in rows]
