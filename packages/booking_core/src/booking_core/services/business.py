"""The business's set-up: reading it (services, providers, hours) and managing it (admin)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from booking_core.domain.model import (
    MAX_BUFFER_MINUTES,
    MAX_SERVICE_MINUTES,
    Closure,
    FaqEntry,
    Offering,
    Provider,
    Service,
    TimeOff,
    WorkingHours,
)
from booking_core.domain.text import MAX_CATALOG_NAME, is_one_line_text, is_storable_text
from booking_core.domain.timezones import local_day_bounds, parse_instant
from booking_core.errors import NotFound, ProviderHasFutureBookings, ValidationFailed
from booking_core.services.unit_of_work import UnitOfWork
from booking_core.services.waitlist import record_freed


@dataclass(frozen=True)
class DayHours:
    weekday: int
    open: time
    close: time


@dataclass(frozen=True)
class BusinessInfo:
    name: str
    phone: str
    timezone: str
    now: datetime
    hours: list[DayHours]
    change_cutoff_hours: int
    min_notice_minutes: int
    policies: str = ""
    faq: list[FaqEntry] = field(default_factory=list)
    transfer_number: str | None = None


#: The owner's policy text and FAQ are short: a caller hears them read out.
MAX_POLICIES = 2000
MAX_FAQ_ENTRIES = 20
MAX_FAQ_QUESTION = 200
MAX_FAQ_ANSWER = 1000
MAX_PREPARATION = 1000


@dataclass(frozen=True)
class ProviderWithServices:
    provider: Provider
    service_ids: list[int]


def business_info(uow: UnitOfWork) -> BusinessInfo:
    """Name, phone, zone, the local now, and per weekday the span of provider hours."""
    with uow.begin() as tx:
        active = {p.id for p in tx.catalog.list_providers(active_only=True)}
        spans: dict[int, tuple[time, time]] = {}
        for hours in tx.catalog.working_hours(active):
            open_, close = spans.get(hours.weekday, (hours.start, hours.end))
            spans[hours.weekday] = (min(open_, hours.start), max(close, hours.end))
        policies, faq = tx.catalog.business_text(POLICIES), tx.catalog.faq()
    settings = uow.settings
    return BusinessInfo(
        name=settings.business_name,
        phone=settings.business_phone,
        timezone=settings.timezone,
        now=uow.now().astimezone(settings.tz),
        hours=[DayHours(day, *spans[day]) for day in sorted(spans)],
        change_cutoff_hours=settings.change_cutoff_hours,
        min_notice_minutes=settings.min_notice_minutes,
        policies=policies,
        faq=faq,
        transfer_number=settings.transfer_number,
    )


# --- the owner's texts for callers -------------------------------------------------------------
POLICIES = "policies"


def get_policies(uow: UnitOfWork) -> str:
    with uow.begin() as tx:
        return tx.catalog.business_text(POLICIES)


def set_policies(uow: UnitOfWork, text: str) -> str:
    """Replace the policy text callers and the booking page see (at most 2,000 characters)."""
    clean = (text or "").strip()
    if len(clean) > MAX_POLICIES or not is_storable_text(clean):
        raise ValidationFailed(
            f"The policy text is plain text of at most {MAX_POLICIES} characters.",
            fields={"text": f"at most {MAX_POLICIES} characters"},
        )
    uow.run(lambda tx: tx.catalog.set_business_text(POLICIES, clean))
    return clean


def get_faq(uow: UnitOfWork) -> list[FaqEntry]:
    with uow.begin() as tx:
        return tx.catalog.faq()


def set_faq(uow: UnitOfWork, entries: list[FaqEntry]) -> list[FaqEntry]:
    """Replace the FAQ: at most 20 entries, each a question (200) and an answer (1,000)."""
    if len(entries) > MAX_FAQ_ENTRIES:
        raise ValidationFailed(
            f"At most {MAX_FAQ_ENTRIES} questions.", fields={"entries": "too many"}
        )
    clean = [FaqEntry(e.question.strip(), e.answer.strip()) for e in entries]
    for index, entry in enumerate(clean):
        if (
            not entry.question
            or len(entry.question) > MAX_FAQ_QUESTION
            or not (is_one_line_text(entry.question))
        ):
            raise ValidationFailed(
                f"Each question is one line of 1 to {MAX_FAQ_QUESTION} characters.",
                fields={f"entries.{index}.question": "invalid"},
            )
        if (
            not entry.answer
            or len(entry.answer) > MAX_FAQ_ANSWER
            or not (is_storable_text(entry.answer))
        ):
            raise ValidationFailed(
                f"Each answer is 1 to {MAX_FAQ_ANSWER} characters of text.",
                fields={f"entries.{index}.answer": "invalid"},
            )
    uow.run(lambda tx: tx.catalog.replace_faq(clean))
    return clean


def list_services(uow: UnitOfWork, include_inactive: bool = False) -> list[Service]:
    with uow.begin() as tx:
        return tx.catalog.list_services(active_only=not include_inactive)


def list_providers(
    uow: UnitOfWork, service_id: int | None = None, include_inactive: bool = False
) -> list[ProviderWithServices]:
    """Providers (active unless asked otherwise) with the active services each offers."""
    with uow.begin() as tx:
        active_services = {s.id for s in tx.catalog.list_services(active_only=True)}
        offered: dict[int, list[int]] = defaultdict(list)
        for offering in tx.catalog.offerings():
            if include_inactive or offering.service_id in active_services:
                offered[offering.provider_id].append(offering.service_id)
        providers = tx.catalog.list_providers(active_only=not include_inactive)
    return [
        ProviderWithServices(p, offered[p.id])
        for p in providers
        if service_id is None or service_id in offered[p.id]
    ]


# --- admin: providers and services -------------------------------------------------------------
def require_name(name: str | None, field: str = "name") -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_CATALOG_NAME:
        raise ValidationFailed(
            f"A name (up to {MAX_CATALOG_NAME} characters) is required.",
            fields={field: "required" if not name else "too long"},
        )
    if not is_one_line_text(name):
        raise ValidationFailed(
            "A name must be plain text on one line.", fields={field: "not valid text"}
        )
    return name


MAX_PROVIDER_BIO = 500
MAX_PHOTO_URL = 500


def _profile(values: dict[str, Any]) -> dict[str, str]:
    """A provider's photo (an http(s) image URL, or empty) and short bio, checked."""
    clean: dict[str, str] = {}
    if "photo_url" in values:
        url = values["photo_url"].strip()
        if url and (
            len(url) > MAX_PHOTO_URL
            or not url.lower().startswith(("https://", "http://"))
            or not is_one_line_text(url)
            or any(c in url for c in ' "<>')
        ):
            raise ValidationFailed(
                "The photo is the web address of an image (https://...).",
                fields={"photo_url": "an http(s) URL"},
            )
        clean["photo_url"] = url
    if "bio" in values:
        bio = " ".join(values["bio"].split())
        if len(bio) > MAX_PROVIDER_BIO or not is_storable_text(bio):
            raise ValidationFailed(
                f"The bio is at most {MAX_PROVIDER_BIO} characters.", fields={"bio": "too long"}
            )
        clean["bio"] = bio
    return clean


