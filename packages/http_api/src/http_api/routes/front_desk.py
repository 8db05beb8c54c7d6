"""Admin endpoints for the front desk: callback requests (left by callers of the AI
receptionist), the owner's policy text and the FAQ; every one needs
``Authorization: Bearer <admin token>``. Clients read the policy and the FAQ through
``GET /api/business``."""

from __future__ import annotations

from typing import Annotated, Literal

from booking_core import FaqEntry, get_faq, get_policies, mark_callback_done, set_faq, set_policies

# The routes below are named like these functions (and the names are their operation ids).
from booking_core import list_callbacks as core_list_callbacks
from fastapi import APIRouter, Depends, Path, Query

from http_api.deps import UowDep, admin_bearer, require_admin
from http_api.errors import WRITE_ERRORS, error_responses
from http_api.schemas import (
    CallbackEnvelope,
    CallbacksOut,
    FaqIn,
    FaqOut,
    Id,
    PoliciesIn,
    PoliciesOut,
    callback_out,
    faq_entry_out,
)

router = APIRouter(
    prefix="/api/admin",
    tags=["admin"],
    dependencies=[Depends(admin_bearer), Depends(require_admin)],
)

_READ = error_responses(401, 503)
_WRITE = error_responses(401, *WRITE_ERRORS)


# --- callbacks --------------------------------------------------------------------------------
@router.get(
    "/callbacks",
    response_model=CallbacksOut,
    responses=error_responses(401, 422, 503),
    summary="Callback requests: who asked to be called back, when and why (newest first)",
)
def list_callbacks(
    uow: UowDep,
    status: Annotated[
        Literal["open", "done"] | None, Query(description="Only `open` or only `done` ones.")
    ] = None,
) -> CallbacksOut:
    return CallbacksOut(callbacks=[callback_out(c) for c in core_list_callbacks(uow, status)])


@router.post(
    "/callbacks/{callback_id}/done",
    response_model=CallbackEnvelope,
    responses=error_responses(401, 404, *WRITE_ERRORS),
    summary="Mark a callback request done",
)
def post_callback_done(
    callback_id: Annotated[Id, Path(description="The callback request's id.")], uow: UowDep
) -> CallbackEnvelope:
    return CallbackEnvelope(callback=callback_out(mark_callback_done(uow, callback_id)))


# --- policies and FAQ -------------------------------------------------------------------------
@router.get(
    "/policies",
    response_model=PoliciesOut,
    responses=_READ,
    summary="The owner's policy text (shown on the booking page and told to callers)",
)
def read_policies(uow: UowDep) -> PoliciesOut:
    return PoliciesOut(text=get_policies(uow))


@router.put(
    "/policies",
    response_model=PoliciesOut,
    responses=_WRITE,
    summary="Replace the policy text (at most 2,000 characters; empty for none)",
)
def put_policies(body: PoliciesIn, uow: UowDep) -> PoliciesOut:
    return PoliciesOut(text=set_policies(uow, body.text))


@router.get(
    "/faq",
    response_model=FaqOut,
    responses=_READ,
    summary="The FAQ entries, in order",
)
def read_faq(uow: UowDep) -> FaqOut:
    return FaqOut(entries=[faq_entry_out(e) for e in get_faq(uow)])


@router.put(
    "/faq",
    response_model=FaqOut,
    responses=_WRITE,
    summary="Replace the FAQ (at most 20 entries; question 200, answer 1,000 characters)",
)
def put_faq(body: FaqIn, uow: UowDep) -> FaqOut:
    saved = set_faq(uow, [FaqEntry(question=e.question, answer=e.answer) for e in body.entries])
    return FaqOut(entries=[faq_entry_out(e) for e in saved])
