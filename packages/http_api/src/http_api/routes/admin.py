"""Admin (provider calendar) endpoints; every one needs ``Authorization: Bearer <admin token>``."""

from __future__ import annotations

from typing import Annotated

from booking_core import (
    MAX_CALENDAR_DAYS,
    Requester,
    WorkingHours,
    blocked_time,
    booked_during,
    booked_on_date,
    calendar,
    calendar_version,
    get_working_hours,
    provider_services,
    set_appointment_status,
    set_provider_services,
    set_working_hours,
    update_provider,
    update_service,
)

# The routes below are named like these functions (and the names are their operation ids).
from booking_core import add_closure as core_add_closure
from booking_core import add_time_off as core_add_time_off
from booking_core import create_provider as core_create_provider
from booking_core import create_service as core_create_service
from booking_core import delete_closure as core_delete_closure
from booking_core import delete_time_off as core_delete_time_off
from booking_core import list_closures as core_list_closures
from booking_core import list_providers as core_list_providers
from booking_core import list_services as core_list_services
from booking_core import list_time_off as core_list_time_off
from fastapi import APIRouter, Depends, Path, Query

from http_api.deps import UowDep, admin_bearer, require_admin
from http_api.errors import WRITE_ERRORS, error_responses
from http_api.schemas import (
    AdminProviderEnvelope,
    AdminProvidersOut,
    AdminServiceEnvelope,
    AdminServicesOut,
    BlockedOut,
    BookingOut,
    CalendarOut,
    CalendarVersionOut,
    ClosureEnvelope,
    ClosureIn,
    ClosureOut,
    ClosuresOut,
    DeletedOut,
    HoursIn,
    HoursIntervalOut,
    HoursOut,
    Id,
    LocalDate,
    OfferingOut,
    ProviderCreateIn,
    ProviderPatchIn,
    ProviderRefOut,
    ProviderServicesIn,
    ProviderServicesOut,
    ServiceCreateIn,
    ServicePatchIn,
    StatusIn,
    Str64,
    TimeOffEnvelope,
    TimeOffIn,
    TimeOffListOut,
    admin_provider_out,
    admin_service_out,
    appointment_out,
    hhmm,
    time_off_out,
)

router = APIRouter(
    prefix="/api/admin",
    tags=["admin"],
    dependencies=[Depends(admin_bearer), Depends(require_admin)],
)

_READ = error_responses(401, 422, 503)
_LOOKUP = error_responses(401, 404, 422, 503)
_WRITE = error_responses(401, 404, *WRITE_ERRORS)

ProviderId = Annotated[Id, Path(description="The provider's id.")]


# --- calendar ---------------------------------------------------------------------------------
@router.get(
    "/calendar",
    response_model=CalendarOut,
    responses=_READ,
    summary="Every appointment starting in a local date range, with full client details",
)
def get_calendar(
    uow: UowDep,
    date: Annotated[LocalDate, Query(description="First local date, YYYY-MM-DD.")],
    days: Annotated[int, Query(ge=1, le=MAX_CALENDAR_DAYS)] = 1,
    provider_id: Annotated[Id | None, Query()] = None,
) -> CalendarOut:
    """All statuses and sources, sorted by start then provider id; with the blocked time
    (closures, time off, breaks, hours off, resource maintenance) of those days."""
    appointments = calendar(uow, date, days, provider_id)
    appointments.sort(key=lambda a: (a.start, a.provider_id))
    providers = {
        p.provider.id: p.provider.name
        for p in core_list_providers(uow)
        if provider_id is None or p.provider.id == provider_id
    }
    # A provider deactivated since still shows next to their past appointments.
    for appointment in appointments:
        for part in appointment.parts:
            if provider_id is None or part.provider_id == provider_id:
                providers.setdefault(part.provider_id, part.provider_name)
    return CalendarOut(
        timezone=uow.settings.timezone,
        date=date,
        days=days,
        providers=[ProviderRefOut(id=i, name=n) for i, n in sorted(providers.items())],
        appointments=[appointment_out(a, full=True) for a in appointments],
        blocked=[
            BlockedOut(
                kind=b.kind,
                provider_id=b.provider_id,
                resource_id=b.resource_id,
                start=b.start,
                end=b.end,
                reason=b.reason,
            )
            for b in blocked_time(uow, date, days, provider_id)
        ],
        version=calendar_version(uow),
    )


