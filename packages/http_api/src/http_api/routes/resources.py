"""Admin endpoints for rooms and devices (resources), their time off and the resources each
service requires; every one needs ``Authorization: Bearer <admin token>``."""

from __future__ import annotations

from typing import Annotated

# The routes below are named like these functions (and the names are their operation ids).
from booking_core import add_resource_time_off as core_add_resource_time_off
from booking_core import create_resource as core_create_resource
from booking_core import delete_resource_time_off as core_delete_resource_time_off
from booking_core import list_resource_time_off as core_list_resource_time_off
from booking_core import list_resources as core_list_resources
from booking_core import service_resource_groups, set_service_resource_groups, update_resource
from fastapi import APIRouter, Depends, Path

from http_api.deps import UowDep, admin_bearer, require_admin
from http_api.errors import WRITE_ERRORS, error_responses
from http_api.schemas import (
    DeletedOut,
    Id,
    ResourceCreateIn,
    ResourceEnvelope,
    ResourcePatchIn,
    ResourcesOut,
    ResourceTimeOffEnvelope,
    ResourceTimeOffListOut,
    ServiceResourcesIn,
    ServiceResourcesOut,
    TimeOffIn,
    resource_out,
    resource_time_off_out,
)

router = APIRouter(
    prefix="/api/admin",
    tags=["admin"],
    dependencies=[Depends(admin_bearer), Depends(require_admin)],
)

_LOOKUP = error_responses(401, 404, 422, 503)
_WRITE = error_responses(401, 404, *WRITE_ERRORS)

ResourceId = Annotated[Id, Path(description="The resource's id.")]
ServiceId = Annotated[Id, Path(description="The service's id.")]


# --- resources --------------------------------------------------------------------------------
@router.get(
    "/resources",
    response_model=ResourcesOut,
    responses=error_responses(401, 503),
    summary="All rooms and devices, active or not",
)
def list_resources(uow: UowDep) -> ResourcesOut:
    return ResourcesOut(resources=[resource_out(r) for r in core_list_resources(uow)])


@router.post(
    "/resources",
    status_code=201,
    response_model=ResourceEnvelope,
    responses=_WRITE,
    summary="Add a room or a device",
)
def create_resource(body: ResourceCreateIn, uow: UowDep) -> ResourceEnvelope:
    """Each resource is one unit: two laser rooms are two resources. Its kind is fixed."""
    resource = core_create_resource(uow, body.name, body.kind, body.active)
    return ResourceEnvelope(resource=resource_out(resource))


@router.patch(
    "/resources/{resource_id}",
    response_model=ResourceEnvelope,
    responses=_WRITE,
    summary="Rename or (de)activate a room or a device",
)
def patch_resource(resource_id: ResourceId, body: ResourcePatchIn, uow: UowDep) -> ResourceEnvelope:
    """A different `kind` is refused (422 `validation_error`). `{"active": false}` is refused
    with 409 `resource_has_future_bookings` (with the bookings) while upcoming booked
    appointments hold the resource."""
    resource = update_resource(uow, resource_id, **body.model_dump(exclude_unset=True))
    return ResourceEnvelope(resource=resource_out(resource))


# --- a service's requirements -----------------------------------------------------------------
@router.get(
    "/services/{service_id}/resources",
    response_model=ServiceResourcesOut,
    responses=_LOOKUP,
    summary="The resources a service requires (groups of alternatives)",
)
def get_service_resources(service_id: ServiceId, uow: UowDep) -> ServiceResourcesOut:
    """`{"groups": [[1, 2], [3]]}`: a booking of the service takes one free resource of each
    group (here room 1 or 2, and resource 3)."""
    return ServiceResourcesOut(groups=service_resource_groups(uow, service_id))


@router.put(
    "/services/{service_id}/resources",
    response_model=ServiceResourcesOut,
    responses=_WRITE,
    summary="Replace the resources a service requires",
)
def put_service_resources(
    service_id: ServiceId, body: ServiceResourcesIn, uow: UowDep
) -> ServiceResourcesOut:
    """Applies to new bookings; existing ones keep what they reserved."""
    groups = set_service_resource_groups(uow, service_id, [list(g) for g in body.groups])
    return ServiceResourcesOut(groups=groups)


# --- resource time off ------------------------------------------------------------------------
@router.get(
    "/resources/{resource_id}/time-off",
    response_model=ResourceTimeOffListOut,
    responses=_LOOKUP,
    summary="A room's or device's time off (maintenance)",
)
def list_resource_time_off(resource_id: ResourceId, uow: UowDep) -> ResourceTimeOffListOut:
    return ResourceTimeOffListOut(
        time_off=[resource_time_off_out(e) for e in core_list_resource_time_off(uow, resource_id)]
    )


@router.post(
    "/resources/{resource_id}/time-off",
    status_code=201,
    response_model=ResourceTimeOffEnvelope,
    responses=_WRITE,
    summary="Take a room or a device out of use for a while",
)
def add_resource_time_off(
    resource_id: ResourceId, body: TimeOffIn, uow: UowDep
) -> ResourceTimeOffEnvelope:
    """Refused with 409 `resource_has_future_bookings` (with the bookings) over booked
    appointments that hold the resource: move or cancel them first."""
    entry = core_add_resource_time_off(uow, resource_id, body.start, body.end, body.reason)
    return ResourceTimeOffEnvelope(time_off=resource_time_off_out(entry))


@router.delete(
    "/resource-time-off/{time_off_id}",
    response_model=DeletedOut,
    responses=_WRITE,
    summary="Remove a room's or device's time off",
)
def delete_resource_time_off(
    time_off_id: Annotated[Id, Path(description="The time-off entry's id.")], uow: UowDep
) -> DeletedOut:
    core_delete_resource_time_off(uow, time_off_id)
    return DeletedOut()
