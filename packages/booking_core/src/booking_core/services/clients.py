"""The front desk's clients: finding one, their history and counts, and their details."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from booking_core.domain.contact import normalize_email, normalize_phone
from booking_core.domain.model import MAX_ID, Appointment, AppointmentStatus, Client
from booking_core.domain.text import MAX_CLIENT_NAME, is_one_line_text, is_storable_text
from booking_core.errors import NotFound, PhoneInUse, ValidationFailed
from booking_core.services.booking_reads import lock_key
from booking_core.services.requester import localized
from booking_core.services.unit_of_work import Transaction, UnitOfWork

MAX_CLIENTS_LISTED = 200
MAX_CLIENT_NOTES = 4000


@dataclass(frozen=True)
class ClientRecord:
    """A client as the front desk sees them."""

    client: Client
    notes: str  # private: never shown to the client or sent anywhere
    no_show_count: int
    late_cancel_count: int  # cancelled (by anyone) inside the change cutoff
    appointments: list[Appointment]  # newest first


def search_clients(
    uow: UnitOfWork, query: str = "", limit: int = 50, offset: int = 0
) -> list[Client]:
    """Clients matching any part of their name, phone digits or e-mail (all when empty)."""
    if not 1 <= limit <= MAX_CLIENTS_LISTED or offset < 0:
        raise ValidationFailed(
            f"limit is 1 to {MAX_CLIENTS_LISTED} and offset at least 0.",
            fields={"limit": f"1 to {MAX_CLIENTS_LISTED}", "offset": ">= 0"},
        )
    text = " ".join((query or "").split())
    digits = re.sub(r"\D", "", text)
    with uow.begin() as tx:
        return tx.bookings.search_clients(text, digits, limit, offset)


def get_client_record(uow: UnitOfWork, client_id: int) -> ClientRecord:
    with uow.begin() as tx:
        return _record(uow, tx, client_id)


def update_client(
    uow: UnitOfWork,
    client_id: int,
    *,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    notes: str | None = None,
) -> ClientRecord:
    """Change a client's name, e-mail (empty removes it), phone or notes. A phone another
    client has is ``phone_in_use``; the client keeps their appointments under a new phone."""
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = _clean_name(name)
    if email is not None:
        values["email"] = normalize_email(email)
    if phone is not None:
        values["phone"] = normalize_phone(phone)
    if notes is not None:
        if len(notes) > MAX_CLIENT_NOTES or not is_storable_text(notes):
            raise ValidationFailed(
                f"Notes are text of at most {MAX_CLIENT_NOTES} characters.",
                fields={"notes": "too long"},
            )
        values["notes"] = notes.strip()

    def work(tx: Transaction) -> ClientRecord:
        current = _existing(tx, client_id)[0]
        if "phone" in values and values["phone"] != current.phone:
            # Both phones' locks: no booking for either number is half-way through.
            tx.bookings.lock(
                [("client", lock_key(current.phone)), ("client", lock_key(values["phone"]))]
            )
            holder = tx.bookings.client_id_with_phone(values["phone"])
            if holder is not None and holder != client_id:
                raise PhoneInUse(
                    "Another client already has that phone number.", fields={"phone": "in use"}
                )
        tx.bookings.update_client(client_id, values)
        return _record(uow, tx, client_id)

    return uow.run(work)


def _record(uow: UnitOfWork, tx: Transaction, client_id: int) -> ClientRecord:
    client, notes = _existing(tx, client_id)
    appointments = tx.bookings.client_appointments(client_id)
    cutoff = timedelta(hours=uow.settings.change_cutoff_hours)
    late = [
        a
        for a in appointments
        if a.status is AppointmentStatus.CANCELLED
        and a.cancelled_at is not None
        and a.start - a.cancelled_at < cutoff
    ]
    no_shows = [a for a in appointments if a.status is AppointmentStatus.NO_SHOW]
    return ClientRecord(
        client,
        notes,
        len(no_shows),
        len(late),
        [localized(a, uow.tz) for a in appointments],
    )


def _existing(tx: Transaction, client_id: int) -> tuple[Client, str]:
    found = tx.bookings.get_client(client_id) if 0 < client_id <= MAX_ID else None
    if found is None:
        raise NotFound("We could not find that client.", resource="client")
    return found


def _clean_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean or len(clean) > MAX_CLIENT_NAME or not is_one_line_text(clean):
        raise ValidationFailed(
            f"A name (up to {MAX_CLIENT_NAME} characters) is required.",
            fields={"name": "required"},
        )
    return clean
