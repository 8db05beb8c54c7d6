"""The reads behind availability and bookings: services with the providers offering them and the
resources they need, and the calendars (the providers' offer of the services, weekly hours,
bookings, time off; closures; the resources' state, bookings and time off)."""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from booking_core.adapters import mappers
from booking_core.adapters import tables as t
from booking_core.domain.model import (
    LONGEST_BUSY,
    RESOURCE_KINDS,
    Closure,
    Provider,
    Resource,
    ResourceKind,
    Service,
    TimeOff,
    WorkingHours,
)


@dataclass(frozen=True)
class ServiceOffer:
    """A service (None: no such service), every provider offering it, active or not, with
    their own duration for it (None: the service's), and the resources it needs: groups of
    alternative resource ids."""

    service: Service | None
    offered: list[tuple[Provider, int | None]] = field(default_factory=list)
    groups: list[list[int]] = field(default_factory=list)


Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class CalendarSpan:
    """What a calendar read covers: closures over local dates [first, last], busy time and
    time off over [start, end)."""

    first: date
    last: date
    start: datetime
    end: datetime


@dataclass(frozen=True)
class CalendarData:
    """Some providers' and resources' calendars for some services over a span of time."""

    offered: dict[tuple[int, int], tuple[bool, int | None]]  # (provider, service): (active, own)
    hours: list[WorkingHours]
    closures: list[Closure]
    time_off: list[TimeOff]
    busy: dict[int, list[Interval]]
    resources: dict[int, Resource] = field(default_factory=dict)
    resource_busy: dict[int, list[Interval]] = field(default_factory=lambda: defaultdict(list))
    resource_off: dict[int, list[Interval]] = field(default_factory=lambda: defaultdict(list))
    catalog_version: int | None = None  # see ``catalog_version_statement``


_s, _ps, _p, _wh = t.services, t.provider_services, t.providers, t.working_hours
_r, _off, _closed = t.reservations, t.time_off, t.closures
_res, _res_off, _needs = t.resources, t.resource_time_off, t.service_resources
_p_ = sa.bindparam
_RESOURCE_KIND_VALUES = [kind.value for kind in RESOURCE_KINDS]


def _catalog_version() -> Any:
    """The catalog's version: the sum of its tables' counters (migration 0008). Every change
    to them adds one to a counter (or a row at 1) in the writing transaction, so the sum grows
    with every committed change and never comes back."""
    names: list[Any] = [sa.literal_column(f"'{name}'") for name in t.SCHEDULE_CATALOG_TABLES]
    version = sa.func.coalesce(sa.func.sum(t.schedule_versions.c.version), 0)
    return sa.select(sa.cast(version, sa.BigInteger)).where(t.schedule_versions.c.key.in_(names))


_CATALOG_VERSION = _catalog_version().scalar_subquery()


def _service_offer_statement() -> Any:
    """Offer rows (LEFT JOINs: a service nobody offers still comes back), requirement rows and
    the catalog's version, tagged by ``kind``: one statement."""
    ids: Any = _p_("service_ids", expanding=True)
    offers = (
        sa.select(
            sa.literal("offer").label("kind"),
            *_s.c,
            _p.c.id.label("p_id"),
            _p.c.name.label("p_name"),
            _p.c.title.label("p_title"),
            _p.c.active.label("p_active"),
            _ps.c.duration_minutes.label("offered_minutes"),
            sa.cast(sa.null(), sa.Integer).label("group_no"),
            sa.cast(sa.null(), sa.Integer).label("resource_id"),
            sa.cast(sa.null(), sa.BigInteger).label("version"),
        )
        .select_from(
            _s.outerjoin(_ps, _ps.c.service_id == _s.c.id).outerjoin(
                _p, _p.c.id == _ps.c.provider_id
            )
        )
        .where(_s.c.id.in_(ids))
    )
    service_nulls = [
        _needs.c.service_id.label("id")
        if column.name == "id"
        else sa.cast(sa.null(), column.type).label(column.name)
        for column in _s.c
    ]
    needs = sa.select(
        sa.literal("requirement").label("kind"),
        *service_nulls,
        sa.cast(sa.null(), sa.Integer).label("p_id"),
        sa.cast(sa.null(), sa.String).label("p_name"),
        sa.cast(sa.null(), sa.String).label("p_title"),
        sa.cast(sa.null(), sa.Boolean).label("p_active"),
        sa.cast(sa.null(), sa.Integer).label("offered_minutes"),
        _needs.c.group_no,
        _needs.c.resource_id,
        sa.cast(sa.null(), sa.BigInteger).label("version"),
    ).where(_needs.c.service_id.in_(ids))
    null_columns = [sa.cast(sa.null(), c.type).label(c.name) for c in needs.selected_columns]
    version = sa.select(
        sa.literal("version").label("kind"), *null_columns[1:-1], _CATALOG_VERSION.label("version")
    )
    union = sa.union_all(offers, needs, version).subquery()
    return sa.select(union).order_by(union.c.p_id, union.c.group_no, union.c.resource_id)


