"""Secrets handed to clients: derived from the server secret, stored only as hashes, and put
into message text only when a message is sent."""

from __future__ import annotations

import base64
import hashlib
import hmac

from booking_core.settings import BookingSettings

#: Stands for the client's manage link in a stored message; the dispatcher renders it.
MANAGE_LINK = "{manage_link}"


def hash_secret(secret: str) -> str:
    # surrogatepass: any str hashes, so a token or key with a lone surrogate matches nothing
    # instead of failing.
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def manage_token(server_secret: bytes, appointment_id: str) -> str:
    """The client's manage token: a keyed hash of the appointment id (the same every time it is
    derived, so a moved appointment's messages and an idempotent replay carry the same link)."""
    digest = hmac.new(server_secret, f"manage:{appointment_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def manage_link(settings: BookingSettings, appointment_id: str, token: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/booking/{appointment_id}#token={token}"


def render_message(
    body: str, appointment_id: str | None, settings: BookingSettings, server_secret: bytes
) -> str:
    """A stored message as it is sent: the manage link in place of its placeholder."""
    if appointment_id is None or MANAGE_LINK not in body:
        return body
    token = manage_token(server_secret, appointment_id)
    return body.replace(MANAGE_LINK, manage_link(settings, appointment_id, token))
