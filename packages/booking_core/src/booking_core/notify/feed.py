"""Provider calendar feeds: an RFC 5545 (.ics) subscription per provider, behind a feed token.

Calendar apps cannot send headers, so the token travels in the query string; it is stored only as
its SHA-256 hash, one per provider: issuing a new one revokes the previous.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from booking_core.domain.model import Appointment, AppointmentStatus, Provider, ResourceKind
from booking_core.domain.timezones import local_day_bounds
from booking_core.errors import NotFound
from booking_core.services.outbox import visit_text
from booking_core.services.requester import Requester
from booking_core.services.tokens import hash_secret
from booking_core.services.unit_of_work import Transaction, UnitOfWork
from booking_core.settings import APP_NAME, BookingSettings

#: How far back the feed reaches; forward it reaches the booking horizon.
FEED_PAST_DAYS = 30
#: How often calendar apps are asked to refresh.
REFRESH_INTERVAL = timedelta(minutes=15)


@dataclass(frozen=True)
class FeedToken:
    provider_id: int
    token: str
    feed_url: str
    created_at: datetime


def feed_path(provider_id: int) -> str:
    return f"/calendar/{provider_id}.ics"


def feed_url(settings: BookingSettings, provider_id: int, token: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}{feed_path(provider_id)}?token={token}"


def _provider(tx: Transaction, provider_id: int) -> Provider:
    provider = tx.catalog.get_provider(provider_id)
    if provider is None:
        raise NotFound("We could not find that provider.", resource="provider")
    return provider


def issue_feed_token(uow: UnitOfWork, provider_id: int) -> FeedToken:
    """A new feed token for the provider (the previous one stops working)."""
    token = secrets.token_urlsafe(32)
    now = uow.now()

    def work(tx: Transaction) -> None:
        _provider(tx, provider_id)
        tx.catalog.replace_feed_token(provider_id, hash_secret(token), now)

    uow.run(work)
    return FeedToken(provider_id, token, feed_url(uow.settings, provider_id, token), now)


def revoke_feed_token(uow: UnitOfWork, provider_id: int) -> bool:
    """Revoke the provider's feed token; False when there was none."""

    def work(tx: Transaction) -> bool:
        _provider(tx, provider_id)
        return tx.catalog.delete_feed_token(provider_id)

    return uow.run(work)


def provider_feed(uow: UnitOfWork, provider_id: int, token: str | None) -> bytes:
    """The provider's .ics feed. A wrong, revoked or missing token is answered exactly like an
    unknown provider (``NotFound``), so the feed URL reveals nothing without its token."""
    now = uow.now()
    window_start = now - timedelta(days=FEED_PAST_DAYS)
    today = now.astimezone(uow.tz).date()
    _, window_end = local_day_bounds(today + timedelta(days=uow.settings.horizon_days), uow.tz)
    with uow.begin() as tx:
        stored = tx.catalog.feed_token_hash(provider_id)
        if not token or stored is None or not hmac.compare_digest(hash_secret(token), stored):
            raise NotFound("We could not find that calendar.", resource="calendar")
        provider = _provider(tx, provider_id)
        appointments = tx.bookings.appointments_between(window_start, window_end, provider_id)
    calendar = build_calendar(
        uow.settings, provider, appointments, window_start.date(), window_end.date()
    )
    return bytes(calendar.to_ical())


def build_calendar(
    settings: BookingSettings,
    provider: Provider,
    appointments: list[Appointment],
    first_day: date,
    last_day: date,
) -> icalendar.Calendar:
    tz = settings.tz
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.business_name}//{APP_NAME}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = f"{settings.business_name}: {provider.name}"
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.timezone)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH_INTERVAL)
    # The zone's rules for the feed's years only (the full history would be most of the file).
    calendar.add_component(
        icalendar.Timezone.from_tzid(
            settings.timezone,
            first_date=date(first_day.year - 1, 1, 1),
            last_date=date(last_day.year + 2, 1, 1),
        )
    )
    for appointment in appointments:
        # The provider's own parts of each visit, one event each.
        for position, part in enumerate(appointment.parts):
            if part.provider_id == provider.id:
                calendar.add_component(_event(settings, appointment, position, tz))
    return calendar