_SERVICE_OFFERS = _service_offer_statement()

# A calendar read is two UNION ALLs of rows tagged by ``kind``, each kind filling the columns it
# has (the others are typed NULLs): the busy time, read every time, and the rest (the catalog:
# offers, hours, time off, closures, rooms and devices), kept per process and read again only
# when the catalog's version, which comes with the busy time, has changed.
_CALENDAR_COLUMNS: dict[str, Any] = {
    "owner_id": sa.Integer,  # the provider or resource a row is about
    "start_at": t.UTCDateTime,
    "end_at": t.UTCDateTime,
    "day": sa.Date,
    "reason": sa.String,
    "weekday": sa.Integer,
    "start_time": sa.Time,
    "end_time": sa.Time,
    "minutes": sa.Integer,
    "active": sa.Boolean,
    "service_id": sa.Integer,
    "name": sa.String,
    "resource_kind": sa.String,
    "version": sa.BigInteger,
}


def _calendar_rows(kind: str, table: Any, **columns: Any) -> sa.Select[Any]:
    values = [
        columns[name].label(name) if name in columns else sa.cast(sa.null(), type_).label(name)
        for name, type_ in _CALENDAR_COLUMNS.items()
    ]
    rows = sa.select(sa.literal(kind).label("kind"), *values)
    return rows if table is None else rows.select_from(table)


_IDS: Any = _p_("ids", expanding=True)  # providers
_RESOURCE_IDS: Any = _p_("resource_ids", expanding=True)
_START, _END = _p_("start", type_=t.UTCDateTime), _p_("end", type_=t.UTCDateTime)


def _version_row() -> sa.Select[Any]:
    return _calendar_rows("version", None, version=_CATALOG_VERSION)


def _busy_statement() -> Any:
    """The catalog's version, and the providers' and resources' busy time over the span."""
    latest_end = _p_("latest_end", type_=t.UTCDateTime)

    def busy(kind: str, owner_kinds: Any, owner_ids: Any) -> sa.Select[Any]:
        return _calendar_rows(
            kind, _r, owner_id=_r.c.resource_id, start_at=_r.c.start_at, end_at=_r.c.end_at
        ).where(
            owner_kinds,
            _r.c.resource_id.in_(owner_ids),
            # Bounded on both sides for the (kind, id, end_at) index: a busy interval is at
            # most LONGEST_BUSY long, so one overlapping the span ends before end + LONGEST_BUSY.
            _r.c.end_at > _START,
            _r.c.end_at < latest_end,
            _r.c.start_at < _END,
        )

    return sa.union_all(
        _version_row(),
        busy("busy", _r.c.resource_kind == ResourceKind.PROVIDER.value, _IDS),
        busy("resource_busy", _r.c.resource_kind.in_(_RESOURCE_KIND_VALUES), _RESOURCE_IDS),
    )