def create_provider(uow: UnitOfWork, name: str, title: str = "", active: bool = True) -> Provider:
    def work(tx: Any) -> Provider:
        provider: Provider = tx.catalog.add_provider(
            require_name(name), title.strip(), active, uow.now()
        )
        return provider

    return uow.run(work)


def update_provider(uow: UnitOfWork, provider_id: int, **changes: Any) -> Provider:
    """Rename or (de)activate a provider. Deactivating one with future bookings is refused."""
    values = {
        k: v
        for k, v in changes.items()
        if k in {"name", "title", "active", "photo_url", "bio"} and v is not None
    }
    if "name" in values:
        values["name"] = require_name(values["name"])
    values.update(_profile(values))

    def work(tx: Any) -> Provider:
        provider = tx.catalog.get_provider(provider_id)
        if provider is None:
            raise NotFound("We could not find that provider.", resource="provider")
        if values.get("active") is False and provider.active:
            tx.bookings.lock([("provider", provider_id)])
            upcoming = tx.bookings.future_booked_count(provider_id, uow.now())
            if upcoming:
                raise ProviderHasFutureBookings(
                    f"{provider.name} has {upcoming} upcoming appointment"
                    f"{'s' if upcoming != 1 else ''}; cancel or move them first.",
                    count=upcoming,
                )
        tx.catalog.update_provider(provider_id, values)
        updated: Provider = tx.catalog.get_provider(provider_id)
        return updated

    return uow.run(work)


