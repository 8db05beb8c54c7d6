"""Rooms and devices (admin): the resources, their time off, and what each service needs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from booking_core.domain.model import (
    MAX_ID,
    RESOURCE_KINDS,
    Appointment,
    Resource,
    ResourceKind,
    ResourceTimeOff,
)
from booking_core.domain.timezones import parse_instant
from booking_core.errors import NotFound, ResourceHasFutureBookings, ValidationFailed
from booking_core.services.business import require_name
from booking_core.services.unit_of_work import Transaction, UnitOfWork
from booking_core.services.waitlist import record_freed

#: The most groups (kinds of thing) one service may need, and resources in one group.
MAX_GROUPS = 5
MAX_GROUP_SIZE = 20


def list_resources(uow: UnitOfWork) -> list[Resource]:
    with uow.begin() as tx:
        return tx.catalog.list_resources()


def create_resource(uow: UnitOfWork, name: str, kind: str, active: bool = True) -> Resource:
    clean_name, clean_kind = require_name(name), _resource_kind(kind)
    return uow.run(
        lambda tx: tx.catalog.add_resource(clean_name, clean_kind.value, active, uow.now())
    )


def update_resource(
    uow: UnitOfWork,
    resource_id: int,
    *,
    name: str | None = None,
    active: bool | None = None,
    kind: str | None = None,
) -> Resource:
    """Rename or (de)activate a resource (its kind is fixed). Deactivating one that upcoming
    bookings hold is refused, with the list."""
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = require_name(name)
    if active is not None:
        values["active"] = active

    def work(tx: Transaction) -> Resource:
        resource = _existing_resource(tx, resource_id)
        if kind is not None and _resource_kind(kind) is not resource.kind:
            raise ValidationFailed(
                f"A resource's kind is fixed: {resource.name} stays a {resource.kind.value}. "
                "Add a new resource instead.",
                fields={"kind": "cannot change"},
            )
        if active is False and resource.active:
            tx.bookings.lock([("resource", resource_id)])  # bookings read it under this lock
            held = tx.bookings.booked_holding(resource.kind.value, resource_id, uow.now())
            _refuse_if_held(uow, resource, held, "deactivate it")
        tx.catalog.update_resource(resource_id, values)
        return _existing_resource(tx, resource_id)

    return uow.run(work)


def service_resource_groups(uow: UnitOfWork, service_id: int) -> list[list[int]]:
    """What a service needs besides its provider: groups of resource ids, one of each group."""
    with uow.begin() as tx:
        _existing_service(tx, service_id)
        return tx.catalog.resource_groups(service_id)


def set_service_resource_groups(
    uow: UnitOfWork, service_id: int, groups: Sequence[Sequence[int]]
) -> list[list[int]]:
    """Replace what a service needs: ``[[1, 2], [3]]`` is one of resources 1 and 2, and 3.
    New bookings follow it; existing ones keep what they reserved."""
    clean = _clean_groups(groups)

    def work(tx: Transaction) -> list[list[int]]:
        _existing_service(tx, service_id)
        known = {r.id for r in tx.catalog.list_resources({r for g in clean for r in g})}
        unknown = sorted({r for group in clean for r in group} - known)
        if unknown:
            raise NotFound(f"Unknown resource id(s): {unknown}.", resource="resource")
        tx.catalog.replace_resource_groups(service_id, clean)
        return tx.catalog.resource_groups(service_id)

    return uow.run(work)


def list_resource_time_off(uow: UnitOfWork, resource_id: int) -> list[ResourceTimeOff]:
    with uow.begin() as tx:
        _existing_resource(tx, resource_id)
        return [_local(e, uow) for e in tx.catalog.resource_time_off(resource_id)]


def add_resource_time_off(
    uow: UnitOfWork,
    resource_id: int,
    start: datetime | str,
    end: datetime | str,
    reason: str = "",
) -> ResourceTimeOff:
    """Take a resource out of use (maintenance). Refused, with the list, over bookings."""
    start_utc = parse_instant(start, uow.tz, "start")
    end_utc = parse_instant(end, uow.tz, "end")
    if end_utc <= start_utc:
        raise ValidationFailed("Time off must end after it starts.", fields={"end": "before start"})

    def work(tx: Transaction) -> ResourceTimeOff:
        resource = _existing_resource(tx, resource_id)
        tx.bookings.lock([("resource", resource_id)])
        held = tx.bookings.booked_holding(resource.kind.value, resource_id, start_utc, end_utc)
        _refuse_if_held(uow, resource, held, "take it out of use then")
        entry = ResourceTimeOff(resource_id, start_utc, end_utc, reason.strip())
        return tx.catalog.add_resource_time_off(entry)

    return _local(uow.run(work), uow)


def delete_resource_time_off(uow: UnitOfWork, time_off_id: int) -> None:
    def work(tx: Transaction) -> None:
        removed = (
            tx.catalog.delete_resource_time_off(time_off_id) if 0 < time_off_id <= MAX_ID else None
        )
        if removed is None:
            raise NotFound("We could not find that time off.", resource="time_off")
        record_freed(tx, removed.start, removed.end, uow.now())  # for the waitlist

    uow.run(work)


# --- helpers -----------------------------------------------------------------------------------
def _resource_kind(kind: str) -> ResourceKind:
    try:
        found = ResourceKind(kind)
    except ValueError:
        found = None
    if found not in RESOURCE_KINDS:
        raise ValidationFailed("A resource is a room or a device.", fields={"kind": "room|device"})
    assert found is not None
    return found


def _clean_groups(groups: Sequence[Sequence[int]]) -> list[list[int]]:
    if len(groups) > MAX_GROUPS or any(not 1 <= len(g) <= MAX_GROUP_SIZE for g in groups):
        raise ValidationFailed(
            f"Give up to {MAX_GROUPS} groups, each of 1 to {MAX_GROUP_SIZE} resource ids.",
            fields={"groups": "invalid"},
        )
    clean = [sorted(set(group)) for group in groups]
    if any(not 0 < r <= MAX_ID for group in clean for r in group):
        raise NotFound("Unknown resource id(s).", resource="resource")
    if not _distinct_choice_exists(clean):
        raise ValidationFailed(
            "These groups can never all be met at once: a booking takes a different resource "
            "for each group (for example [[1], [1]] asks for resource 1 twice).",
            fields={"groups": "cannot all be met"},
        )
    return clean


def _distinct_choice_exists(groups: list[list[int]]) -> bool:
    """Whether every group can get a resource of its own (a bipartite matching, found by
    augmenting paths: a handful of groups and resources)."""
    holder: dict[int, int] = {}  # resource: the group holding it

    def place(group: int, seen: set[int]) -> bool:
        for resource in groups[group]:
            if resource in seen:
                continue
            seen.add(resource)
            if resource not in holder or place(holder[resource], seen):
                holder[resource] = group
                return True
        return False

    return all(place(group, set()) for group in range(len(groups)))


def _existing_resource(tx: Transaction, resource_id: int) -> Resource:
    found = tx.catalog.get_resource(resource_id) if 0 < resource_id <= MAX_ID else None
    if found is None:
        raise NotFound("We could not find that resource.", resource="resource")
    return found


def _existing_service(tx: Transaction, service_id: int) -> None:
    if not 0 < service_id <= MAX_ID or tx.catalog.get_service(service_id) is None:
        raise NotFound("We could not find that service.", resource="service")


def _refuse_if_held(
    uow: UnitOfWork, resource: Resource, held: list[Appointment], action: str
) -> None:
    if not held:
        return
    count = len(held)
    raise ResourceHasFutureBookings(
        f"{resource.name} is held by {count} upcoming appointment{'s' if count != 1 else ''}; "
        f"cancel or move them before you {action}.",
        count=count,
        appointments=[
            {
                "id": a.id,
                "start": a.start.astimezone(uow.tz).isoformat(),
                "end": a.end.astimezone(uow.tz).isoformat(),
                "service_name": a.service_name,
                "provider_name": a.provider_name,
            }
            for a in held
        ],
    )


def _local(entry: ResourceTimeOff, uow: UnitOfWork) -> ResourceTimeOff:
    return ResourceTimeOff(
        entry.resource_id,
        entry.start.astimezone(uow.tz),
        entry.end.astimezone(uow.tz),
        entry.reason,
        entry.id,
    )
