"""The front desk's clients (admin): search, a client's record, and edits."""

from __future__ import annotations

from typing import Annotated

from booking_core import ClientRecord, get_client_record, search_clients, update_client
from fastapi import APIRouter, Depends, Path, Query

from http_api.deps import UowDep, admin_bearer, require_admin
from http_api.errors import WRITE_ERRORS, error_responses
from http_api.schemas import (
    AdminClientOut,
    AdminClientRecordOut,
    AdminClientsOut,
    ClientPatchIn,
    Id,
    Str200,
    appointment_out,
)

router = APIRouter(
    prefix="/api/admin/clients",
    tags=["admin"],
    dependencies=[Depends(admin_bearer), Depends(require_admin)],
)

ClientId = Annotated[Id, Path(description="The client's id.")]


@router.get(
    "",
    response_model=AdminClientsOut,
    responses=error_responses(401, 422, 503),
    summary="Find clients by any part of their name, phone digits or e-mail",
)
def list_clients(
    uow: UowDep,
    query: Annotated[Str200, Query(description="Empty: every client, by name.")] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AdminClientsOut:
    found = search_clients(uow, query, limit, offset)
    return AdminClientsOut(
        clients=[AdminClientOut(id=c.id, name=c.name, phone=c.phone, email=c.email) for c in found]
    )


@router.get(
    "/{client_id}",
    response_model=AdminClientRecordOut,
    responses=error_responses(401, 404, 422, 503),
    summary="A client with private notes, counts and every visit (newest first)",
)
def get_client(client_id: ClientId, uow: UowDep) -> AdminClientRecordOut:
    return _record_out(get_client_record(uow, client_id))


@router.patch(
    "/{client_id}",
    response_model=AdminClientRecordOut,
    responses=error_responses(401, 404, *WRITE_ERRORS),
    summary="Change a client's name, e-mail, phone or notes",
)
def patch_client(client_id: ClientId, body: ClientPatchIn, uow: UowDep) -> AdminClientRecordOut:
    """A phone another client already has answers 409 `phone_in_use`; with a new phone the
    client keeps their appointments."""
    record = update_client(uow, client_id, **body.model_dump(exclude_unset=True))
    return _record_out(record)


def _record_out(record: ClientRecord) -> AdminClientRecordOut:
    client = record.client
    return AdminClientRecordOut(
        id=client.id,
        name=client.name,
        phone=client.phone,
        email=client.email,
        notes=record.notes,
        no_show_count=record.no_show_count,
        late_cancel_count=record.late_cancel_count,
        appointments=[appointment_out(a, full=True) for a in record.appointments],
    )
