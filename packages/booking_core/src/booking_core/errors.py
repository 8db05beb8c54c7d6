"""Domain errors: each has a stable machine-readable ``code``, a sentence a client can read, and
the HTTP status every entry point maps it to (the one table, ``ERROR_HTTP_STATUS``)."""

from __future__ import annotations

from typing import Any, ClassVar


class BookingError(Exception):
    code: ClassVar[str] = "booking_error"
    http_status: ClassVar[int] = 400
    default_message: ClassVar[str] = "The request could not be completed."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.details: dict[str, Any] = details
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class SlotUnavailable(BookingError):
    code = "slot_unavailable"
    http_status = 409
    default_message = "This time slot is no longer available. Please choose another time."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        details.setdefault("alternatives", [])
        super().__init__(message, **details)

    @property
    def alternatives(self) -> list[Any]:
        alternatives: list[Any] = self.details["alternatives"]
        return alternatives


class ClientOverlap(BookingError):
    code = "client_overlap"
    http_status = 409
    default_message = "You already have an appointment at that time."


class PhoneInUse(BookingError):
    code = "phone_in_use"
    http_status = 409
    default_message = "Another client already has that phone number."


class WaitlistLimit(BookingError):
    code = "waitlist_limit"
    http_status = 409
    default_message = "This phone number is already on the waitlist 3 times."


class OfferExpired(BookingError):
    code = "offer_expired"
    http_status = 410
    default_message = "This offer has expired. You are still on the waitlist for the next one."


class IdempotencyConflict(BookingError):
    code = "idempotency_conflict"
    http_status = 409
    default_message = "This idempotency key was already used for a different request."


class ProviderHasFutureBookings(BookingError):
    code = "provider_has_future_bookings"
    http_status = 409
    default_message = "This provider still has upcoming appointments."


class ResourceHasFutureBookings(BookingError):
    code = "resource_has_future_bookings"
    http_status = 409
    default_message = "This room or device is held by upcoming appointments."


class BookingLimitReached(BookingError):
    code = "booking_limit_reached"
    http_status = 409
    default_message = "This phone number already has the maximum number of upcoming appointments."


class PastTime(BookingError):
    code = "past_time"
    http_status = 422
    default_message = "That time is in the past. Please choose a future time."


class TooSoon(BookingError):
    code = "too_soon"
    http_status = 422
    default_message = "That time is too soon to book online. Please choose a later time."


class BeyondHorizon(BookingError):
    code = "beyond_horizon"
    http_status = 422
    default_message = "That date is too far ahead to book."


class OutsideWorkingHours(BookingError):
    code = "outside_working_hours"
    http_status = 422
    default_message = "The provider is not working at that time."


class ProviderUnavailable(BookingError):
    code = "provider_unavailable"
    http_status = 422
    default_message = "The provider is not available at that time."


class ServiceNotOffered(BookingError):
    code = "service_not_offered"
    http_status = 422
    default_message = "This provider does not offer that service."


class Inactive(BookingError):
    code = "inactive"
    http_status = 422
    default_message = "That provider or service is not currently bookable."


class TooLateToChange(BookingError):
    code = "too_late_to_change"
    http_status = 422
    default_message = "It is too late to change this appointment online."


class InvalidTime(BookingError):
    code = "invalid_time"
    http_status = 422
    default_message = "That time is not valid."


class ValidationFailed(BookingError):
    code = "validation_error"
    http_status = 422
    default_message = "Some of the information is missing or not valid."


class NotFound(BookingError):
    code = "not_found"
    http_status = 404
    default_message = "We could not find that."


class Unauthorized(BookingError):
    code = "unauthorized"
    http_status = 401
    default_message = "A valid access token is required."


class VerificationRequired(BookingError):
    code = "verification_required"
    http_status = 401
    default_message = (
        "To protect our clients, I need to verify this phone number first: I can text a "
        "6-digit code to it."
    )


class VerificationFailed(BookingError):
    code = "verification_failed"
    http_status = 403
    default_message = "That code did not work. Please check it, or ask for a new code."


class RateLimited(BookingError):
    code = "rate_limited"
    http_status = 429
    default_message = "Too many requests. Please wait a minute and try again."


class PayloadTooLarge(BookingError):
    code = "payload_too_large"
    http_status = 413
    default_message = "The request is too large."


class ServiceUnavailable(BookingError):
    code = "service_unavailable"
    http_status = 503
    default_message = (
        "The booking system is temporarily unavailable. Please try again in a moment or call us."
    )


def _all_error_classes() -> list[type[BookingError]]:
    found: list[type[BookingError]] = []
    pending: list[type[BookingError]] = [BookingError]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            found.append(sub)
            pending.append(sub)
    return found


#: The one table of error codes and the HTTP status each maps to.
ERROR_HTTP_STATUS: dict[str, int] = {cls.code: cls.http_status for cls in _all_error_classes()}
