"""Who is asking, and the helpers that turn plain input into checked values."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from booking_core.domain.contact import normalize_email, normalize_phone
from booking_core.domain.model import Appointment, Source
from booking_core.domain.text import (
    MAX_CLIENT_NAME,
    MAX_NOTES,
    is_one_line_text,
    is_storable_text,
)
from booking_core.errors import NotFound, ValidationFailed
from booking_core.services.tokens import hash_secret, manage_token


@dataclass(frozen=True)
class Requester:
    """The caller of an operation.

    A web client proves ownership with the appointment's manage token, the AI receptionist with
    the client's phone number; the admin (provider calendar) may act on any appointment.
    """

    source: Source
    manage_token: str | None = None
    phone: str | None = None
    #: The AI receptionist knows the caller holds ``phone`` (the phone system vouched for the
    #: number, or the caller read back a code texted to it).
    verified: bool = False

    @classmethod
    def web(cls, manage_token: str | None = None) -> Requester:
        return cls(Source.WEB, manage_token=manage_token)

    @classmethod
    def ai(cls, phone: str | None = None, verified: bool = False) -> Requester:
        return cls(Source.AI, phone=phone, verified=verified)

    @classmethod
    def admin(cls) -> Requester:
        return cls(Source.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.source is Source.ADMIN


@dataclass(frozen=True)
class ClientDetails:
    name: str
    phone: str  # E.164
    email: str | None


def authorize(
    requester: Requester, appointment: Appointment, token_hash: str, server_secret: bytes
) -> None:
    """Not yours is answered exactly like not there: never reveal that an appointment exists.

    A manage token is the one whose hash the appointment keeps, or the one derived from its id
    (the same for appointments made since tokens are derived; for older ones, the link their
    later messages carry)."""
    if requester.is_admin:
        return
    if requester.manage_token and (
        hmac.compare_digest(hash_secret(requester.manage_token), token_hash)
        or hmac.compare_digest(
            requester.manage_token.encode("utf-8", "surrogatepass"),
            manage_token(server_secret, appointment.id).encode(),
        )
    ):
        return
    if requester.source is Source.AI and requester.phone:
        try:
            phone = normalize_phone(requester.phone)
        except ValidationFailed:
            phone = None
        if phone is not None and hmac.compare_digest(phone, appointment.client.phone):
            return
    raise NotFound("We could not find that appointment.", resource="appointment")


def client_details(name: str, phone: str, email: str | None) -> ClientDetails:
    name = (name or "").strip()
    if not name or len(name) > MAX_CLIENT_NAME:
        raise ValidationFailed(
            f"Please enter your name (up to {MAX_CLIENT_NAME} characters).",
            fields={"client.name": "required" if not name else "too long"},
        )
    if not is_one_line_text(name):
        raise ValidationFailed(
            "Please enter your name as plain text on one line.",
            fields={"client.name": "not valid text"},
        )
    return ClientDetails(
        name=name,
        phone=normalize_phone(phone, field="client.phone"),
        email=normalize_email(email, field="client.email"),
    )


def clean_notes(notes: str | None) -> str:
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise ValidationFailed(
            f"Notes can be at most {MAX_NOTES} characters of text.", fields={"notes": "too long"}
        )
    if not is_storable_text(notes):
        raise ValidationFailed(
            "Please write the notes as plain text.", fields={"notes": "not valid text"}
        )
    return notes


def localized(appointment: Appointment, tz: ZoneInfo) -> Appointment:
    """Every time leaving booking_core is aware, in the business time zone."""
    return replace(
        appointment,
        start=appointment.start.astimezone(tz),
        end=appointment.end.astimezone(tz),
        created_at=appointment.created_at.astimezone(tz),
        updated_at=appointment.updated_at.astimezone(tz),
        cancelled_at=appointment.cancelled_at.astimezone(tz) if appointment.cancelled_at else None,
        parts=tuple(
            replace(part, start=part.start.astimezone(tz), end=part.end.astimezone(tz))
            for part in appointment.parts
        ),
    )


def is_uuid(value: object) -> bool:
    """Appointment ids are UUIDs; anything else cannot name one (answer not_found early)."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