@router.get(
    "/calendar/version",
    response_model=CalendarVersionOut,
    responses=_READ,
    summary="A marker that changes whenever anything is booked or changed",
)
def get_calendar_version(uow: UowDep) -> CalendarVersionOut:
    """Cheap to ask every few seconds: a calendar left open reloads only when it changes (another
    desk, the booking page or the AI receptionist booked, moved or cancelled)."""
    return CalendarVersionOut(version=calendar_version(uow))


@router.post(
    "/appointments/{appointment_id}/status",
    response_model=BookingOut,
    responses=_WRITE,
    summary="Check an appointment in (arrived), or mark it completed or no_show",
)
def post_status(
    appointment_id: Annotated[Str64, Path(description="The appointment's UUID.")],
    body: StatusIn,
    uow: UowDep,
) -> BookingOut:
    appointment = set_appointment_status(
        uow, appointment_id=appointment_id, status=body.status, requester=Requester.admin()
    )
    return BookingOut(appointment=appointment_out(appointment, full=True))


# --- providers --------------------------------------------------------------------------------
def _provider_envelope(uow: UowDep, provider_id: int) -> AdminProviderEnvelope:
    provider = next(
        p for p in core_list_providers(uow, include_inactive=True) if p.provider.id == provider_id
    )
    return AdminProviderEnvelope(
        provider=admin_provider_out(provider.provider, provider.service_ids)
    )


@router.get(
    "/providers",
    response_model=AdminProvidersOut,
    responses=error_responses(401, 503),
    summary="All providers, active or not",
)
def list_providers(uow: UowDep) -> AdminProvidersOut:
    return AdminProvidersOut(
        providers=[
            admin_provider_out(p.provider, p.service_ids)
            for p in core_list_providers(uow, include_inactive=True)
        ]
    )


@router.post(
    "/providers",
    status_code=201,
    response_model=AdminProviderEnvelope,
    responses=_WRITE,
    summary="Add a provider",
)
def create_provider(body: ProviderCreateIn, uow: UowDep) -> AdminProviderEnvelope:
    provider = core_create_provider(uow, body.name, body.title, body.active)
    if body.photo_url or body.bio:
        provider = update_provider(uow, provider.id, photo_url=body.photo_url, bio=body.bio)
    return AdminProviderEnvelope(provider=admin_provider_out(provider, []))


@router.patch(
    "/providers/{provider_id}",
    response_model=AdminProviderEnvelope,
    responses=_WRITE,
    summary="Rename or (de)activate a provider",
)
def patch_provider(
    provider_id: ProviderId, body: ProviderPatchIn, uow: UowDep
) -> AdminProviderEnvelope:
    """`{"active": false}` deactivates; refused with 409 `provider_has_future_bookings` (with
    the count) while they have upcoming booked appointments."""
    update_provider(uow, provider_id, **body.model_dump(exclude_unset=True))
    return _provider_envelope(uow, provider_id)


@router.put(
    "/providers/{provider_id}/services",
    response_model=ProviderServicesOut,
    responses=_WRITE,
    summary="Replace the services a provider offers",
)
def put_provider_services(
    provider_id: ProviderId, body: ProviderServicesIn, uow: UowDep
) -> ProviderServicesOut:
    offerings = set_provider_services(
        uow, provider_id, [(o.service_id, o.duration_minutes) for o in body.services]
    )
    return ProviderServicesOut(
        provider_id=provider_id,
        services=[
            OfferingOut(service_id=o.service_id, duration_minutes=o.duration_minutes)
            for o in offerings
        ],
    )


@router.get(
    "/providers/{provider_id}/services",
    response_model=ProviderServicesOut,
    responses=_LOOKUP,
    summary="The services a provider offers, with their own durations",
)
def get_provider_services(provider_id: ProviderId, uow: UowDep) -> ProviderServicesOut:
    return ProviderServicesOut(
        provider_id=provider_id,
        services=[
            OfferingOut(service_id=o.service_id, duration_minutes=o.duration_minutes)
            for o in provider_services(uow, provider_id)
        ],
    )


@router.get(
    "/providers/{provider_id}/hours",
    response_model=HoursOut,
    responses=_LOOKUP,
    summary="A provider's weekly hours",
)
def get_hours(provider_id: ProviderId, uow: UowDep) -> HoursOut:
    return _hours_out(provider_id, get_working_hours(uow, provider_id))


@router.put(
    "/providers/{provider_id}/hours",
    response_model=HoursOut,
    responses=_WRITE,
    summary="Replace a provider's weekly hours (weekday 0 = Monday, local wall times)",
)
def put_hours(provider_id: ProviderId, body: HoursIn, uow: UowDep) -> HoursOut:
    saved = set_working_hours(uow, provider_id, [(h.weekday, h.start, h.end) for h in body.hours])
    return _hours_out(provider_id, saved)


