"""Admin notifications list, provider feed tokens and the .ics calendar feed (notifications issue).

Thin: parse, call booking_core's notification functions, return. Errors are BookingErrors mapped
by the app's handlers into ``{"error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from booking_core import (
    MAX_NOTIFICATIONS_LISTED,
    count_by_status,
    issue_feed_token,
    list_notifications,
    provider_feed,
    revoke_feed_token,
)
from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from http_api.deps import UowDep, admin_bearer, require_admin
from http_api.errors import error_responses
from http_api.schemas import Id

Status = Literal["pending", "sending", "sent", "failed", "cancelled"]
ProviderId = Annotated[Id, Path(description="The provider's id.")]

router = APIRouter()
admin = APIRouter(
    prefix="/api/admin",
    tags=["admin"],
    dependencies=[Depends(admin_bearer), Depends(require_admin)],
)


# --- bodies -----------------------------------------------------------------------------------
class NotificationOut(BaseModel):
    id: int
    appointment_id: str | None
    kind: str = Field(
        description="client_confirmation, client_reschedule, client_cancellation, "
        "client_reminder or owner_notification."
    )
    channel: Literal["sms", "email"]
    recipient: str
    subject: str
    body: str
    status: Status
    attempts: int
    last_error: str | None
    due_at: datetime = Field(description="When it is (next) to be tried.")
    created_at: datetime
    sent_at: datetime | None
    claimed_at: datetime | None
    claimed_by: str | None


class NotificationsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "failed",
                    "counts": {"pending": 2, "sending": 0, "sent": 40, "failed": 1, "cancelled": 3},
                    "notifications": [
                        {
                            "id": 17,
                            "appointment_id": "5d0c6a53-8d0e-4d8b-9f39-0b7c1a0e2f11",
                            "kind": "client_confirmation",
                            "channel": "sms",
                            "recipient": "+13125550100",
                            "subject": "",
                            "body": "Hi Jane, your Botox with Dr. Maya Patel at Hello Gorgeous "
                            "Med Spa is booked for Tue, Dec 1 at 2:30 PM CST. …",
                            "status": "failed",
                            "attempts": 5,
                            "last_error": "SMS API answered 503: Service Unavailable",
                            "due_at": "2026-11-30T12:15:00-06:00",
                            "created_at": "2026-11-30T12:00:00-06:00",
                            "sent_at": None,
                            "claimed_at": "2026-11-30T12:15:00-06:00",
                            "claimed_by": None,
                        }
                    ],
                }
            ]
        }
    )

    status: Status | None = Field(description="The filter applied, if any.")
    counts: dict[str, int] = Field(description="How many messages are in each status.")
    notifications: list[NotificationOut] = Field(description="Newest first.")


class FeedTokenOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "provider_id": 1,
                    "token": "q3X9…",
                    "feed_url": "https://book.example.com/calendar/1.ics?token=q3X9…",
                    "webcal_url": "webcal://book.example.com/calendar/1.ics?token=q3X9…",
                    "created_at": "2026-11-30T12:00:00-06:00",
                }
            ]
        }
    )

    provider_id: int
    token: str = Field(description="Shown once; only its hash is stored.")
    feed_url: str = Field(description="Subscribe to this URL in a calendar app.")
    webcal_url: str = Field(description="The same feed as a webcal:// link (opens calendar apps).")
    created_at: datetime


class FeedTokenRevokedOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"provider_id": 1, "revoked": True}]})

    provider_id: int
    revoked: bool = Field(description="False when the provider had no feed token.")


# --- admin ------------------------------------------------------------------------------------
@admin.get(
    "/notifications",
    response_model=NotificationsOut,
    responses=error_responses(401, 422, 503),
    summary="Outbox messages, e.g. the failed ones (`?status=failed`)",
)
def get_notifications(
    uow: UowDep,
    status: Annotated[Status | None, Query(description="Only messages in this status.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_NOTIFICATIONS_LISTED)] = 100,
) -> NotificationsOut:
    """Failed messages (retries used up, or refused by the SMS/e-mail provider) stay here for
    the owner to follow up by hand."""
    records = list_notifications(uow, status=status, limit=limit)
    return NotificationsOut(
        status=status,
        counts=count_by_status(uow),
        notifications=[NotificationOut(**vars(r)) for r in records],
    )


def _webcal(url: str) -> str:
    return "webcal://" + url.split("://", 1)[-1]


@admin.post(
    "/providers/{provider_id}/feed-token",
    status_code=201,
    response_model=FeedTokenOut,
    responses=error_responses(401, 404, 409, 422, 503),
    summary="Issue a calendar feed token (revokes the previous one)",
)
def post_feed_token(provider_id: ProviderId, uow: UowDep) -> FeedTokenOut:
    issued = issue_feed_token(uow, provider_id)
    return FeedTokenOut(
        provider_id=provider_id,
        token=issued.token,
        feed_url=issued.feed_url,
        webcal_url=_webcal(issued.feed_url),
        created_at=issued.created_at.astimezone(uow.tz),
    )


@admin.delete(
    "/providers/{provider_id}/feed-token",
    response_model=FeedTokenRevokedOut,
    responses=error_responses(401, 404, 409, 422, 503),
    summary="Revoke the provider's calendar feed token",
)
def delete_feed_token(provider_id: ProviderId, uow: UowDep) -> FeedTokenRevokedOut:
    return FeedTokenRevokedOut(provider_id=provider_id, revoked=revoke_feed_token(uow, provider_id))


# --- the feed ---------------------------------------------------------------------------------
@router.get(
    "/calendar/{provider_id}.ics",
    tags=["calendar"],
    response_class=Response,
    responses={
        200: {
            "description": "An RFC 5545 calendar (past 30 days to the booking horizon).",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        },
        **error_responses(404, 422, 503),
    },
    summary="A provider's calendar feed, for calendar apps to subscribe to",
)
def get_calendar_feed(
    provider_id: ProviderId,
    uow: UowDep,
    token: Annotated[
        str | None,
        Query(
            max_length=200,
            description="The provider's feed token (calendar apps cannot send headers). A wrong "
            "or missing token answers 404, like an unknown provider.",
        ),
    ] = None,
) -> Response:
    body = provider_feed(uow, provider_id, token)
    return Response(
        content=body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'inline; filename="provider-{provider_id}.ics"',
            "Cache-Control": "private, max-age=300",
        },
    )


router.include_router(admin)
