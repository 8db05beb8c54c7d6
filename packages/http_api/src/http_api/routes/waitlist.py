"""The waitlist: clients join and leave it and claim offered times (public); the front desk
lists, removes and offers by hand (admin); and the two pages a waitlist text links to."""

from __future__ import annotations

from typing import Annotated

from booking_core import (
    Requester,
    ValidationFailed,
    claim_offer,
    join_waitlist,
    leave_waitlist,
    list_waitlist,
    offer_by_hand,
    remove_waitlist_entry,
    waitlist_bookings_this_month,
)
from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import FileResponse

from http_api.deps import PublicWriteCaller, SettingsDep, UowDep, admin_bearer, require_admin
from http_api.errors import WRITE_ERRORS, error_responses
from http_api.schemas import (
    CreatedBookingOut,
    DeletedOut,
    Id,
    LocalDate,
    WaitlistClaimIn,
    WaitlistEntryEnvelope,
    WaitlistJoinedOut,
    WaitlistJoinIn,
    WaitlistLeaveIn,
    WaitlistListOut,
    WaitlistOfferIn,
    appointment_out,
    waitlist_entry_out,
)
from http_api.web import STATIC_DIR, client_page_headers

router = APIRouter(prefix="/api/waitlist", tags=["booking"])
admin_router = APIRouter(
    prefix="/api/admin/waitlist",
    tags=["admin"],
    dependencies=[Depends(admin_bearer), Depends(require_admin)],
)
pages = APIRouter(include_in_schema=False)

EntryId = Annotated[Id, Path(description="The waitlist entry's id.")]


@router.post(
    "",
    status_code=201,
    response_model=WaitlistJoinedOut,
    response_model_exclude_unset=True,
    responses={
        200: {"model": WaitlistJoinedOut, "description": "Already on the list for the same."},
        **error_responses(404, 429, *WRITE_ERRORS),
    },
    summary="Join the waitlist for a service (or visit), dates and times of day",
)
def join(
    body: WaitlistJoinIn, uow: UowDep, response: Response, _caller: PublicWriteCaller
) -> WaitlistJoinedOut:
    """Texts the client what they joined, until when, and how to leave. The same client joining
    for the same wishes again gets 200 with the existing entry (no new token); a phone holds at
    most 3 active entries (409 `waitlist_limit`)."""
    result = join_waitlist(
        uow,
        service_ids=_service_ids(body),
        provider_id=body.provider_id,
        date_from=body.date_from,
        date_to=body.date_to,
        earliest_time=body.earliest_time,
        latest_time=body.latest_time,
        client_name=body.client.name,
        client_phone=body.client.phone,
        client_email=body.client.email,
        requester=Requester.web(),
    )
    if not result.created:
        response.status_code = 200
    joined = WaitlistJoinedOut(entry=waitlist_entry_out(result.entry, full=False))
    if result.manage_token:  # only for a new entry: the client already has it otherwise
        joined.manage_token = result.manage_token
    return joined


def _service_ids(body: WaitlistJoinIn) -> list[int]:
    if (body.service_id is None) == (body.services is None):
        raise ValidationFailed(
            "Give service_id or services: one of the two.",
            fields={"service_id": "one of service_id or services"},
        )
    return [body.service_id] if body.service_id is not None else list(body.services or [])


@router.post(
    "/{entry_id}/leave",
    response_model=WaitlistEntryEnvelope,
    responses=error_responses(404, 429, *WRITE_ERRORS),
    summary="Leave the waitlist (leaving twice is harmless)",
)
def leave(
    entry_id: EntryId, body: WaitlistLeaveIn, uow: UowDep, _caller: PublicWriteCaller
) -> WaitlistEntryEnvelope:
    entry = leave_waitlist(uow, entry_id, body.manage_token)
    return WaitlistEntryEnvelope(entry=waitlist_entry_out(entry, full=False))


@router.post(
    "/claim",
    status_code=201,
    response_model=CreatedBookingOut,
    responses=error_responses(404, 410, 429, *WRITE_ERRORS),
    summary="Claim an offered time (books it, like POST /api/booking/create)",
)
def claim(body: WaitlistClaimIn, uow: UowDep, _caller: PublicWriteCaller) -> CreatedBookingOut:
    """201 with the appointment and its manage token; 409 `slot_unavailable` with alternatives
    when someone else claimed it first (you stay on the list); 410 `offer_expired`; a wrong
    token 404 `not_found`."""
    result = claim_offer(uow, body.offer_id, body.token)
    return CreatedBookingOut(
        appointment=appointment_out(result.appointment, full=False),
        manage_token=result.manage_token or "",
    )


@admin_router.get(
    "",
    response_model=WaitlistListOut,
    responses=error_responses(401, 422, 503),
    summary="Waitlist entries (newest first) with their offers",
)
def list_entries(
    uow: UowDep,
    date: Annotated[LocalDate | None, Query(description="Entries covering this date.")] = None,
    service_id: Annotated[Id | None, Query(description="Entries asking for it.")] = None,
) -> WaitlistListOut:
    entries = list_waitlist(uow, date, service_id)
    return WaitlistListOut(
        entries=[waitlist_entry_out(e, full=True) for e in entries],
        booked_from_waitlist_this_month=waitlist_bookings_this_month(uow),
    )


@admin_router.delete(
    "/{entry_id}",
    response_model=DeletedOut,
    responses=error_responses(401, 404, *WRITE_ERRORS),
    summary="Remove a waitlist entry",
)
def remove(entry_id: EntryId, uow: UowDep) -> DeletedOut:
    remove_waitlist_entry(uow, entry_id)
    return DeletedOut()


@admin_router.post(
    "/{entry_id}/offer",
    response_model=WaitlistEntryEnvelope,
    responses=error_responses(401, 404, *WRITE_ERRORS),
    summary="Offer an entry a time by hand (texted like any offer)",
)
def offer(entry_id: EntryId, body: WaitlistOfferIn, uow: UowDep) -> WaitlistEntryEnvelope:
    entry = offer_by_hand(uow, entry_id, body.start)
    return WaitlistEntryEnvelope(entry=waitlist_entry_out(entry, full=True))


@pages.get("/waitlist/claim/{offer_id}")
def claim_page(offer_id: str, settings: SettingsDep) -> FileResponse:
    """The page a waitlist offer links to (the token is in the URL fragment)."""
    return FileResponse(STATIC_DIR / "claim.html", headers=client_page_headers(settings))


@pages.get("/waitlist/{entry_id}")
def entry_page(entry_id: str, settings: SettingsDep) -> FileResponse:
    """The page a "you joined the waitlist" text links to, to leave it."""
    return FileResponse(STATIC_DIR / "waitlist.html", headers=client_page_headers(settings))
