"""Callback requests: a caller the AI receptionist could not help asks a person to call back.
The front desk sees them in the admin calendar; the owner is told through the outbox."""

from __future__ import annotations

from dataclasses import replace

from booking_core.domain.contact import normalize_phone
from booking_core.domain.model import MAX_ID, Callback
from booking_core.domain.text import MAX_CLIENT_NAME, is_one_line_text, is_storable_text
from booking_core.errors import NotFound, ValidationFailed
from booking_core.services.outbox import owner_messages
from booking_core.services.unit_of_work import Transaction, UnitOfWork

MAX_REASON = 500
STATUSES = ("open", "done")


def request_callback(uow: UnitOfWork, client_name: str, client_phone: str, reason: str) -> Callback:
    """Record that a caller wants a person to call them back, and tell the owner."""
    name = (client_name or "").strip()
    why = " ".join((reason or "").split())
    problems = {}
    if not name or len(name) > MAX_CLIENT_NAME or not is_one_line_text(name):
        problems["client_name"] = f"required, one line, up to {MAX_CLIENT_NAME} characters"
    if not why or len(why) > MAX_REASON or not is_storable_text(why):
        problems["reason"] = f"required, up to {MAX_REASON} characters"
    if problems:
        raise ValidationFailed("A name and a short reason are needed.", fields=problems)
    phone = normalize_phone(client_phone, field="client_phone")

    def work(tx: Transaction) -> Callback:
        now = uow.now()
        callback = tx.callers.add_callback(name, phone, why, now)
        text = (
            f"[{uow.settings.business_name}] Please call back {name} {phone}: {why} "
            "(asked the AI receptionist)"
        )
        tx.outbox.add(owner_messages(uow.settings, "callback_request", "Call back", text, now))
        return callback

    return _local(uow.run(work), uow)


def list_callbacks(uow: UnitOfWork, status: str | None = None) -> list[Callback]:
    """Callback requests, newest first (at most 200), optionally only ``open`` or ``done``."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed("status is open or done.", fields={"status": "open|done"})
    with uow.begin() as tx:
        return [_local(c, uow) for c in tx.callers.callbacks(status)]


def mark_callback_done(uow: UnitOfWork, callback_id: int) -> Callback:
    def work(tx: Transaction) -> Callback | None:
        return tx.callers.mark_callback_done(callback_id, uow.now())

    found = uow.run(work) if 0 < callback_id <= MAX_ID else None
    if found is None:
        raise NotFound("We could not find that callback request.", resource="callback")
    return _local(found, uow)


def _local(callback: Callback, uow: UnitOfWork) -> Callback:
    return replace(callback, created_at=callback.created_at.astimezone(uow.tz))
