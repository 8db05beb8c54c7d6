"""The reads behind availability and bookings: a service with the providers offering it and
their hours (the schedule), and what blocks their time (bookings, time off, closures)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from booking_core.adapters import mappers
from booking_core.adapters import tables as t
from booking_core.domain.model import (
    LONGEST_BUSY,
    Closure,
    Provider,
    ResourceKind,
    Service,
    TimeOff,
    WorkingHours,
)


@dataclass(frozen=True)
class Schedule:
    """A service, every provider offering it (active or not) with their own duration for it,
    and those providers' weekly hours."""

    service: Service | None
    offered: list[tuple[Provider, int | None]] = field(default_factory=list)
    hours: list[WorkingHours] = field(default_factory=list)


@dataclass(frozen=True)
class BlockedTime:
    """Closed dates, time off and busy intervals per provider."""

    closures: list[Closure]
    time_off: list[TimeOff]
    busy: dict[int, list[tuple[datetime, datetime]]]


_s, _ps, _p, _wh = t.services, t.provider_services, t.providers, t.working_hours
_SCHEDULE = (
    sa.select(
        _s,
        _p.c.id.label("p_id"),
        _p.c.name.label("p_name"),
        _p.c.title.label("p_title"),
        _p.c.active.label("p_active"),
        _ps.c.duration_minutes.label("offered_minutes"),
        _wh.c.id.label("wh_id"),
        _wh.c.weekday,
        _wh.c.start_time,
        _wh.c.end_time,
    )
    # LEFT JOINs: a service nobody offers, or a provider with no hours, still comes back.
    .select_from(
        _s.outerjoin(_ps, _ps.c.service_id == _s.c.id)
        .outerjoin(_p, _p.c.id == _ps.c.provider_id)
        .outerjoin(_wh, _wh.c.provider_id == _p.c.id)
    )
    .where(_s.c.id == sa.bindparam("service_id"))
    .order_by(_p.c.id, _wh.c.weekday, _wh.c.start_time)
)
_r, _off, _closed = t.reservations, t.time_off, t.closures


def _no(type_: Any) -> Any:
    return sa.cast(sa.null(), type_)


def _blocked_time_statement() -> Any:
    """Busy time, time off and closures as one UNION ALL of rows tagged by ``kind``."""
    ids: Any = sa.bindparam("ids", expanding=True)
    start = sa.bindparam("start", type_=t.UTCDateTime)
    end = sa.bindparam("end", type_=t.UTCDateTime)
    busy = sa.select(
        sa.literal("busy").label("kind"),
        _r.c.resource_id.label("provider_id"),
        _r.c.start_at,
        _r.c.end_at,
        _no(sa.Date).label("day"),
        _no(sa.String).label("reason"),
    ).where(
        _r.c.resource_kind == ResourceKind.PROVIDER.value,
        _r.c.resource_id.in_(ids),
        # Bounded on both sides for the (kind, id, end_at) index: a busy interval is at most
        # LONGEST_BUSY long, so one overlapping the window ends before end + LONGEST_BUSY.
        _r.c.end_at > start,
        _r.c.end_at < sa.bindparam("latest_end", type_=t.UTCDateTime),
        _r.c.start_at < end,
    )
    time_off = sa.select(
        sa.literal("time_off"),
        _off.c.provider_id,
        _off.c.start_at,
        _off.c.end_at,
        _no(sa.Date),
        _off.c.reason,
    ).where(_off.c.provider_id.in_(ids), _off.c.end_at > start, _off.c.start_at < end)
    closed = sa.select(
        sa.literal("closure"),
        _no(sa.Integer),
        _no(t.UTCDateTime),
        _no(t.UTCDateTime),
        _closed.c.date,
        _closed.c.reason,
    ).where(_closed.c.date >= sa.bindparam("first"), _closed.c.date <= sa.bindparam("last"))
    return sa.union_all(busy, time_off, closed)


_BLOCKED_TIME = _blocked_time_statement()


class CalendarStore:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def schedule(self, service_id: int) -> Schedule:
        rows = self.connection.execute(_SCHEDULE, {"service_id": service_id}).all()
        if not rows:
            return Schedule(None)
        offered: dict[int, tuple[Provider, int | None]] = {}
        hours: list[WorkingHours] = []
        for row in rows:
            if row.p_id is None:
                continue
            if row.p_id not in offered:
                provider = Provider(row.p_id, row.p_name, row.p_title, row.p_active)
                offered[row.p_id] = (provider, row.offered_minutes)
            if row.wh_id is not None:
                hours.append(
                    WorkingHours(row.p_id, row.weekday, row.start_time, row.end_time, row.wh_id)
                )
        return Schedule(mappers.service_from_row(rows[0]), list(offered.values()), hours)

    def blocked_time(
        self, provider_ids: Sequence[int], first: date, last: date, start: datetime, end: datetime
    ) -> BlockedTime:
        """Closures over local dates [first, last]; the providers' time off and busy time over
        [start, end), in one statement."""
        rows = self.connection.execute(
            _BLOCKED_TIME,
            {
                "ids": list(provider_ids),
                "first": first,
                "last": last,
                "start": start,
                "end": end,
                "latest_end": end + LONGEST_BUSY,
            },
        ).all()
        blocked = BlockedTime([], [], defaultdict(list))
        for row in rows:
            if row.kind == "busy":
                blocked.busy[row.provider_id].append((row.start_at, row.end_at))
            elif row.kind == "time_off":
                blocked.time_off.append(
                    TimeOff(row.provider_id, row.start_at, row.end_at, row.reason)
                )
            else:
                blocked.closures.append(Closure(row.day, row.reason))
        blocked.time_off.sort(key=lambda entry: entry.start)
        return blocked
