"""Phone numbers (E.164, US default region) and e-mail: normalising, and masking for logs."""

from __future__ import annotations

import re

import phonenumbers

from booking_core.domain.text import MAX_EMAIL, is_storable_text
from booking_core.errors import ValidationFailed

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_phone(raw: str, region: str = "US", field: str = "phone") -> str:
    """A phone number as E.164 (+13125550142); raises ValidationFailed if it is not one."""
    try:
        number = phonenumbers.parse(raw or "", region)
    except phonenumbers.NumberParseException:
        number = None
    # The default region's own check first: the same answer for its numbers, without trying
    # every region that shares the country code (+1 has 25).
    if number is None or not (
        phonenumbers.is_valid_number_for_region(number, region)
        or phonenumbers.is_valid_number(number)
    ):
        raise ValidationFailed(
            "Please enter a valid phone number, for example (312) 555-0142.",
            fields={field: "not a valid phone number"},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str | None, field: str = "email") -> str | None:
    if raw is None or not raw.strip():
        return None
    email = raw.strip()
    if not _EMAIL.match(email) or len(email) > MAX_EMAIL or not is_storable_text(email):
        raise ValidationFailed(
            "Please enter a valid e-mail address.", fields={field: "not a valid e-mail address"}
        )
    return email


def mask_phone(phone: str | None) -> str:
    """Everything but the last 4 digits hidden: +1******0142."""
    if not phone:
        return "-"
    digits = phone[-4:]
    prefix = "+" if phone.startswith("+") else ""
    return prefix + "*" * max(len(phone) - len(prefix) - 4, 0) + digits


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return "-"
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"
