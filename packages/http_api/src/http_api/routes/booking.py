"""Booking writes (create, cancel, reschedule) and a client's view of their appointment.

A client proves ownership with the manage token (in the body, or the X-Manage-Token header for
the GET, never in a query string); the admin bearer token may act on any appointment.
"""

from __future__ import annotations

from typing import Annotated

from booking_core import (
    PartRequest,
    Requester,
    appointment_calendar,
    cancel_appointment,
    create_appointment,
    get_appointment,
    reschedule_appointment,
)
from fastapi import APIRouter, Header, Path, Response

from http_api.deps import OPTIONAL_ADMIN, AdminCaller, PublicWriteCaller, UowDep
from http_api.errors import WRITE_ERRORS, error_responses
from http_api.schemas import (
    BookingOut,
    CancelBookingIn,
    CreateBookingIn,
    CreatedBookingOut,
    RescheduleBookingIn,
    Str64,
    Str200,
    appointment_out,
)

router = APIRouter(prefix="/api/booking", tags=["booking"])

IdempotencyKey = Annotated[
    Str200 | None,
    Header(
        alias="Idempotency-Key",
        description="Any unique string per intended booking (a UUID). A retry with the same key "
        "and body returns the first answer (same status and body) instead of booking twice.",
    ),
]

_WRITE_RESPONSES = error_responses(401, 404, 429, *WRITE_ERRORS)


def _requester(is_admin: bool, manage_token: str | None) -> Requester:
    return Requester.admin() if is_admin else Requester.web(manage_token)


@router.post(
    "/create",
    status_code=201,
    response_model=CreatedBookingOut,
    response_model_exclude_unset=True,
    responses=_WRITE_RESPONSES,
    openapi_extra=OPTIONAL_ADMIN,
    summary="Book an appointment",
)
def create_booking(
    body: CreateBookingIn,
    uow: UowDep,
    is_admin: PublicWriteCaller,
    idempotency_key: IdempotencyKey = None,
) -> CreatedBookingOut:
    """Books `start` for the service, with `provider_id` or the free provider with the fewest
    bookings that day. With `services` instead of `service_id`: a visit, its parts back to back
    from `start`, all booked or none (a 409 says which part failed in `details.part`). With the
    admin token the booking's source is `admin` and the minimum notice and working hours do not
    apply (walk-ins). A taken slot answers 409 `slot_unavailable` with up to 3
    `alternatives`."""
    services = (
        None
        if body.services is None
        else [
            PartRequest(service_id=p.service_id, provider_id=p.provider_id) for p in body.services
        ]
    )
    result = create_appointment(
        uow,
        service_id=body.service_id,
        services=services,
        provider_id=body.provider_id,
        start=body.start,
        client_name=body.client.name,
        client_phone=body.client.phone,
        client_email=body.client.email,
        notes=body.notes,
        requester=_requester(is_admin, None),
        idempotency_key=idempotency_key,
    )
    return CreatedBookingOut(
        appointment=appointment_out(result.appointment, full=is_admin),
        manage_token=result.manage_token or "",
    )


@router.post(
    "/cancel",
    response_model=BookingOut,
    response_model_exclude_unset=True,
    responses=_WRITE_RESPONSES,
    openapi_extra=OPTIONAL_ADMIN,
    summary="Cancel an appointment (frees its time at once)",
)
def cancel_booking(body: CancelBookingIn, uow: UowDep, is_admin: PublicWriteCaller) -> BookingOut:
    """Clients: up to the change cutoff before the start (422 `too_late_to_change` after).
    A wrong or missing manage token answers 404 `not_found`, like an unknown id."""
    appointment = cancel_appointment(
        uow,
        appointment_id=body.appointment_id,
        requester=_requester(is_admin, body.manage_token),
    )
    return BookingOut(appointment=appointment_out(appointment, full=is_admin))


@router.post(
    "/reschedule",
    response_model=BookingOut,
    response_model_exclude_unset=True,
    responses=_WRITE_RESPONSES,
    openapi_extra=OPTIONAL_ADMIN,
    summary="Move an appointment to a new time (and optionally provider)",
)
def reschedule_booking(
    body: RescheduleBookingIn,
    uow: UowDep,
    is_admin: PublicWriteCaller,
    idempotency_key: IdempotencyKey = None,
) -> BookingOut:
    """The old time is freed and the new one taken in one transaction. A visit moves whole:
    its parts keep their order and providers, unless `parts` names other providers."""
    result = reschedule_appointment(
        uow,
        appointment_id=body.appointment_id,
        new_start=body.new_start,
        provider_id=body.provider_id,
        part_providers=None if body.parts is None else [p.provider_id for p in body.parts],
        requester=_requester(is_admin, body.manage_token),
        idempotency_key=idempotency_key,
    )
    return BookingOut(appointment=appointment_out(result.appointment, full=is_admin))


@router.get(
    "/{appointment_id}/calendar.ics",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/calendar": {
                    "example": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n...BEGIN:VEVENT\r\n"
                    "SUMMARY:Botox at Hello Gorgeous Med Spa\r\n"
                    "DTSTART;TZID=America/Chicago:20261202T100000\r\n...END:VCALENDAR\r\n"
                }
            },
            "description": "The appointment as iCalendar.",
        },
        **error_responses(401, 404, 503),
    },
    openapi_extra=OPTIONAL_ADMIN,
    summary="A client's appointment as an .ics file (add to calendar)",
)
def get_booking_calendar(
    appointment_id: Annotated[Str64, Path(description="The appointment's UUID.")],
    uow: UowDep,
    is_admin: AdminCaller,
    manage_token: Annotated[
        Str200 | None,
        Header(alias="X-Manage-Token", description="The manage token returned at booking."),
    ] = None,
) -> Response:
    """One event per part, in business-local time; it never carries the manage link."""
    data = appointment_calendar(uow, appointment_id, _requester(is_admin, manage_token))
    return Response(
        content=data,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="appointment.ics"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/{appointment_id}",
    response_model=BookingOut,
    response_model_exclude_unset=True,
    responses=error_responses(401, 404, 503),
    openapi_extra=OPTIONAL_ADMIN,
    summary="A client's own appointment",
)
def get_booking(
    appointment_id: Annotated[Str64, Path(description="The appointment's UUID.")],
    uow: UowDep,
    is_admin: AdminCaller,
    manage_token: Annotated[
        Str200 | None,
        Header(alias="X-Manage-Token", description="The manage token returned at booking."),
    ] = None,
) -> BookingOut:
    appointment = get_appointment(uow, appointment_id, _requester(is_admin, manage_token))
    return BookingOut(appointment=appointment_out(appointment, full=is_admin))
