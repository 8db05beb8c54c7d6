"""The one lock-and-read step of create and reschedule: the same locks, in the same order, and
the same reads under them (``lock_and_read``).

1. The client: an advisory lock (PostgreSQL) on the client's phone and on the idempotency key;
   then the client's row is saved (create) and read with their upcoming appointments.
2. The providers who could take the booking: their advisory locks; then the service's schedule
   (who offers it, with their hours) and what blocks their time that day and the days either
   side. Admin changes (deactivation, services, hours, time off, closures) take the providers'
   locks too, so nothing the booking checks can change before it commits.

The locks are taken in one global order, (class, id): clients and keys before providers, so two
writers never wait on each other in a cycle; the providers' locks are taken last, after the
client's reads, so they are held for as short a time as possible (writers for one provider queue
on them). On SQLite the write transaction (BEGIN IMMEDIATE) holds the database's one write lock.
On PostgreSQL the transaction runs in psycopg's pipeline mode: the locks, a new client's row and
a moved appointment's freed time travel with the next read.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from booking_core.domain.availability import ProviderCalendar
from booking_core.domain.model import Appointment, Client, Service
from booking_core.services.idempotency import IdempotentRequest
from booking_core.services.requester import ClientDetails
from booking_core.services.scheduling import bookable_offerings, check_ids, read_calendars
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


def lock_and_read(
    uow: UnitOfWork,
    tx: Transaction,
    *,
    phone: str,
    request: IdempotentRequest,
    service_id: int,
    provider_id: int | None,
    day: date,
    save_client: ClientDetails | None = None,
    release: str | None = None,
    also_lock: Iterable[int] = (),
) -> BookingReads:
    """Lock and read what the booking checks. ``provider_id``: the provider asked for (None:
    whoever offers the service); ``save_client``: create or update the client first (their id
    comes back with the read); ``release``: free a moved appointment's busy time first (the new
    time may overlap it); ``also_lock``: a moved appointment's current provider. A retry waits
    on its key's lock for its original."""
    check_ids(service_id, provider_id)
    now = uow.now()
    client_keys = [("client", lock_key(phone))]
    if request.key:
        client_keys.append(("idempotency", lock_key(request.key)))
    tx.bookings.lock(client_keys)
    if save_client is not None:
        tx.bookings.save_client(save_client.name, phone, save_client.email, now)
    if release is not None:
        tx.bookings.release(release)
    client, upcoming = tx.bookings.client_with_upcoming(phone, now)
    offer = tx.calendar.service_offer(service_id)
    _, candidates = bookable_offerings(tx, offer, provider_id)
    tx.bookings.lock(("provider", p) for p in {*(p.id for p, _ in candidates), *also_lock})
    service, calendars = read_calendars(
        tx, uow.settings, now, offer, candidates, provider_id, day, day
    )
    return BookingReads(client, upcoming, service, calendars)