def _event(
    settings: BookingSettings, appointment: Appointment, position: int, tz: ZoneInfo
) -> icalendar.Event:
    first_name = (appointment.client.name.split() or [""])[0]
    cancelled = appointment.status is AppointmentStatus.CANCELLED
    part = appointment.parts[position]
    event = icalendar.Event()
    # Stable across edits, so a moved appointment moves in the calendar instead of doubling (a
    # one-part booking keeps the uid it had before visits had parts).
    suffix = f"-{position + 1}" if len(appointment.parts) > 1 else ""
    event.add("uid", f"{appointment.id}{suffix}@{APP_NAME}")
    event.add("dtstamp", appointment.updated_at.astimezone(UTC))
    event.add("created", appointment.created_at.astimezone(UTC))
    event.add("last-modified", appointment.updated_at.astimezone(UTC))
    event.add("sequence", appointment.sequence)
    event.add("dtstart", _local_or_utc(part.start, tz))
    event.add("dtend", _local_or_utc(part.end, tz))
    summary = f"{part.service_name}: {first_name}".rstrip(": ")
    event.add("summary", f"Cancelled: {summary}" if cancelled else summary)
    status_line = appointment.status.value.replace("_", " ")
    # The client's first name only, and never the treatment notes: phones get lost.
    event.add(
        "description",
        f"{visit_text(appointment, settings)}\n"
        f"Client: {first_name}\nStatus: {status_line}\nBooked via {appointment.source.value}",
    )
    rooms = [r.name for r in part.resources if r.kind is ResourceKind.ROOM]
    event.add("location", ", ".join([settings.business_name, *rooms]))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return event


def _local_or_utc(instant: datetime, tz: ZoneInfo) -> datetime:
    """Business-local time with its TZID; in UTC for the repeated hour when clocks fall back,
    because RFC 5545 reads an ambiguous local time as its first occurrence."""
    local = instant.astimezone(tz)
    if local.fold:
        return instant.astimezone(UTC)
    return local


# --- a client's own appointment ---------------------------------------------------------------
def appointment_calendar(uow: UnitOfWork, appointment_id: str, requester: Requester) -> bytes:
    """The client's appointment as an .ics file ("add to calendar"): one event per part, in
    business-local time with its zone. It never carries the manage link (calendars get shared).
    Found and authorized as ``get_appointment`` does."""
    from booking_core.services.appointment_queries import get_appointment

    appointment = get_appointment(uow, appointment_id, requester)
    settings, tz = uow.settings, uow.tz
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.business_name}//{APP_NAME}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    day = appointment.start.date()
    calendar.add_component(
        icalendar.Timezone.from_tzid(
            settings.timezone,
            first_date=date(day.year - 1, 1, 1),
            last_date=date(day.year + 2, 1, 1),
        )
    )
    cancelled = appointment.status is AppointmentStatus.CANCELLED
    for position, part in enumerate(appointment.parts):
        event = icalendar.Event()
        suffix = f"-{position + 1}" if len(appointment.parts) > 1 else ""
        event.add("uid", f"{appointment.id}{suffix}-client@{APP_NAME}")
        event.add("dtstamp", appointment.updated_at.astimezone(UTC))
        event.add("sequence", appointment.sequence)
        event.add("dtstart", _local_or_utc(part.start, tz))
        event.add("dtend", _local_or_utc(part.end, tz))
        event.add("summary", f"{part.service_name} at {settings.business_name}")
        event.add(
            "description",
            f"{visit_text(appointment, settings)}\nQuestions or changes: {settings.business_phone}",
        )
        rooms = [r.name for r in part.resources if r.kind is ResourceKind.ROOM]
        event.add("location", ", ".join([settings.business_name, *rooms]))
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
