"""The reads behind availability and bookings: a service with the providers offering it, and the
providers' calendars (their offer of the service, weekly hours, bookings, time off, closures)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
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
class ServiceOffer:
    """A service (None: no such service) and every provider offering it, active or not, with
    their own duration for it (None: the service's)."""

    service: Service | None
    offered: list[tuple[Provider, int | None]] = field(default_factory=list)


@dataclass(frozen=True)
class CalendarData:
    """Some providers' calendars for one service over a span of time."""

    offered: dict[int, tuple[bool, int | None]]  # provider id: (active, own duration)
    hours: list[WorkingHours]
    closures: list[Closure]
    time_off: list[TimeOff]
    busy: dict[int, list[tuple[datetime, datetime]]]


_s, _ps, _p, _wh = t.services, t.provider_services, t.providers, t.working_hours
_r, _off, _closed = t.reservations, t.time_off, t.closures
_p_ = sa.bindparam

# LEFT JOINs: a service nobody offers still comes back.
_SERVICE_OFFER = (
    sa.select(
        _s,
        _p.c.id.label("p_id"),
        _p.c.name.label("p_name"),
        _p.c.title.label("p_title"),
        _p.c.active.label("p_active"),
        _ps.c.duration_minutes.label("offered_minutes"),
    )
    .select_from(
        _s.outerjoin(_ps, _ps.c.service_id == _s.c.id).outerjoin(_p, _p.c.id == _ps.c.provider_id)
    )
    .where(_s.c.id == _p_("service_id"))
    .order_by(_p.c.id)
)

# The calendar read is one UNION ALL of rows tagged by ``kind``, each kind filling the columns
# it has (the others are typed NULLs): one statement, so one round trip under the locks.
_CALENDAR_COLUMNS: dict[str, Any] = {
    "provider_id": sa.Integer,
    "start_at": t.UTCDateTime,
    "end_at": t.UTCDateTime,
    "day": sa.Date,
    "reason": sa.String,
    "weekday": sa.Integer,
    "start_time": sa.Time,
    "end_time": sa.Time,
    "minutes": sa.Integer,
    "active": sa.Boolean,
}


def _calendar_rows(kind: str, table: Any, **columns: Any) -> sa.Select[Any]:
    values = [
        columns[name].label(name) if name in columns else sa.cast(sa.null(), type_).label(name)
        for name, type_ in _CALENDAR_COLUMNS.items()
    ]
    return sa.select(sa.literal(kind).label("kind"), *values).select_from(table)


def _calendar_statement() -> Any:
    ids: Any = _p_("ids", expanding=True)
    start, end = _p_("start", type_=t.UTCDateTime), _p_("end", type_=t.UTCDateTime)
    offers = _calendar_rows(
        "offer",
        _ps.join(_p, _p.c.id == _ps.c.provider_id),
        provider_id=_ps.c.provider_id,
        minutes=_ps.c.duration_minutes,
        active=_p.c.active,
    ).where(_ps.c.provider_id.in_(ids), _ps.c.service_id == _p_("service_id"))
    hours = _calendar_rows(
        "hours",
        _wh,
        provider_id=_wh.c.provider_id,
        weekday=_wh.c.weekday,
        start_time=_wh.c.start_time,
        end_time=_wh.c.end_time,
    ).where(_wh.c.provider_id.in_(ids))
    busy = _calendar_rows(
        "busy", _r, provider_id=_r.c.resource_id, start_at=_r.c.start_at, end_at=_r.c.end_at
    ).where(
        _r.c.resource_kind == ResourceKind.PROVIDER.value,
        _r.c.resource_id.in_(ids),
        # Bounded on both sides for the (kind, id, end_at) index: a busy interval is at most
        # LONGEST_BUSY long, so one overlapping the window ends before end + LONGEST_BUSY.
        _r.c.end_at > start,
        _r.c.end_at < _p_("latest_end", type_=t.UTCDateTime),
        _r.c.start_at < end,
    )
    time_off = _calendar_rows(
        "time_off",
        _off,
        provider_id=_off.c.provider_id,
        start_at=_off.c.start_at,
        end_at=_off.c.end_at,
        reason=_off.c.reason,
    ).where(_off.c.provider_id.in_(ids), _off.c.end_at > start, _off.c.start_at < end)
    closures = _calendar_rows(
        "closure", _closed, day=_closed.c.date, reason=_closed.c.reason
    ).where(_closed.c.date >= _p_("first"), _closed.c.date <= _p_("last"))
    return sa.union_all(offers, hours, busy, time_off, closures)


_CALENDAR = _calendar_statement()


class CalendarStore:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def service_offer(self, service_id: int) -> ServiceOffer:
        rows = self.connection.execute(_SERVICE_OFFER, {"service_id": service_id}).all()
        if not rows:
            return ServiceOffer(None)
        offered = [
            (Provider(row.p_id, row.p_name, row.p_title, row.p_active), row.offered_minutes)
            for row in rows
            if row.p_id is not None
        ]
        return ServiceOffer(mappers.service_from_row(rows[0]), offered)

    def calendars(
        self,
        service_id: int,
        provider_ids: Sequence[int],
        first: date,
        last: date,
        start: datetime,
        end: datetime,
    ) -> CalendarData:
        """The providers' offer of the service and weekly hours; closures over local dates
        [first, last]; their time off and busy time over [start, end)."""
        rows = self.connection.execute(
            _CALENDAR,
            {
                "service_id": service_id,
                "ids": list(provider_ids),
                "first": first,
                "last": last,
                "start": start,
                "end": end,
                "latest_end": end + LONGEST_BUSY,
            },
        ).all()
        data = CalendarData({}, [], [], [], defaultdict(list))
        for row in rows:
            _add_row(data, row)
        data.hours.sort(key=lambda h: (h.provider_id, h.weekday, h.start))
        data.time_off.sort(key=lambda entry: entry.start)
        return data


def _add_row(data: CalendarData, row: Any) -> None:
    if row.kind == "busy":
        data.busy[row.provider_id].append((row.start_at, row.end_at))
    elif row.kind == "hours":
        start: time = row.start_time
        data.hours.append(WorkingHours(row.provider_id, row.weekday, start, row.end_time))
    elif row.kind == "time_off":
        data.time_off.append(TimeOff(row.provider_id, row.start_at, row.end_at, row.reason))
    elif row.kind == "offer":
        data.offered[row.provider_id] = (bool(row.active), row.minutes)
    else:
        data.closures.append(Closure(row.day, row.reason))
