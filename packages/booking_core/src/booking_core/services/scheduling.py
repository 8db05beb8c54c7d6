"""Loading what the availability engine needs from the stores (shared by reads and writes)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from booking_core.adapters.calendar_store import CalendarData, ServiceOffer
from booking_core.domain.availability import BookingWindow, ProviderCalendar
from booking_core.domain.model import (
    MAX_ID,
    Provider,
    ProviderSchedule,
    Service,
    WorkingHours,
)
from booking_core.domain.timezones import local_day_bounds
from booking_core.errors import Inactive, NotFound, ServiceNotOffered
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


@dataclass(frozen=True)
class CalendarSpan:
    """What to read for calendars over local dates [first_day, last_day]: closures over the
    dates a day either side, busy time and time off over [start, end) (a day either side too:
    a long appointment or time off can reach across midnight, and the calendars can then also
    answer for the neighbouring days, where the nearest alternatives to a taken slot are)."""

    first: date
    last: date
    start: datetime
    end: datetime


def calendar_span(settings: BookingSettings, first_day: date, last_day: date) -> CalendarSpan:
    first, last = first_day - timedelta(days=1), last_day + timedelta(days=1)
    return CalendarSpan(
        first=first,
        last=last,
        start=local_day_bounds(first, settings.tz)[0],
        end=local_day_bounds(last, settings.tz)[1],
    )


def read_calendars(
    tx: Transaction,
    settings: BookingSettings,
    now: datetime,
    offer: ServiceOffer,
    candidates: Sequence[tuple[Provider, int]],
    provider_id: int | None,
    first_day: date,
    last_day: date,
) -> tuple[Service, list[ProviderCalendar]]:
    """The candidates' calendars over local dates [first_day, last_day], in one statement,
    checked again against what that statement read of who offers the service (a booking reads
    it under the providers' locks, which admin changes take too)."""
    span = calendar_span(settings, first_day, last_day)
    assert offer.service is not None  # checked by bookable_offerings
    ids = [provider.id for provider, _ in candidates]
    data = tx.calendar.calendars(offer.service.id, ids, span.first, span.last, span.start, span.end)
    current = ServiceOffer(
        offer.service,
        [
            (replace(provider, active=data.offered[provider.id][0]), data.offered[provider.id][1])
            for provider, _ in candidates
            if provider.id in data.offered
        ],
    )
    service, checked = bookable_offerings(tx, current, provider_id)
    return service, build_calendars(data, settings, now, service, checked)


def build_calendars(
    data: CalendarData,
    settings: BookingSettings,
    now: datetime,
    service: Service,
    providers: Sequence[tuple[Provider, int]],
) -> list[ProviderCalendar]:
    hours: dict[int, list[WorkingHours]] = defaultdict(list)
    for entry in data.hours:
        hours[entry.provider_id].append(entry)
    time_off: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for absence in data.time_off:
        time_off[absence.provider_id].append((absence.start, absence.end))
    window = booking_window(settings, now, [c.date for c in data.closures])
    return [
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
    ]