def _catalog_statement() -> Any:
    """The catalog's version, and the rest of the calendars: the providers' offer of the
    services, their weekly hours and time off; closures; the resources and their time off."""
    offers = _calendar_rows(
        "offer",
        _ps.join(_p, _p.c.id == _ps.c.provider_id),
        owner_id=_ps.c.provider_id,
        service_id=_ps.c.service_id,
        minutes=_ps.c.duration_minutes,
        active=_p.c.active,
    ).where(_ps.c.provider_id.in_(_IDS), _ps.c.service_id.in_(_p_("service_ids", expanding=True)))
    hours = _calendar_rows(
        "hours",
        _wh,
        owner_id=_wh.c.provider_id,
        weekday=_wh.c.weekday,
        start_time=_wh.c.start_time,
        end_time=_wh.c.end_time,
    ).where(_wh.c.provider_id.in_(_IDS))
    resources = _calendar_rows(
        "resource",
        _res,
        owner_id=_res.c.id,
        name=_res.c.name,
        resource_kind=_res.c.kind,
        active=_res.c.active,
    ).where(_res.c.id.in_(_RESOURCE_IDS))
    resource_off = _calendar_rows(
        "resource_off",
        _res_off,
        owner_id=_res_off.c.resource_id,
        start_at=_res_off.c.start_at,
        end_at=_res_off.c.end_at,
    ).where(
        _res_off.c.resource_id.in_(_RESOURCE_IDS),
        _res_off.c.end_at > _START,
        _res_off.c.start_at < _END,
    )
    time_off = _calendar_rows(
        "time_off",
        _off,
        owner_id=_off.c.provider_id,
        start_at=_off.c.start_at,
        end_at=_off.c.end_at,
        reason=_off.c.reason,
    ).where(_off.c.provider_id.in_(_IDS), _off.c.end_at > _START, _off.c.start_at < _END)
    closures = _calendar_rows(
        "closure", _closed, day=_closed.c.date, reason=_closed.c.reason
    ).where(_closed.c.date >= _p_("first"), _closed.c.date <= _p_("last"))
    return sa.union_all(_version_row(), offers, hours, time_off, closures, resources, resource_off)


_BUSY = _busy_statement()
_CATALOG = _catalog_statement()


def _marker_statement() -> Any:
    """One row of numbers that changes whenever an appointment, a closure, time off (of a
    provider or a resource), working hours or a resource changes: every table's row count and
    newest id (a deletion changes the count, an insertion the id; replaced hours get new ids)."""
    parts: list[Any] = [sa.select(sa.func.max(t.appointment_events.c.id)).scalar_subquery()]
    for table in (t.time_off, t.resource_time_off, t.working_hours, t.resources):
        parts.append(sa.select(sa.func.count()).select_from(table).scalar_subquery())
        parts.append(sa.select(sa.func.max(table.c.id)).scalar_subquery())
    parts.append(sa.select(sa.func.count()).select_from(_closed).scalar_subquery())
    parts.append(sa.select(sa.func.max(_closed.c.date)).scalar_subquery())
    active = sa.select(sa.func.count()).select_from(_res).where(_res.c.active.is_(True))
    parts.append(active.scalar_subquery())  # a room or device (de)activated
    return sa.select(*parts)


_MARKER = _marker_statement()


@dataclass(frozen=True)
class ScheduleDependencies:
    """What an availability answer was worked out from: the catalog, and the busy time of these
    owners ("provider:3", "resource:2") on the UTC dates [first, last]."""

    owners: frozenset[str]
    first: date
    last: date

    @cached_property
    def version_query(self) -> tuple[Any, dict[str, str]]:
        """The statement and parameters of ``CalendarStore.schedule_version``: plain SQL, made
        once per answer kept (it is run on every reuse)."""
        params = {f"c{n}": name for n, name in enumerate(t.SCHEDULE_CATALOG_TABLES)}
        where = [f"key IN ({', '.join(':' + name for name in params)})"]
        for n, owner in enumerate(sorted(self.owners)):
            params[f"lo{n}"] = f"{owner}:{self.first.isoformat()}"
            params[f"hi{n}"] = f"{owner}:{self.last.isoformat()}"
            where.append(f"key BETWEEN :lo{n} AND :hi{n}")
        statement = sa.text(
            "SELECT count(*), coalesce(sum(version), 0) FROM schedule_versions WHERE "
            + " OR ".join(where)
        )
        return statement, params