_SERVICE_FIELDS = {
    "preparation",
    "name",
    "description",
    "duration_minutes",
    "buffer_minutes",
    "price_cents",
    "active",
}


def _service_values(values: dict[str, Any], creating: bool) -> dict[str, Any]:
    clean = {k: v for k, v in values.items() if k in _SERVICE_FIELDS and v is not None}
    if creating or "name" in clean:
        clean["name"] = require_name(clean.get("name"))
    if creating:
        clean.setdefault("description", "")
        clean.setdefault("buffer_minutes", 0)
        clean.setdefault("price_cents", 0)
    problems = {}
    if creating and "duration_minutes" not in clean:
        problems["duration_minutes"] = "required"
    if "duration_minutes" in clean and not 5 <= clean["duration_minutes"] <= MAX_SERVICE_MINUTES:
        problems["duration_minutes"] = f"between 5 and {MAX_SERVICE_MINUTES}"
    if "buffer_minutes" in clean and not 0 <= clean["buffer_minutes"] <= MAX_BUFFER_MINUTES:
        problems["buffer_minutes"] = f"between 0 and {MAX_BUFFER_MINUTES}"
    if "price_cents" in clean and clean["price_cents"] < 0:
        problems["price_cents"] = "must not be negative"
    if "preparation" in clean:
        clean["preparation"] = clean["preparation"].strip()
        if len(clean["preparation"]) > MAX_PREPARATION or not is_storable_text(
            clean["preparation"]
        ):
            problems["preparation"] = f"at most {MAX_PREPARATION} characters of text"
    if problems:
        raise ValidationFailed("Some service details are not valid.", fields=problems)
    return clean


def create_service(uow: UnitOfWork, **values: Any) -> Service:
    clean = _service_values(values, creating=True)
    return uow.run(lambda tx: tx.catalog.add_service(clean, uow.now()))


def update_service(uow: UnitOfWork, service_id: int, **values: Any) -> Service:
    clean = _service_values(values, creating=False)

    def work(tx: Any) -> Service:
        if tx.catalog.get_service(service_id) is None:
            raise NotFound("We could not find that service.", resource="service")
        tx.catalog.update_service(service_id, clean)
        service: Service = tx.catalog.get_service(service_id)
        return service

    return uow.run(work)


def _existing_provider(tx: Any, provider_id: int) -> Provider:
    provider: Provider | None = tx.catalog.get_provider(provider_id)
    if provider is None:
        raise NotFound("We could not find that provider.", resource="provider")
    return provider


def set_provider_services(
    uow: UnitOfWork, provider_id: int, offerings: list[tuple[int, int | None]]
) -> list[Offering]:
    """Replace which services a provider offers: (service_id, own duration or None)."""
    for _, duration in offerings:
        if duration is not None and not 5 <= duration <= MAX_SERVICE_MINUTES:
            raise ValidationFailed(
                f"Durations must be between 5 and {MAX_SERVICE_MINUTES} minutes.",
                fields={"duration_minutes": f"between 5 and {MAX_SERVICE_MINUTES}"},
            )

    def work(tx: Any) -> list[Offering]:
        _existing_provider(tx, provider_id)
        tx.bookings.lock([("provider", provider_id)])  # bookings re-read offerings under it
        known = {s.id for s in tx.catalog.list_services(active_only=False)}
        unknown = [sid for sid, _ in offerings if sid not in known]
        if unknown:
            raise NotFound(f"Unknown service id(s): {unknown}.", resource="service")
        rows = [Offering(provider_id, sid, d) for sid, d in dict(offerings).items()]
        tx.catalog.replace_offerings(provider_id, rows)
        return rows

    return uow.run(work)


def provider_services(uow: UnitOfWork, provider_id: int) -> list[Offering]:
    with uow.begin() as tx:
        _existing_provider(tx, provider_id)
        return tx.catalog.offerings(provider_id=provider_id)


def get_working_hours(uow: UnitOfWork, provider_id: int) -> list[WorkingHours]:
    with uow.begin() as tx:
        _existing_provider(tx, provider_id)
        return tx.catalog.working_hours([provider_id])


