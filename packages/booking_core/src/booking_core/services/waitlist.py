"""The waitlist: clients who want a time that is not free hear when one frees up, and the first
to claim it gets it (the booking's own rules and the database's guarantee decide who).

Freed time (a cancellation, a move away, time off or a closure removed, hours changed) is
recorded in the change's own transaction (``record_freed``); the dispatcher later matches it
(``match_waitlist``): each active entry the freed time fits, in the order they joined, at most
``waitlist_offers_per_slot`` of them, gets one text for the earliest fitting start it has not
been offered, outside the quiet hours. The text's claim link carries a token derived from the
offer's id (rendered when it is sent, never stored); claiming books through
``create_appointment``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from booking_core.adapters.waitlist_store import services_key
from booking_core.domain.model import EventKind, PartRequest, Slot, WaitlistEntry
from booking_core.domain.timezones import local_day_bounds, parse_instant, wall_time_to_utc
from booking_core.errors import (
    NotFound,
    OfferExpired,
    SlotUnavailable,
    ValidationFailed,
    WaitlistLimit,
)
from booking_core.services.booking_reads import lock_key
from booking_core.services.outbox import when_text
from booking_core.services.requester import Requester, client_details
from booking_core.services.scheduling import check_parts, visit_offers
from booking_core.services.unit_of_work import Transaction, UnitOfWork
from booking_core.settings import BookingSettings

if TYPE_CHECKING:
    from booking_core.services.booking import BookingResult

MAX_ACTIVE_ENTRIES = 3

#: Placeholders stored in a message and rendered when it is sent (the token is derived there).
WAITLIST_LINK = re.compile(r"\{waitlist_link:(\d+)\}")
CLAIM_LINK = re.compile(r"\{claim_link:(\d+)\}")


@dataclass(frozen=True)
class JoinResult:
    entry: WaitlistEntry
    manage_token: str | None  # None when the client had already joined for the same wishes
    created: bool


# --- tokens and links --------------------------------------------------------------------------
def _token(secret: bytes, purpose: str, number: int) -> str:
    digest = hmac.new(secret, f"{purpose}:{number}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def waitlist_token(secret: bytes, entry_id: int) -> str:
    return _token(secret, "waitlist", entry_id)


def claim_token(secret: bytes, offer_id: int) -> str:
    return _token(secret, "offer", offer_id)


def render_waitlist_links(body: str, settings: BookingSettings, secret: bytes) -> str:
    base = settings.public_base_url.rstrip("/")
    body = WAITLIST_LINK.sub(
        lambda m: f"{base}/waitlist/{m[1]}#token={waitlist_token(secret, int(m[1]))}", body
    )
    return CLAIM_LINK.sub(
        lambda m: f"{base}/waitlist/claim/{m[1]}#token={claim_token(secret, int(m[1]))}", body
    )


# --- joining and leaving -----------------------------------------------------------------------
def join_waitlist(
    uow: UnitOfWork,
    *,
    service_ids: list[int],
    date_from: date,
    date_to: date,
    client_name: str,
    client_phone: str,
    client_email: str | None = None,
    provider_id: int | None = None,
    earliest_time: time | None = None,
    latest_time: time | None = None,
    requester: Requester,
) -> JoinResult:
    """Put a client on the waitlist for a service (or a visit of several), optionally with a
    provider and times of day, over local dates inside the booking horizon. The same wishes
    again give the existing entry (no new token); a phone holds at most 3 active entries."""
    parts = [PartRequest(s, provider_id) for s in service_ids]
    check_parts(parts)
    client = client_details(client_name, client_phone, client_email)
    _check_wishes(uow, date_from, date_to, earliest_time, latest_time)

    def work(tx: Transaction) -> JoinResult:
        now = uow.now()
        tx.bookings.lock([("client", lock_key(client.phone))])
        visit_offers(tx, parts)  # the services and provider exist and are bookable
        tx.bookings.save_client(client.name, client.phone, client.email, now)
        known, _ = tx.bookings.client_with_upcoming(client.phone, now)
        assert known is not None
        today = now.astimezone(uow.tz).date()
        active = tx.waitlist.active_entries(client_id=known.id, today=today)
        wishes = (tuple(service_ids), provider_id, date_from, date_to, earliest_time, latest_time)
        for entry in active:
            if _wishes(entry) == wishes:
                return JoinResult(entry, None, created=False)
        if len(active) >= MAX_ACTIVE_ENTRIES:
            raise WaitlistLimit(
                f"This phone number is already on the waitlist {len(active)} times, the most we "
                f"hold. Please leave one first, or call {uow.settings.business_phone}.",
                limit=MAX_ACTIVE_ENTRIES,
            )
        entry_id = tx.waitlist.add_entry(
            {
                "client_id": known.id,
                "service_ids": list(service_ids),
                "services_key": services_key(service_ids),
                "provider_id": provider_id,
                "date_from": date_from,
                "date_to": date_to,
                "earliest_time": earliest_time,
                "latest_time": latest_time,
                "status": "active",
                "source": requester.source.value,
                "created_at": now,
            }
        )
        joined = tx.waitlist.entry(entry_id)
        assert joined is not None
        tx.outbox.add([_joined_text(uow, joined, now)])
        return JoinResult(joined, waitlist_token(uow.secret, entry_id), created=True)

    result = uow.run(work)
    return replace(result, entry=_local(result.entry, uow))


def leave_waitlist(uow: UnitOfWork, entry_id: int, manage_token: str | None) -> WaitlistEntry:
    """Leave the waitlist (leaving twice is harmless). A wrong token is ``not_found``."""

    def work(tx: Transaction) -> WaitlistEntry:
        entry = _entry_for(uow, tx, entry_id, manage_token)
        tx.waitlist.end_entry(entry.id, "left", uow.now())
        found = tx.waitlist.entry(entry.id)
        assert found is not None
        return found

    return _local(uow.run(work), uow)


def _entry_for(uow: UnitOfWork, tx: Transaction, entry_id: int, token: str | None) -> WaitlistEntry:
    entry = tx.waitlist.entry(entry_id) if 0 < entry_id < 2**31 else None
    if (
        entry is None
        or not token
        or not hmac.compare_digest(
            token.encode("utf-8", "surrogatepass"), waitlist_token(uow.secret, entry_id).encode()
        )
    ):
        raise NotFound("We could not find that waitlist entry.", resource="waitlist_entry")
    return entry


def _check_wishes(
    uow: UnitOfWork,
    date_from: date,
    date_to: date,
    earliest_time: time | None,
    latest_time: time | None,
) -> None:
    today = uow.now().astimezone(uow.tz).date()
    horizon = today + timedelta(days=uow.settings.horizon_days)
    problems = {}
    if date_to < date_from:
        problems["date_to"] = "before date_from"
    if date_from < today:
        problems["date_from"] = "in the past"
    if date_to > horizon:
        problems["date_to"] = f"after {horizon.isoformat()} (the booking horizon)"
    if any(t is not None and t.tzinfo is not None for t in (earliest_time, latest_time)):
        problems["earliest_time"] = "a local time without offset"
    elif earliest_time and latest_time and latest_time < earliest_time:
        problems["latest_time"] = "before earliest_time"
    if problems:
        raise ValidationFailed(
            "The waitlist dates must lie between today and the booking horizon, in order.",
            fields=problems,
        )


def _wishes(entry: WaitlistEntry) -> tuple[object, ...]:
    return (
        entry.service_ids,
        entry.provider_id,
        entry.date_from,
        entry.date_to,
        entry.earliest_time,
        entry.latest_time,
    )


def _joined_text(uow: UnitOfWork, entry: WaitlistEntry, now: datetime) -> dict[str, object]:
    settings = uow.settings
    first = entry.client.name.split()[0] if entry.client.name.split() else ""
    until = f"{entry.date_to:%b} {entry.date_to.day}"
    body = (
        f"Hi {first}, you're on the {settings.business_name} waitlist. We'll text you if a time "
        f"opens, until {until}. To leave the waitlist: {{waitlist_link:{entry.id}}}"
    )
    return _sms(entry.client.phone, "waitlist_joined", body, now)


def _sms(phone: str, kind: str, body: str, due: datetime) -> dict[str, object]:
    return {
        "appointment_id": None,
        "kind": kind,
        "channel": "sms",
        "recipient": phone,
        "subject": "",
        "body": body,
        "status": "pending",
        "due_at": due,
        "created_at": due,
    }


def _local(entry: WaitlistEntry, uow: UnitOfWork) -> WaitlistEntry:
    tz = uow.tz
    return replace(
        entry,
        created_at=entry.created_at.astimezone(tz),
        offers=tuple(
            replace(
                o,
                start=o.start.astimezone(tz),
                sent_at=o.sent_at.astimezone(tz),
                expires_at=o.expires_at.astimezone(tz),
            )
            for o in entry.offers
        ),
    )


# --- freed time and offers ---------------------------------------------------------------------
def record_freed(
    tx: Transaction,
    start: datetime,
    end: datetime,
    now: datetime,
    provider_id: int | None = None,
) -> None:
    """Time that freed up (a provider's, or anyone's), for the dispatcher to match to the
    waitlist, in the change's own transaction: a change that rolls back frees nothing. Past
    time is not recorded."""
    if end > now:
        tx.waitlist.record_freed(max(start, now), end, provider_id, now)


def match_waitlist(uow: UnitOfWork) -> int:
    """Match freed time to the waitlist and queue offers; the number of offers made."""
    from booking_core.services.availability import available_slots

    settings = uow.settings

    def take(tx: Transaction) -> list[tuple[datetime, datetime, int | None, datetime]]:
        tx.waitlist.expire_entries(uow.now().astimezone(uow.tz).date(), uow.now())
        return tx.waitlist.take_freed(uow.now())

    made = 0
    for start, end, provider_id, freed_at in uow.run(take):
        first, last = start.astimezone(uow.tz).date(), end.astimezone(uow.tz).date()
        with uow.begin() as tx:
            # Only those already waiting when the time freed up: it is news to them.
            entries = tx.waitlist.active_entries(
                first=first,
                last=last,
                today=uow.now().astimezone(uow.tz).date(),
                joined_by=freed_at,
            )
        offered = 0
        for entry in entries:
            if offered >= settings.waitlist_offers_per_slot:
                break
            try:
                slots = available_slots(
                    uow,
                    [PartRequest(s, entry.provider_id) for s in entry.service_ids],
                    start_date=max(first, entry.date_from),
                    end_date=min(last, entry.date_to),
                    earliest_time=entry.earliest_time,
                    latest_time=entry.latest_time,
                )
            except (NotFound, ValidationFailed, SlotUnavailable):
                continue
            already = {o.start for o in entry.offers}
            fitting = [
                s
                for s in slots
                if start <= s.start < end
                and s.start not in already
                and (provider_id is None or provider_id in _providers(s))
            ]
            if fitting and _offer(uow, entry, fitting[0]):
                offered += 1
                made += 1
    return made


def _providers(slot: Slot) -> list[int]:
    return [part.provider_id for part in slot.parts] or [slot.provider_id]


def _offer(uow: UnitOfWork, entry: WaitlistEntry, slot: Slot) -> bool:
    """Queue one offer of ``slot`` to ``entry`` (False when it already had it)."""
    settings = uow.settings
    providers = _providers(slot)

    def work(tx: Transaction) -> bool:
        now = uow.now()
        current = tx.waitlist.entry(entry.id, for_update=True)
        if current is None or current.status != "active":
            return False
        if any(o.start == slot.start for o in current.offers):
            return False
        due = after_quiet_hours(settings, now)
        offer_id = tx.waitlist.add_offer(
            {
                "entry_id": entry.id,
                "start_at": slot.start,
                "provider_ids": providers,
                "status": "open",
                "created_at": now,
                "sent_at": due,
                "expires_at": due + timedelta(minutes=settings.waitlist_offer_minutes),
            }
        )
        first = entry.client.name.split()[0] if entry.client.name.split() else ""
        services = " + ".join(_service_names(tx, entry)) or "your appointment"
        body = (
            f"Hi {first}, a time opened at {settings.business_name}: {services} on "
            f"{when_text(slot.start, settings)} with {slot.provider_name}. It's yours if you "
            f"claim it first, within {settings.waitlist_offer_minutes} minutes: "
            f"{{claim_link:{offer_id}}}"
        )
        tx.outbox.add([_sms(entry.client.phone, "waitlist_offer", body, due)])
        return True

    return uow.run(work)


def _service_names(tx: Transaction, entry: WaitlistEntry) -> list[str]:
    names = []
    for service_id in entry.service_ids:
        service = tx.catalog.get_service(service_id)
        if service is not None:
            names.append(service.name)
    return names


def after_quiet_hours(settings: BookingSettings, now: datetime) -> datetime:
    """``now``, or the end of the quiet hours (local "HH:MM-HH:MM") when now falls in them."""
    window = (settings.waitlist_quiet_hours or "").strip()
    if not window:
        return now
    try:
        begin_text, end_text = window.split("-")
        begin, end = time.fromisoformat(begin_text.strip()), time.fromisoformat(end_text.strip())
    except ValueError:
        return now
    local = now.astimezone(settings.tz)
    wall = local.time().replace(tzinfo=None)
    quiet = (begin <= wall or wall < end) if begin > end else (begin <= wall < end)
    if not quiet:
        return now
    day = local.date() if wall < end else local.date() + timedelta(days=1)
    return wall_time_to_utc(day, end, settings.tz)


# --- claiming ----------------------------------------------------------------------------------
def claim_offer(uow: UnitOfWork, offer_id: int, token: str | None) -> BookingResult:
    """Book an offered time for the entry's client, like ``create_appointment`` (201 with the
    appointment and its manage token; 409 ``slot_unavailable`` with alternatives when someone
    was first, the entry staying on the list). An expired offer is ``offer_expired``; a wrong
    token ``not_found``. A retried claim gives the first result."""
    from booking_core.services.booking import create_appointment

    with uow.begin() as tx:
        offer = tx.waitlist.offer(offer_id) if 0 < offer_id < 2**31 else None
        entry = tx.waitlist.entry(offer.entry_id) if offer else None
    if (
        offer is None
        or entry is None
        or not token
        or not hmac.compare_digest(
            token.encode("utf-8", "surrogatepass"), claim_token(uow.secret, offer_id).encode()
        )
    ):
        raise NotFound("We could not find that offer.", resource="waitlist_offer")
    if offer.status != "claimed":
        if uow.now() > offer.expires_at:
            raise OfferExpired(
                "This offer has expired. You are still on the waitlist: we will text you if "
                "another time opens.",
                expired_at=offer.expires_at.astimezone(uow.tz).isoformat(),
            )
        if entry.status != "active":
            raise OfferExpired(
                "This offer is no longer open (you left the waitlist or already booked).",
            )
    return create_appointment(
        uow,
        services=[
            PartRequest(s, p) for s, p in zip(entry.service_ids, offer.provider_ids, strict=True)
        ],
        start=offer.start,
        client_name=entry.client.name,
        client_phone=entry.client.phone,
        client_email=entry.client.email,
        requester=Requester.web(),
        idempotency_key=f"waitlist-offer-{offer.id}",
        waitlist_offer=offer.id,
    )


# --- admin -------------------------------------------------------------------------------------
def list_waitlist(
    uow: UnitOfWork, on: date | None = None, service_id: int | None = None
) -> list[WaitlistEntry]:
    with uow.begin() as tx:
        return [_local(e, uow) for e in tx.waitlist.entries(on, service_id)]


def remove_waitlist_entry(uow: UnitOfWork, entry_id: int) -> None:
    def work(tx: Transaction) -> None:
        if tx.waitlist.entry(entry_id) is None:
            raise NotFound("We could not find that waitlist entry.", resource="waitlist_entry")
        tx.waitlist.end_entry(entry_id, "removed", uow.now())

    uow.run(work)


def offer_by_hand(uow: UnitOfWork, entry_id: int, start: datetime | str) -> WaitlistEntry:
    """Offer an entry a time the front desk chose (it must be free for the entry's wishes)."""
    from booking_core.services.availability import available_slots

    start_utc = parse_instant(start, uow.tz, "start")
    with uow.begin() as tx:
        entry = tx.waitlist.entry(entry_id) if 0 < entry_id < 2**31 else None
    if entry is None:
        raise NotFound("We could not find that waitlist entry.", resource="waitlist_entry")
    if entry.status != "active":
        raise ValidationFailed("That waitlist entry is no longer active.", status=entry.status)
    day = start_utc.astimezone(uow.tz).date()
    slots = available_slots(
        uow, [PartRequest(s, entry.provider_id) for s in entry.service_ids], start_date=day
    )
    slot = next((s for s in slots if s.start == start_utc), None)
    if slot is None:
        raise SlotUnavailable("That time is not free for this waitlist entry's services.")
    _offer(uow, entry, slot)
    with uow.begin() as tx:
        found = tx.waitlist.entry(entry_id)
    assert found is not None
    return _local(found, uow)


def waitlist_bookings_this_month(uow: UnitOfWork) -> int:
    """Bookings claimed from the waitlist since the first of this local month."""
    now = uow.now().astimezone(uow.tz)
    since, _ = local_day_bounds(now.date().replace(day=1), uow.tz)
    with uow.begin() as tx:
        return tx.bookings.count_events(EventKind.FROM_WAITLIST.value, since)


__all__ = [
    "JoinResult",
    "claim_offer",
    "join_waitlist",
    "leave_waitlist",
    "list_waitlist",
    "match_waitlist",
    "offer_by_hand",
    "record_freed",
    "remove_waitlist_entry",
    "waitlist_bookings_this_month",
]
