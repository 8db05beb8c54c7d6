"""Secrets handed to clients: derived from the server secret, stored only as hashes, and put
into message text only when a message is sent."""

from __future__ import annotations

import base64
import hashlib
import hmac

from booking_core.settings import BookingSettings

#: Stands for the client's manage link in a stored message; the dispatcher renders it.
MANAGE_LINK = "{manage_link}"
#: Stands for a verification code in a stored message; the dispatcher renders it.
VERIFICATION_CODE = "{verification_code}"


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


def verification_code(server_secret: bytes, code_id: int) -> str:
    """The 6-digit code texted for verification row ``code_id`` (derived, never stored)."""
    digest = hmac.new(server_secret, f"verification:{code_id}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def verification_token(server_secret: bytes, phone: str, expires: int) -> str:
    """Proof, until the Unix time ``expires``, that the caller verified ``phone``."""
    digest = hmac.new(server_secret, f"verified:{phone}:{expires}".encode(), hashlib.sha256)
    signature = base64.urlsafe_b64encode(digest.digest()[:18]).decode()
    return f"v1.{expires}.{signature}"


def render_message(
    body: str,
    appointment_id: str | None,
    settings: BookingSettings,
    server_secret: bytes,
    verification_id: int | None = None,
) -> str:
    """A stored message as it is sent: the manage link and a verification code in place of
    their placeholders."""
    if verification_id is not None and VERIFICATION_CODE in body:
        body = body.replace(VERIFICATION_CODE, verification_code(server_secret, verification_id))
    if appointment_id is None or MANAGE_LINK not in body:
        return body
    token = manage_token(server_secret, appointment_id)
    return body.replace(MANAGE_LINK, manage_link(settings, appointment_id, token))
