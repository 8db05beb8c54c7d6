"""Who is calling: one-time codes texted to a phone, and calls counted per caller.

A caller whose number the phone system does not vouch for proves it by reading back a 6-digit
code texted to it. The code is derived from its row's id with the server secret and rendered
only when the SMS is sent (as manage links are): neither the database nor a log holds it. A code
lasts ``verification_code_minutes``, works once and allows 5 tries; a phone gets at most 3 codes
an hour. A correct code gives a verification token: proof for 30 minutes that the caller holds
that phone, passed instead of a code on the rest of the call (one SMS per call, not per action).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from booking_core.domain.contact import normalize_phone
from booking_core.errors import RateLimited, VerificationFailed, VerificationRequired
from booking_core.services.booking_reads import lock_key
from booking_core.services.tokens import VERIFICATION_CODE, verification_token
from booking_core.services.tokens import verification_code as derive_code
from booking_core.services.unit_of_work import Transaction, UnitOfWork

MAX_TRIES = 5
CODES_PER_HOUR = 3
TOKEN_MINUTES = 30


@dataclass(frozen=True)
class VerificationSent:
    phone: str  # E.164
    expires_in_minutes: int


def send_verification_code(uow: UnitOfWork, phone: str) -> VerificationSent:
    """Text a new 6-digit code to ``phone`` (through the outbox). A 4th code within an hour is
    ``rate_limited``, with the seconds until another may be sent."""
    e164 = normalize_phone(phone, field="client_phone")
    minutes = uow.settings.verification_code_minutes

    def work(tx: Transaction) -> None:
        now = uow.now()
        tx.bookings.lock([("client", lock_key(e164))])  # two requests cannot both be the 3rd
        sent = tx.callers.codes_sent_since(e164, now - timedelta(hours=1))
        if len(sent) >= CODES_PER_HOUR:
            wait = int((sent[0] + timedelta(hours=1) - now).total_seconds()) + 1
            raise RateLimited(
                f"A code was already sent to this number {len(sent)} times this hour. Please "
                f"try again in {max(1, wait // 60)} minutes, or ask the spa to call back.",
                retry_after_seconds=wait,
            )
        code_id = tx.callers.add_code(e164, now, now + timedelta(minutes=minutes))
        tx.outbox.add(
            [
                {
                    "appointment_id": None,
                    "verification_id": code_id,
                    "kind": "verification_code",
                    "channel": "sms",
                    "recipient": e164,
                    "subject": "",
                    "body": (
                        f"Your {uow.settings.business_name} code is {VERIFICATION_CODE}. It "
                        f"expires in {minutes} minutes. Never share it with anyone but the spa."
                    ),
                    "status": "pending",
                    "due_at": now,
                    "created_at": now,
                }
            ]
        )

    uow.run(work)
    return VerificationSent(e164, minutes)


def verify_caller(uow: UnitOfWork, phone: str, code: str | None) -> str:
    """Check a code texted to ``phone`` (or a verification token it gave); return a token that
    proves the phone for the next 30 minutes. ``verification_required`` without a code,
    ``verification_failed`` for a wrong, used or expired one or after 5 wrong tries."""
    e164 = normalize_phone(phone, field="client_phone")
    given = (code or "").strip()
    if not given:
        raise VerificationRequired()
    now = uow.now()
    expires = int(now.timestamp()) + TOKEN_MINUTES * 60
    if not given.startswith("v1."):  # a code read out: "123 456" or "123-456" is 123456
        given = given.replace(" ", "").replace("-", "")
    else:  # a token from an earlier success (URL-safe base64: it may hold "-")
        if _token_holds(uow.secret, e164, given, now):
            return given
        raise VerificationFailed(
            "That verification has expired. Please ask for a new code.", reason="expired"
        )

    def work(tx: Transaction) -> bool:
        tx.bookings.lock([("client", lock_key(e164))])
        live = tx.callers.live_codes(e164, uow.now(), MAX_TRIES)
        for code_id in live:
            if hmac.compare_digest(derive_code(uow.secret, code_id), given):
                tx.callers.use_code(code_id, uow.now())
                return True
        tx.callers.count_wrong_try(live)  # committed: wrong tries count even though we refuse
        return False

    if not uow.run(work):
        raise VerificationFailed(
            "That code is not right, or it has expired or was already used. Please check it, "
            "or ask for a new code.",
            reason="wrong_used_or_expired",
        )
    return verification_token(uow.secret, e164, expires)


def _token_holds(secret: bytes, phone: str, token: str, now: datetime) -> bool:
    try:
        _, expires_text, _ = token.split(".", 2)
        expires = int(expires_text)
    except ValueError:
        return False
    expected = verification_token(secret, phone, expires)
    return hmac.compare_digest(expected, token) and expires > now.timestamp()


def count_ai_call(uow: UnitOfWork, caller_key: str) -> None:
    """Count one AI tool call for a caller (their number, else their session or address) in a
    per-minute window every server process shares; over ``ai_calls_per_minute`` is
    ``rate_limited`` with the seconds to wait."""
    count_request(
        uow, caller_key, uow.settings.ai_calls_per_minute, "Too many requests from this caller."
    )


def count_request(uow: UnitOfWork, key: str, limit: int, what: str = "Too many requests.") -> None:
    """Count one request for ``key`` in the current minute, in the database (so every server
    process shares the count, on both engines); over ``limit`` (0: no limit) is
    ``rate_limited`` with the seconds until the next minute (``retry_after``)."""
    if limit <= 0:
        return
    now = uow.now()
    window = now.replace(second=0, microsecond=0)
    calls = uow.run(lambda tx: tx.callers.count_call(key[:64], window))
    if calls > limit:
        wait = max(1, 60 - now.second)
        raise RateLimited(
            f"{what} Please wait {wait} seconds and try again.",
            retry_after=wait,
            retry_after_seconds=wait,
        )


def forget_old_calls(uow: UnitOfWork) -> None:
    """Drop the call counts of past minutes (the dispatcher's housekeeping, hourly)."""
    uow.run(lambda tx: tx.callers.forget_calls_before(uow.now() - timedelta(minutes=5)))


__all__ = [
    "VerificationSent",
    "count_ai_call",
    "count_request",
    "send_verification_code",
    "verify_caller",
]
