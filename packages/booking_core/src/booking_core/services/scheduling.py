"""Loading what the availability engine needs from the stores (shared by reads and writes)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from booking_core.adapters.calendar_store import (
    CalendarData,
    CalendarSpan,
    ScheduleDependencies,
    ServiceOffer,
)
from booking_core.domain.availability import BookingWindow, ProviderCalendar
from booking_core.domain.model import (
    MAX_ID,
    MAX_VISIT_PARTS,
    PartRequest,
    Provider,
    ProviderSchedule,
    Service,
    WorkingHours,
)
from booking_core.domain.timezones import local_day_bounds
from booking_core.domain.visits import PartOptions, ResourceCalendar, VisitCalendar
from booking_core.errors import (
    BookingError,
    Inactive,
    NotFound,
    ServiceNotOffered,
    ValidationFailed,
)
from booking_core.services.unit_of_work import Transaction
from booking_core.settings import BookingSettings


def booking_window(
    settings: BookingSettings, now: datetime, closures: Sequence[date] = ()
) -> BookingWindow:
    return BookingWindow(
        now=now,
        earliest=now + timedelta(minutes=settings.min_notice_minutes),
        latest=now + timedelta(days=settings.horizon_days),
        step=timedelta(minutes=settings.slot_step_minutes),
        tz=settings.tz,
        closures=frozenset(closures),
        business_name=settings.business_name,
    )


def check_ids(service_id: int, provider_id: int | None) -> None:
    """Ids outside the database's integer range name nothing."""
    if not 0 < service_id <= MAX_ID:
        raise NotFound("We could not find that service.", resource="service")
    if provider_id is not None and not 0 < provider_id <= MAX_ID:
        raise NotFound("We could not find that provider.", resource="provider")


def bookable_offerings(
    tx: Transaction, offer: ServiceOffer, provider_id: int | None
) -> tuple[Service, list[tuple[Provider, int]]]:
    """The service and the active providers who offer it, each with their duration for it.

    With a provider_id, that provider alone, or the reason they cannot take the booking.
    """
    service, offered = offer.service, offer.offered
    if service is None:
        raise NotFound("We could not find that service.", resource="service")
    if not service.active:
        raise Inactive(f"{service.name} is not currently available to book.", resource="service")
    if provider_id is None:
        candidates = [(p, minutes) for p, minutes in offered if p.active]
        if not candidates:
            raise ServiceNotOffered(f"No provider currently offers {service.name}.")
    else:
        candidates = [(p, minutes) for p, minutes in offered if p.id == provider_id]
        provider = candidates[0][0] if candidates else tx.catalog.get_provider(provider_id)
        if provider is None:
            raise NotFound("We could not find that provider.", resource="provider")
        if not provider.active:
            raise Inactive(
                f"{provider.name} is not currently taking bookings.", resource="provider"
            )
        if not candidates:
            raise ServiceNotOffered(f"{provider.name} does not offer {service.name}.")
    return service, [(p, minutes or service.duration_minutes) for p, minutes in candidates]


def calendar_span(settings: BookingSettings, first_day: date, last_day: date) -> CalendarSpan:
    """What to read for calendars over local dates [first_day, last_day]: a day either side (a
    long appointment or time off can reach across midnight, and the calendars can then also
    answer for the neighbouring days, where the nearest alternatives to a taken slot are)."""
    first, last = first_day - timedelta(days=1), last_day + timedelta(days=1)
    return CalendarSpan(
        first=first,
        last=last,
        start=local_day_bounds(first, settings.tz)[0],
        end=local_day_bounds(last, settings.tz)[1],
    )


def schedule_dependencies(visit: VisitOffers | None, span: CalendarSpan) -> ScheduleDependencies:
    """What calendars of ``visit`` read over ``span`` depend on (``schedule_cache``): the
    catalog, and its providers' and resources' busy time on the span's UTC dates."""
    owners: set[str] = set()
    if visit is not None:
        owners = {f"provider:{p}" for p in visit.provider_ids}
        owners |= {f"resource:{r}" for r in visit.resource_ids}
    return ScheduleDependencies(
        frozenset(owners), span.start.astimezone(UTC).date(), span.end.astimezone(UTC).date()
    )


# --- visits ------------------------------------------------------------------------------------
def check_parts(parts: Sequence[PartRequest]) -> None:
    """A visit has 1 to MAX_VISIT_PARTS parts of ids in range."""
    if not 1 <= len(parts) <= MAX_VISIT_PARTS:
        raise ValidationFailed(
            f"A visit holds 1 to {MAX_VISIT_PARTS} services.",
            fields={"services": f"1 to {MAX_VISIT_PARTS} items"},
        )
    for index, part in enumerate(parts):
        with part_of_visit(index, len(parts)):
            check_ids(part.service_id, part.provider_id)


@contextmanager
def part_of_visit(index: int, count: int) -> Iterator[None]:
    """A booking error about one part of a visit of several says which (``details.part``)."""
    try:
        yield
    except BookingError as error:
        if count > 1:
            error.details.setdefault("part", index)
        raise


@dataclass(frozen=True)
class VisitOffers:
    """What a visit's services are, who may take each part, and which resources each may use,
    as of a catalog version: read before the locks (which it names), checked again under them."""

    parts: tuple[PartRequest, ...]
    offers: dict[int, ServiceOffer]
    candidates: tuple[tuple[Provider, ...], ...]  # per part
    catalog_version: int = 0

    @property
    def provider_ids(self) -> set[int]:
        return {p.id for providers in self.candidates for p in providers}

    @property
    def resource_ids(self) -> set[int]:
        return {r for offer in self.offers.values() for group in offer.groups for r in group}