def set_working_hours(
    uow: UnitOfWork, provider_id: int, hours: list[tuple[int, time, time]]
) -> list[WorkingHours]:
    """Replace a provider's weekly hours (weekday 0 = Monday, local wall times)."""
    rows = []
    for weekday, start, end in hours:
        if not 0 <= weekday <= 6 or end <= start:
            raise ValidationFailed(
                "Each interval needs a weekday 0-6 (0 = Monday) and an end after its start.",
                fields={"hours": f"invalid interval {weekday} {start}-{end}"},
            )
        rows.append(WorkingHours(provider_id, weekday, start, end))
    by_day = defaultdict(list)
    for row in rows:
        by_day[row.weekday].append(row)
    for day_rows in by_day.values():
        day_rows.sort(key=lambda r: r.start)
        for first, second in itertools.pairwise(day_rows):
            if second.start < first.end:
                raise ValidationFailed(
                    "Working-hour intervals of one day must not overlap.",
                    fields={"hours": "overlapping intervals"},
                )

    def work(tx: Any) -> list[WorkingHours]:
        _existing_provider(tx, provider_id)
        tx.bookings.lock([("provider", provider_id)])  # bookings read hours under it
        tx.catalog.replace_working_hours(provider_id, rows)
        # Hours may have widened anywhere ahead: the waitlist is matched over the horizon.
        now = uow.now()
        record_freed(tx, now, now + timedelta(days=uow.settings.horizon_days), now, provider_id)
        saved: list[WorkingHours] = tx.catalog.working_hours([provider_id])
        return saved

    return uow.run(work)


def add_time_off(
    uow: UnitOfWork, provider_id: int, start: datetime | str, end: datetime | str, reason: str = ""
) -> TimeOff:
    start_utc = parse_instant(start, uow.tz, "start")
    end_utc = parse_instant(end, uow.tz, "end")
    if end_utc <= start_utc:
        raise ValidationFailed("Time off must end after it starts.", fields={"end": "before start"})

    def work(tx: Any) -> TimeOff:
        _existing_provider(tx, provider_id)
        tx.bookings.lock([("provider", provider_id)])
        entry: TimeOff = tx.catalog.add_time_off(TimeOff(provider_id, start_utc, end_utc, reason))
        return entry

    return _local_time_off(uow.run(work), uow)


def _local_time_off(entry: TimeOff, uow: UnitOfWork) -> TimeOff:
    return TimeOff(
        entry.provider_id,
        entry.start.astimezone(uow.tz),
        entry.end.astimezone(uow.tz),
        entry.reason,
        entry.id,
    )


def list_time_off(uow: UnitOfWork, provider_id: int) -> list[TimeOff]:
    with uow.begin() as tx:
        _existing_provider(tx, provider_id)
        return [_local_time_off(e, uow) for e in tx.catalog.time_off([provider_id])]


def delete_time_off(uow: UnitOfWork, time_off_id: int) -> None:
    def work(tx: Any) -> None:
        removed = tx.catalog.delete_time_off(time_off_id)
        if removed is None:
            raise NotFound("We could not find that time off.", resource="time_off")
        record_freed(tx, removed.start, removed.end, uow.now(), removed.provider_id)

    uow.run(work)


def add_closure(uow: UnitOfWork, day: date, reason: str = "") -> Closure:
    """Close the business on a local date. Takes every provider's lock, so no booking that
    checked the old closures commits after it (and two saves of one date serialize)."""

    def work(tx: Any) -> None:
        tx.bookings.lock(("provider", p.id) for p in tx.catalog.list_providers(active_only=False))
        tx.catalog.add_closure(Closure(day, reason))

    uow.run(work)
    return Closure(day, reason)


def list_closures(uow: UnitOfWork) -> list[Closure]:
    with uow.begin() as tx:
        return tx.catalog.closures()


def delete_closure(uow: UnitOfWork, day: date) -> None:
    def work(tx: Any) -> None:
        if not tx.catalog.delete_closure(day):
            raise NotFound("We could not find that closure.", resource="closure")
        record_freed(tx, *local_day_bounds(day, uow.tz), uow.now())  # for the waitlist

    uow.run(work)
