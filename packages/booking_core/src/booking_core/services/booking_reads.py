"""The one lock-and-read step of create and reschedule: the same locks, in the same order, and
the same reads under them.

1. ``lock_for_booking``: advisory locks (PostgreSQL) on the client's phone, the idempotency key
   and the providers who could take the booking, in one global order. Admin changes
   (deactivation, services, hours, time off, closures) take the providers' locks too, so
   nothing the booking checks can change before it commits.
2. ``read_for_booking``: the client and their upcoming appointments, the service's schedule, and
   the providers' calendars for the day.

On PostgreSQL the transaction runs in psycopg's pipeline mode: the locks (and a new client's
row, and a moved appointment's freed time) travel with the next read.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from booking_core.domain.availability import ProviderCalendar
from booking_core.domain.model import Appointment, Client, Service
from booking_core.errors import ServiceNotOffered
from booking_core.services.idempotency import IdempotentRequest
from booking_core.services.requester import ClientDetails
from booking_core.services.scheduling import bookable_offerings, check_ids, load_calendars
from booking_core.services.unit_of_work import Transaction, UnitOfWork


@dataclass(frozen=True)
class BookingReads:
    """What a booking checks, read under its locks."""

    client: Client | None
    upcoming: list[Appointment]  # the client's booked appointments that have not ended
    service: Service
    calendars: list[ProviderCalendar]  # one per provider who could take it


def lock_key(text: str) -> int:
    """An advisory-lock id for a string (a phone, an idempotency key); collisions only make two
    unrelated writers wait for each other. Any str (see ``hash_secret``)."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) & 0x7FFFFFFF


def lock_for_booking(
    tx: Transaction,
    *,
    phone: str,
    request: IdempotentRequest,
    provider_ids: Iterable[int],
) -> None:
    """Take the booking's locks: a retry waits here for its original to end."""
    keys = [("client", lock_key(phone)), *(("provider", p) for p in provider_ids)]
    if request.key:
        keys.append(("idempotency", lock_key(request.key)))
    tx.bookings.lock(keys)


def providers_to_lock(tx: Transaction, service_id: int, provider_id: int | None) -> list[int]:
    """The asked provider, or whoever offers the service now (read again under the locks)."""
    check_ids(service_id, provider_id)
    if provider_id is not None:
        return [provider_id]
    return [p.id for p, _ in bookable_offerings(tx, tx.calendar.schedule(service_id), None)[1]]


def read_for_booking(
    uow: UnitOfWork,
    tx: Transaction,
    *,
    phone: str,
    service_id: int,
    provider_id: int | None,
    locked: list[int],
    day: date,
    save_client: ClientDetails | None = None,
    release: str | None = None,
) -> BookingReads:
    """Read, under the locks, what the booking checks. ``save_client``: create or update the
    client first (their id comes back with the read); ``release``: free a moved appointment's
    busy time first (the new time may overlap it)."""
    now = uow.now()
    if save_client is not None:
        tx.bookings.save_client(save_client.name, phone, save_client.email, now)
    if release is not None:
        tx.bookings.release(release)
    client, upcoming = tx.bookings.client_with_upcoming(phone, now)
    schedule = tx.calendar.schedule(service_id)
    service, candidates = bookable_offerings(tx, schedule, provider_id)
    candidates = [(p, minutes) for p, minutes in candidates if p.id in locked]
    if not candidates:
        raise ServiceNotOffered(f"No provider currently offers {service.name}.")
    calendars = load_calendars(tx, uow.settings, now, service, candidates, schedule.hours, day, day)
    return BookingReads(client, upcoming, service, calendars)