def visit_offers(tx: Transaction, parts: Sequence[PartRequest], reuse: bool = False) -> VisitOffers:
    """Who may take each part of the visit, or why it cannot be booked. ``reuse``: as this
    process last read it (nothing is read), to be checked against the catalog version of the
    calendars read next (``read_visit_calendar`` does); a refusal is only ever given on rows
    read now."""
    check_parts(parts)
    if reuse:
        try:
            return _visit_offers(tx, parts, reuse=True)
        except BookingError:
            pass
    return _visit_offers(tx, parts, reuse=False)


def _visit_offers(tx: Transaction, parts: Sequence[PartRequest], reuse: bool) -> VisitOffers:
    service_ids = sorted({part.service_id for part in parts})
    offers, version = tx.calendar.service_offers(service_ids, reuse=reuse)
    candidates = []
    for index, part in enumerate(parts):
        with part_of_visit(index, len(parts)):
            _, offered = bookable_offerings(tx, offers[part.service_id], part.provider_id)
        candidates.append(tuple(provider for provider, _ in offered))
    return VisitOffers(tuple(parts), offers, tuple(candidates), version)


def read_visit_calendar(
    tx: Transaction,
    settings: BookingSettings,
    now: datetime,
    visit: VisitOffers,
    first_day: date,
    last_day: date,
    lock: Callable[[VisitOffers], None] | None = None,
) -> tuple[VisitOffers, VisitCalendar]:
    """The visit's calendars over local dates [first_day, last_day], with who may take each
    part as of the same catalog version: ``visit`` when the calendar read comes with the
    version it was read at, else read again (``lock``: called with it first, as it was with
    ``visit``). The calendars are checked again against what that read found of who offers
    each service and of the resources (a booking reads it under the providers' and resources'
    locks, which admin changes take)."""
    data = _read_calendars(tx, settings, visit, first_day, last_day)
    if data.catalog_version != visit.catalog_version:  # the catalog changed: rare
        visit = visit_offers(tx, visit.parts)
        if lock is not None:
            lock(visit)
        data = _read_calendars(tx, settings, visit, first_day, last_day)
    return visit, _build_visit_calendar(tx, settings, now, visit, data)


def _read_calendars(
    tx: Transaction, settings: BookingSettings, visit: VisitOffers, first_day: date, last_day: date
) -> CalendarData:
    span = calendar_span(settings, first_day, last_day)
    return tx.calendar.calendars(
        sorted(visit.offers), sorted(visit.provider_ids), sorted(visit.resource_ids), span
    )


def _build_visit_calendar(
    tx: Transaction,
    settings: BookingSettings,
    now: datetime,
    visit: VisitOffers,
    data: CalendarData,
) -> VisitCalendar:
    """The visit's calendars at ``now`` from the rows read (left unchanged: they may be kept)."""
    window = booking_window(settings, now, [c.date for c in data.closures])
    hours: dict[int, list[WorkingHours]] = defaultdict(list)
    for entry in data.hours:
        hours[entry.provider_id].append(entry)
    time_off: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for absence in data.time_off:
        time_off[absence.provider_id].append((absence.start, absence.end))
    resources = {
        rid: ResourceCalendar(
            resource, data.resource_busy.get(rid, ()), data.resource_off.get(rid, ())
        )
        for rid, resource in data.resources.items()
        if resource.active
    }
    parts = []
    for index, (part, candidates) in enumerate(zip(visit.parts, visit.candidates, strict=True)):
        with part_of_visit(index, len(visit.parts)):
            offer = visit.offers[part.service_id]
            service, providers = bookable_offerings(
                tx, _as_read(offer, candidates, data), part.provider_id
            )
            groups = _resource_groups(service, offer.groups, resources)
        calendars = tuple(
            ProviderCalendar(
                ProviderSchedule(
                    provider=provider,
                    duration_minutes=duration,
                    buffer_minutes=service.buffer_minutes,
                    hours=tuple(hours[provider.id]),
                    busy=tuple(data.busy.get(provider.id, ())),
                ),
                time_off[provider.id],
                window,
            )
            for provider, duration in providers
        )
        parts.append(PartOptions(service, calendars, groups))
    return VisitCalendar(parts)


def _as_read(
    offer: ServiceOffer, candidates: Sequence[Provider], data: CalendarData
) -> ServiceOffer:
    """The offer as the calendar statement read it for these providers."""
    assert offer.service is not None  # checked by bookable_offerings
    offered = []
    for provider in candidates:
        read = data.offered.get((provider.id, offer.service.id))
        if read is not None:
            offered.append((replace(provider, active=read[0]), read[1]))
    return ServiceOffer(offer.service, offered, offer.groups)


def _resource_groups(
    service: Service, groups: Sequence[Sequence[int]], resources: dict[int, ResourceCalendar]
) -> tuple[tuple[ResourceCalendar, ...], ...]:
    usable = tuple(tuple(resources[r] for r in group if r in resources) for group in groups)
    if any(not group for group in usable):
        raise ServiceNotOffered(
            f"{service.name} cannot be booked right now: none of the rooms or equipment it "
            "needs is in service. Please call us."
        )
    return usable