class KeptCatalog:
    """Catalog rows a process read (who offers what, hours, time off, closures, rooms and
    devices), each with the catalog version it was read at: reused only while that version is
    the current one, which every calendar read checks (it comes with the busy time). Bounded
    and thread-safe; its values are never changed once kept."""

    def __init__(self, max_entries: int = 256) -> None:
        self._entries: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, key: Hashable) -> tuple[int, Any] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, version: int, value: Any) -> None:
        with self._lock:
            self._entries[key] = (version, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)


class CalendarStore:
    def __init__(self, connection: sa.Connection, kept: KeptCatalog | None = None) -> None:
        self.connection = connection
        self.kept = kept

    def change_marker(self) -> str:
        """Changes whenever anything a calendar shows changes (see ``_marker_statement``)."""
        row = self.connection.execute(_MARKER).one()
        return "-".join(str(value or 0) for value in row)

    def schedule_version(self, depends: ScheduleDependencies) -> tuple[int, int]:
        """Changes whenever a committed transaction changed something ``depends`` names (the
        triggers of migration 0008 bump ``schedule_versions`` inside the writing transaction).
        Every counter only grows and a first change adds a row: (rows, sum) changes with any
        bump among them."""
        statement, params = depends.version_query
        rows, total = self.connection.execute(statement, params).one()
        return int(rows), int(total)

    def service_offers(
        self, service_ids: Sequence[int], reuse: bool = False
    ) -> tuple[dict[int, ServiceOffer], int]:
        """Each service (None: no such service) with who offers it and what it needs, and the
        catalog version they were read at. ``reuse``: as kept at the version last read, which
        the caller checks against a calendar read's (``CalendarData.catalog_version``)."""
        key = ("offers", tuple(service_ids))
        if reuse and self.kept is not None and (found := self.kept.get(key)) is not None:
            return found[1], found[0]
        rows = self.connection.execute(_SERVICE_OFFERS, {"service_ids": list(service_ids)}).all()
        services: dict[int, Service] = {}
        offered: dict[int, list[tuple[Provider, int | None]]] = defaultdict(list)
        groups: dict[int, dict[int, list[int]]] = defaultdict(dict)
        version = 0
        for row in rows:
            if row.kind == "version":
                version = int(row.version)
            elif row.kind == "requirement":
                groups[row.id].setdefault(row.group_no, []).append(row.resource_id)
            else:
                services.setdefault(row.id, mappers.service_from_row(row))
                if row.p_id is not None:
                    provider = Provider(row.p_id, row.p_name, row.p_title, row.p_active)
                    offered[row.id].append((provider, row.offered_minutes))
        offers = {
            service_id: ServiceOffer(
                services.get(service_id),
                offered[service_id],
                [group for _, group in sorted(groups[service_id].items())],
            )
            for service_id in service_ids
        }
        if self.kept is not None:
            self.kept.put(key, version, offers)
        return offers, version

    def calendars(
        self,
        service_ids: Sequence[int],
        provider_ids: Sequence[int],
        resource_ids: Sequence[int],
        span: CalendarSpan,
    ) -> CalendarData:
        """The providers' offer of the services and weekly hours; closures over local dates
        [span.first, span.last]; their time off and busy time over [span.start, span.end); the
        resources' state, busy time and time off over the same span.

        The busy time is read every time, with the catalog's version; the rest is read again
        only when that version is not the one it was kept at (one statement, most times)."""
        ids = {"ids": list(provider_ids), "resource_ids": list(resource_ids)}
        rows = self.connection.execute(
            _BUSY,
            {**ids, "start": span.start, "end": span.end, "latest_end": span.end + LONGEST_BUSY},
        ).all()
        version, busy, resource_busy = 0, defaultdict(list), defaultdict(list)
        for row in rows:
            if row.kind == "busy":
                busy[row.owner_id].append((row.start_at, row.end_at))
            elif row.kind == "resource_busy":
                resource_busy[row.owner_id].append((row.start_at, row.end_at))
            else:
                version = int(row.version)
        if self.kept is None:
            return replace(
                self._catalog(service_ids, ids, span), busy=busy, resource_busy=resource_busy
            )
        # Kept per block of dates, so that every question about those days shares one read.
        block = _block_around(span)
        key = ("calendar", tuple(service_ids), tuple(provider_ids), tuple(resource_ids), block)
        found = self.kept.get(key)
        if found is not None and found[0] == version:
            catalog: CalendarData = found[1]
        else:
            catalog = self._catalog(service_ids, ids, block)
            if catalog.catalog_version is not None:
                self.kept.put(key, catalog.catalog_version, catalog)
        return _within(catalog, span, busy, resource_busy)

    def _catalog(
        self, service_ids: Sequence[int], ids: dict[str, list[int]], span: CalendarSpan
    ) -> CalendarData:
        rows = self.connection.execute(
            _CATALOG,
            {
                **ids,
                "service_ids": list(service_ids),
                "first": span.first,
                "last": span.last,
                "start": span.start,
                "end": span.end,
            },
        ).all()
        data = CalendarData({}, [], [], [], defaultdict(list))
        version = None
        for row in rows:
            if row.kind == "version":
                version = int(row.version)
            else:
                _add_row(data, row)
        data.hours.sort(key=lambda h: (h.provider_id, h.weekday, h.start))
        data.time_off.sort(key=lambda entry: entry.start)
        return replace(data, catalog_version=version)


