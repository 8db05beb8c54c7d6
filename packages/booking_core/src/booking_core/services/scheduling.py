"""Loading what the availability engine needs from the repository (shared by reads and writes)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from booking_core.adapters.repository import Repository
from booking_core.domain.availability import BookingWindow, ProviderCalendar
from booking_core.domain.model import (
    MAX_ID,
    Provider,
    ProviderSchedule,
    ResourceKind,
    Service,
    WorkingHours,
)
from booking_core.domain.timezones import local_day_bounds
from booking_core.errors import Inactive, NotFound, ServiceNotOffered
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


def bookable_offerings(
    repo: Repository, service_id: int, provider_id: int | None
) -> tuple[Service, list[tuple[Provider, int]]]:
    """The service and the active providers who offer it, each with their duration for it.

    With a provider_id, that provider alone, or the reason they cannot take the booking.
    """
    if not 0 < service_id <= MAX_ID:
        raise NotFound("We could not find that service.", resource="service")
    if provider_id is not None and not 0 < provider_id <= MAX_ID:
        raise NotFound("We could not find that provider.", resource="provider")
    service, offered = repo.service_offerings(service_id)
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
        provider = candidates[0][0] if candidates else repo.get_provider(provider_id)
        if provider is None:
            raise NotFound("We could not find that provider.", resource="provider")
        if not provider.active:
            raise Inactive(
                f"{provider.name} is not currently taking bookings.", resource="provider"
            )
        if not candidates:
            raise ServiceNotOffered(f"{provider.name} does not offer {service.name}.")
    return service, [(p, minutes or service.duration_minutes) for p, minutes in candidates]


def load_calendars(
    repo: Repository,
    settings: BookingSettings,
    now: datetime,
    service: Service,
    providers: Sequence[tuple[Provider, int]],
    first_day: date,
    last_day: date,
) -> list[ProviderCalendar]:
    """Each provider's schedule and busy time over local dates [first_day, last_day].

    Busy time and closures are loaded a day either side too, so the calendars can also answer
    for the neighbouring days (the nearest alternatives to a taken slot)."""
    tz = settings.tz
    ids = [provider.id for provider, _ in providers]
    hours: dict[int, list[WorkingHours]] = defaultdict(list)
    for entry in repo.working_hours(ids):
        hours[entry.provider_id].append(entry)
    closures = [
        c.date for c in repo.closures(first_day - timedelta(days=1), last_day + timedelta(days=1))
    ]
    # A day either side: a long appointment or time off can reach across midnight.
    start = local_day_bounds(first_day - timedelta(days=1), tz)[0]
    end = local_day_bounds(last_day + timedelta(days=1), tz)[1]
    time_off: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for absence in repo.time_off(ids, start, end):
        time_off[absence.provider_id].append((absence.start, absence.end))
    busy = repo.reservations(ResourceKind.PROVIDER.value, ids, start, end)
    window = booking_window(settings, now, closures)
    return [
        ProviderCalendar(
            ProviderSchedule(
                provider=provider,
                duration_minutes=duration,
                buffer_minutes=service.buffer_minutes,
                hours=tuple(hours[provider.id]),
                busy=tuple(busy.get(provider.id, ())),
            ),
            time_off[provider.id],
            window,
        )
        for provider, duration in providers
    ]
