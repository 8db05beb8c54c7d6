"""The one lock-and-read step of create and reschedule: the same locks, in the same order, and
the same reads under them (``lock_and_read``).

1. The client: an advisory lock (PostgreSQL) on the client's phone and on the idempotency key;
   then the client's row is saved (create) and read with their upcoming appointments.
2. The providers who could take each part of the visit and the rooms and devices its services
   need: their advisory locks; then the services' schedules (who offers them, with their hours)
   and what blocks the providers' and resources' time that day and the days either side. Admin
   changes (deactivation, services, hours, time off, closures) take the same locks, so nothing
   the booking checks can change before it commits.

The locks are taken in one global order, (class, id): clients and keys, then providers, then
resources, so two writers never wait on each other in a cycle; the providers' and resources'
locks are taken last, after the client's reads, so they are held for as short a time as possible
(writers for one provider or one laser queue on them). On SQLite the write transaction (BEGIN
IMMEDIATE) holds the database's one write lock. On PostgreSQL the transaction runs in psycopg's
pipeline mode: the locks, a new client's row and a moved appointment's freed time travel with the
next read.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from booking_core.domain.model import Appointment, Client, PartRequest
from booking_core.domain.visits import VisitCalendar
from booking_core.services.idempotency import IdempotentRequest
from booking_core.services.requester import ClientDetails
from booking_core.services.scheduling import (
    VisitOffers,
    check_parts,
    read_visit_calendar,
    visit_offers,
)
from booking_core.services.unit_of_work import Transaction, UnitOfWork


@dataclass(frozen=True)
class BookingReads:
    """What a booking checks, read under its locks."""

    client: Client | None
    upcoming: list[Appointment]  # the client's booked visits that have not ended (no parts)
    visit: VisitCalendar  # everyone and everything that could serve the visit


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
    parts: Sequence[PartRequest],
    day: date,
    save_client: ClientDetails | None = None,
    release: str | None = None,
    also_lock: Iterable[int] = (),
) -> BookingReads:
    """Lock and read what the booking checks. ``parts``: the services in visit order, each with
    the provider asked for (None: whoever offers it); ``save_client``: create or update the
    client first (their id comes back with the read); ``release``: free a moved appointment's
    busy time first (the new time may overlap it); ``also_lock``: a moved appointment's current
    providers. A retry waits on its key's lock for its original."""
    check_parts(parts)
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
    offers = visit_offers(tx, parts, reuse=True)
    _lock_calendars(tx, offers, also_lock)
    _, visit = read_visit_calendar(
        tx,
        uow.settings,
        now,
        offers,
        day,
        day,
        lock=lambda again: _lock_calendars(tx, again, also_lock),
    )
    return BookingReads(client, upcoming, visit)


def _lock_calendars(tx: Transaction, offers: VisitOffers, also_lock: Iterable[int]) -> None:
    tx.bookings.lock(
        [
            *(("provider", p) for p in {*offers.provider_ids, *also_lock}),
            *(("resource", r) for r in offers.resource_ids),
        ]
    )