_BLOCK_DAYS = 28


def _block_around(span: CalendarSpan) -> CalendarSpan:
    """The aligned blocks of ``_BLOCK_DAYS`` dates holding ``span``'s dates, with UTC bounds
    that hold their local days in any time zone (offsets are within a day)."""
    first = span.first.toordinal() - span.first.toordinal() % _BLOCK_DAYS
    last = span.last.toordinal() - span.last.toordinal() % _BLOCK_DAYS + _BLOCK_DAYS - 1
    return CalendarSpan(
        first=date.fromordinal(first),
        last=date.fromordinal(last),
        start=datetime.combine(date.fromordinal(first - 1), time(), UTC),
        end=datetime.combine(date.fromordinal(last + 2), time(), UTC),
    )


def _within(
    catalog: CalendarData,
    span: CalendarSpan,
    busy: dict[int, list[Interval]],
    resource_busy: dict[int, list[Interval]],
) -> CalendarData:
    """A block's catalog rows cut to ``span`` as its own read would have found them, with the
    busy time read for it."""
    start, end = span.start, span.end
    return replace(
        catalog,
        closures=[c for c in catalog.closures if span.first <= c.date <= span.last],
        time_off=[entry for entry in catalog.time_off if entry.end > start and entry.start < end],
        resource_off={
            owner: [(a, b) for a, b in intervals if b > start and a < end]
            for owner, intervals in catalog.resource_off.items()
        },
        busy=busy,
        resource_busy=resource_busy,
    )


def _add_row(data: CalendarData, row: Any) -> None:
    if row.kind == "busy":
        data.busy[row.owner_id].append((row.start_at, row.end_at))
    elif row.kind == "hours":
        start: time = row.start_time
        data.hours.append(WorkingHours(row.owner_id, row.weekday, start, row.end_time))
    elif row.kind == "time_off":
        data.time_off.append(TimeOff(row.owner_id, row.start_at, row.end_at, row.reason))
    elif row.kind == "offer":
        data.offered[(row.owner_id, row.service_id)] = (bool(row.active), row.minutes)
    elif row.kind == "closure":
        data.closures.append(Closure(row.day, row.reason))
    elif row.kind == "resource_busy":
        data.resource_busy[row.owner_id].append((row.start_at, row.end_at))
    elif row.kind == "resource_off":
        data.resource_off[row.owner_id].append((row.start_at, row.end_at))
    else:
        kind = ResourceKind(row.resource_kind)
        data.resources[row.owner_id] = Resource(row.owner_id, row.name, kind, row.active)