def _hours_out(provider_id: int, hours: list[WorkingHours]) -> HoursOut:
    return HoursOut(
        provider_id=provider_id,
        hours=[
            HoursIntervalOut(weekday=h.weekday, start=hhmm(h.start), end=hhmm(h.end)) for h in hours
        ],
    )


@router.get(
    "/providers/{provider_id}/time-off",
    response_model=TimeOffListOut,
    responses=_LOOKUP,
    summary="A provider's time off",
)
def list_time_off(provider_id: ProviderId, uow: UowDep) -> TimeOffListOut:
    return TimeOffListOut(time_off=[time_off_out(e) for e in core_list_time_off(uow, provider_id)])


@router.post(
    "/providers/{provider_id}/time-off",
    status_code=201,
    response_model=TimeOffEnvelope,
    responses=_WRITE,
    summary="Block time for a provider",
)
def add_time_off(provider_id: ProviderId, body: TimeOffIn, uow: UowDep) -> TimeOffEnvelope:
    entry = core_add_time_off(uow, provider_id, body.start, body.end, body.reason)
    overlapping = booked_during(uow, entry.start, entry.end, provider_id)
    return TimeOffEnvelope(
        time_off=time_off_out(entry),
        overlapping_appointments=[appointment_out(a, full=True) for a in overlapping],
    )


@router.delete(
    "/time-off/{time_off_id}",
    response_model=DeletedOut,
    responses=_WRITE,
    summary="Remove time off",
)
def delete_time_off(
    time_off_id: Annotated[Id, Path(description="The time-off entry's id.")], uow: UowDep
) -> DeletedOut:
    core_delete_time_off(uow, time_off_id)
    return DeletedOut()


# --- services ---------------------------------------------------------------------------------
@router.get(
    "/services",
    response_model=AdminServicesOut,
    responses=error_responses(401, 503),
    summary="All services, active or not",
)
def list_services(uow: UowDep) -> AdminServicesOut:
    return AdminServicesOut(
        services=[admin_service_out(s) for s in core_list_services(uow, include_inactive=True)]
    )


@router.post(
    "/services",
    status_code=201,
    response_model=AdminServiceEnvelope,
    responses=_WRITE,
    summary="Add a service",
)
def create_service(body: ServiceCreateIn, uow: UowDep) -> AdminServiceEnvelope:
    service = core_create_service(uow, **body.model_dump())
    return AdminServiceEnvelope(service=admin_service_out(service))


@router.patch(
    "/services/{service_id}",
    response_model=AdminServiceEnvelope,
    responses=_WRITE,
    summary="Change or (de)activate a service",
)
def patch_service(
    service_id: Annotated[Id, Path(description="The service's id.")],
    body: ServicePatchIn,
    uow: UowDep,
) -> AdminServiceEnvelope:
    service = update_service(uow, service_id, **body.model_dump(exclude_unset=True))
    return AdminServiceEnvelope(service=admin_service_out(service))


# --- closures ---------------------------------------------------------------------------------
@router.get(
    "/closures",
    response_model=ClosuresOut,
    responses=error_responses(401, 503),
    summary="Business-wide closed dates",
)
def list_closures(uow: UowDep) -> ClosuresOut:
    return ClosuresOut(
        closures=[ClosureOut(date=c.date, reason=c.reason) for c in core_list_closures(uow)]
    )


@router.post(
    "/closures",
    status_code=201,
    response_model=ClosureEnvelope,
    responses=_WRITE,
    summary="Close the business on a local date (replaces the reason if already closed)",
)
def add_closure(body: ClosureIn, uow: UowDep) -> ClosureEnvelope:
    closure = core_add_closure(uow, body.date, body.reason)
    overlapping = booked_on_date(uow, closure.date)
    return ClosureEnvelope(
        closure=ClosureOut(date=closure.date, reason=closure.reason),
        overlapping_appointments=[appointment_out(a, full=True) for a in overlapping],
    )


@router.delete(
    "/closures/{date}",
    response_model=DeletedOut,
    responses=_WRITE,
    summary="Reopen a closed date",
)
def delete_closure(
    date: Annotated[LocalDate, Path(description="The closed local date, YYYY-MM-DD.")],
    uow: UowDep,
) -> DeletedOut:
    core_delete_closure(uow, date)
    return DeletedOut()
