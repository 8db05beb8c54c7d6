"""The business's set-up: providers, services, who offers what, weekly hours, time off,
closures, and the providers' calendar-feed tokens."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from booking_core.adapters import mappers
from booking_core.adapters import tables as t
from booking_core.domain.model import (
    Closure,
    FaqEntry,
    Offering,
    Provider,
    Resource,
    ResourceTimeOff,
    Service,
    TimeOff,
    WorkingHours,
)

_p, _s, _ps, _wh = t.providers, t.services, t.provider_services, t.working_hours
_off, _closed, _feeds = t.time_off, t.closures, t.provider_feed_tokens
_res, _res_off, _needs = t.resources, t.resource_time_off, t.service_resources
_texts, _faq = t.business_texts, t.faq_entries


class CatalogStore:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def _execute(self, statement: Any, params: Any = None) -> sa.CursorResult[Any]:
        return self.connection.execute(statement, params)

    # --- providers ---------------------------------------------------------------------------
    def get_provider(self, provider_id: int) -> Provider | None:
        row = self._execute(sa.select(_p).where(_p.c.id == provider_id)).first()
        return mappers.provider_from_row(row) if row else None

    def list_providers(self, active_only: bool = True) -> list[Provider]:
        query = sa.select(_p).order_by(_p.c.id)
        if active_only:
            query = query.where(_p.c.active.is_(True))
        return [mappers.provider_from_row(row) for row in self._execute(query)]

    def add_provider(self, name: str, title: str, active: bool, now: datetime) -> Provider:
        new_id = self._execute(
            sa.insert(_p)
            .values(name=name, title=title, active=active, created_at=now)
            .returning(_p.c.id)
        ).scalar_one()
        return Provider(id=new_id, name=name, title=title, active=active)

    def update_provider(self, provider_id: int, values: dict[str, Any]) -> None:
        if values:
            self._execute(sa.update(_p).where(_p.c.id == provider_id).values(**values))

    # --- services ----------------------------------------------------------------------------
    def get_service(self, service_id: int) -> Service | None:
        row = self._execute(sa.select(_s).where(_s.c.id == service_id)).first()
        return mappers.service_from_row(row) if row else None

    def list_services(self, active_only: bool = True) -> list[Service]:
        query = sa.select(_s).order_by(_s.c.id)
        if active_only:
            query = query.where(_s.c.active.is_(True))
        return [mappers.service_from_row(row) for row in self._execute(query)]

    def add_service(self, values: dict[str, Any], now: datetime) -> Service:
        row = self._execute(sa.insert(_s).values(**values, created_at=now).returning(_s)).one()
        return mappers.service_from_row(row)

    def update_service(self, service_id: int, values: dict[str, Any]) -> None:
        if values:
            self._execute(sa.update(_s).where(_s.c.id == service_id).values(**values))

    # --- offerings ---------------------------------------------------------------------------
    def offerings(
        self, service_id: int | None = None, provider_id: int | None = None
    ) -> list[Offering]:
        query = sa.select(_ps).order_by(_ps.c.provider_id, _ps.c.service_id)
        if service_id is not None:
            query = query.where(_ps.c.service_id == service_id)
        if provider_id is not None:
            query = query.where(_ps.c.provider_id == provider_id)
        return [mappers.offering_from_row(row) for row in self._execute(query)]

    def replace_offerings(self, provider_id: int, offerings: Sequence[Offering]) -> None:
        self._execute(sa.delete(_ps).where(_ps.c.provider_id == provider_id))
        if offerings:
            self._execute(
                sa.insert(_ps),
                [
                    {
                        "provider_id": provider_id,
                        "service_id": o.service_id,
                        "duration_minutes": o.duration_minutes,
                    }
                    for o in offerings
                ],
            )

    # --- working hours -----------------------------------------------------------------------
    def working_hours(self, provider_ids: Iterable[int] | None = None) -> list[WorkingHours]:
        query = sa.select(_wh).order_by(_wh.c.provider_id, _wh.c.weekday, _wh.c.start_time)
        if provider_ids is not None:
            query = query.where(_wh.c.provider_id.in_(list(provider_ids)))
        return [mappers.working_hours_from_row(row) for row in self._execute(query)]

    def replace_working_hours(self, provider_id: int, hours: Sequence[WorkingHours]) -> None:
        self._execute(sa.delete(_wh).where(_wh.c.provider_id == provider_id))
        if hours:
            self._execute(
                sa.insert(_wh), [mappers.working_hours_values(provider_id, h) for h in hours]
            )

    # --- time off and closures ---------------------------------------------------------------
    def time_off(
        self,
        provider_ids: Iterable[int] | None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[TimeOff]:
        query = sa.select(_off).order_by(_off.c.start_at)
        if provider_ids is not None:
            query = query.where(_off.c.provider_id.in_(list(provider_ids)))
        if start is not None:
            query = query.where(_off.c.end_at > start)
        if end is not None:
            query = query.where(_off.c.start_at < end)
        return [mappers.time_off_from_row(row) for row in self._execute(query)]

    def add_time_off(self, entry: TimeOff) -> TimeOff:
        new_id = self._execute(
            sa.insert(_off).values(mappers.time_off_values(entry)).returning(_off.c.id)
        ).scalar_one()
        return TimeOff(entry.provider_id, entry.start, entry.end, entry.reason, new_id)

    def delete_time_off(self, time_off_id: int) -> TimeOff | None:
        """Delete a provider's time off; what it was (None: no such entry)."""
        row = self._execute(sa.select(_off).where(_off.c.id == time_off_id)).first()
        if row is None:
            return None
        self._execute(sa.delete(_off).where(_off.c.id == time_off_id))
        return mappers.time_off_from_row(row)

    def closures(self, first: date | None = None, last: date | None = None) -> list[Closure]:
        query = sa.select(_closed).order_by(_closed.c.date)
        if first is not None:
            query = query.where(_closed.c.date >= first)
        if last is not None:
            query = query.where(_closed.c.date <= last)
        return [mappers.closure_from_row(row) for row in self._execute(query)]

    def add_closure(self, closure: Closure) -> bool:
        """Add a closed date, or give an existing one the new reason (False)."""
        changed = self._execute(
            sa.update(_closed).where(_closed.c.date == closure.date).values(reason=closure.reason)
        ).rowcount
        if changed:
            return False
        self._execute(sa.insert(_closed).values(date=closure.date, reason=closure.reason))
        return True

    def delete_closure(self, day: date) -> bool:
        return self._execute(sa.delete(_closed).where(_closed.c.date == day)).rowcount > 0

    # --- rooms and devices -------------------------------------------------------------------
    def get_resource(self, resource_id: int) -> Resource | None:
        row = self._execute(sa.select(_res).where(_res.c.id == resource_id)).first()
        return mappers.resource_from_row(row) if row else None

    def list_resources(self, ids: Iterable[int] | None = None) -> list[Resource]:
        query = sa.select(_res).order_by(_res.c.id)
        if ids is not None:
            query = query.where(_res.c.id.in_(list(ids)))
        return [mappers.resource_from_row(row) for row in self._execute(query)]

    def add_resource(self, name: str, kind: str, active: bool, now: datetime) -> Resource:
        row = self._execute(
            sa.insert(_res)
            .values(name=name, kind=kind, active=active, created_at=now)
            .returning(_res)
        ).one()
        return mappers.resource_from_row(row)

    def update_resource(self, resource_id: int, values: dict[str, Any]) -> None:
        if values:
            self._execute(sa.update(_res).where(_res.c.id == resource_id).values(**values))

    def resource_time_off(
        self,
        resource_id: int | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ResourceTimeOff]:
        """A resource's time off (None: every resource's), optionally overlapping [start, end)."""
        query = sa.select(_res_off).order_by(_res_off.c.start_at)
        if resource_id is not None:
            query = query.where(_res_off.c.resource_id == resource_id)
        if start is not None:
            query = query.where(_res_off.c.end_at > start)
        if end is not None:
            query = query.where(_res_off.c.start_at < end)
        return [mappers.resource_time_off_from_row(row) for row in self._execute(query)]

    def add_resource_time_off(self, entry: ResourceTimeOff) -> ResourceTimeOff:
        new_id = self._execute(
            sa.insert(_res_off)
            .values(mappers.resource_time_off_values(entry))
            .returning(_res_off.c.id)
        ).scalar_one()
        return ResourceTimeOff(entry.resource_id, entry.start, entry.end, entry.reason, new_id)

    def delete_resource_time_off(self, time_off_id: int) -> ResourceTimeOff | None:
        """Delete a resource's time off; what it was (None: no such entry)."""
        row = self._execute(sa.select(_res_off).where(_res_off.c.id == time_off_id)).first()
        if row is None:
            return None
        self._execute(sa.delete(_res_off).where(_res_off.c.id == time_off_id))
        return mappers.resource_time_off_from_row(row)

    def resource_groups(self, service_id: int) -> list[list[int]]:
        """What the service needs: groups of alternative resource ids, in group order."""
        rows = self._execute(
            sa.select(_needs.c.group_no, _needs.c.resource_id)
            .where(_needs.c.service_id == service_id)
            .order_by(_needs.c.group_no, _needs.c.resource_id)
        )
        groups: dict[int, list[int]] = {}
        for row in rows:
            groups.setdefault(row.group_no, []).append(row.resource_id)
        return list(groups.values())

    def replace_resource_groups(self, service_id: int, groups: Sequence[Sequence[int]]) -> None:
        self._execute(sa.delete(_needs).where(_needs.c.service_id == service_id))
        rows = [
            {"service_id": service_id, "group_no": number, "resource_id": resource_id}
            for number, group in enumerate(groups)
            for resource_id in group
        ]
        if rows:
            self._execute(sa.insert(_needs), rows)

    # --- the owner's texts for callers ---------------------------------------------------------
    def business_text(self, key: str) -> str:
        found = self._execute(sa.select(_texts.c.text).where(_texts.c.key == key)).scalar()
        return str(found or "")

    def set_business_text(self, key: str, text: str) -> None:
        self._execute(sa.delete(_texts).where(_texts.c.key == key))
        if text:
            self._execute(sa.insert(_texts).values(key=key, text=text))

    def faq(self) -> list[FaqEntry]:
        rows = self._execute(sa.select(_faq).order_by(_faq.c.position))
        return [FaqEntry(row.question, row.answer) for row in rows]

    def replace_faq(self, entries: Sequence[FaqEntry]) -> None:
        self._execute(sa.delete(_faq))
        if entries:
            self._execute(
                sa.insert(_faq),
                [
                    {"position": i, "question": e.question, "answer": e.answer}
                    for i, e in enumerate(entries)
                ],
            )

    # --- calendar feed tokens ----------------------------------------------------------------
    def feed_token_hash(self, provider_id: int) -> str | None:
        found: str | None = self._execute(
            sa.select(_feeds.c.token_hash).where(_feeds.c.provider_id == provider_id)
        ).scalar_one_or_none()
        return found

    def replace_feed_token(self, provider_id: int, token_hash: str, now: datetime) -> None:
        self.delete_feed_token(provider_id)
        self._execute(
            sa.insert(_feeds).values(provider_id=provider_id, token_hash=token_hash, created_at=now)
        )

    def delete_feed_token(self, provider_id: int) -> bool:
        return (
            self._execute(sa.delete(_feeds).where(_feeds.c.provider_id == provider_id)).rowcount > 0
        )
