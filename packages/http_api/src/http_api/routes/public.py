"""Public reads: the business, its services and providers, and availability."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from booking_core import availability_overview, business_info, list_providers, list_services
from fastapi import APIRouter, Query, Response

from http_api.deps import RenderedDep, SettingsDep, UowDep
from http_api.errors import INPUT_ERRORS, READ_ERRORS, error_responses
from http_api.schemas import (
    MAX_LISTED_SERVICES,
    AvailabilityOut,
    BusinessOut,
    DayHoursOut,
    DayOut,
    Id,
    LocalDate,
    ProviderOut,
    ProvidersOut,
    ServicesOut,
    faq_entry_out,
    hhmm,
    service_out,
    slot_out,
)

router = APIRouter(prefix="/api", tags=["public"])

MAX_AVAILABILITY_DAYS = 31


@router.get(
    "/business",
    response_model=BusinessOut,
    responses=error_responses(*READ_ERRORS),
    summary="The business: name, phone, time zone, local now, opening hours, policies and FAQ",
)
def get_business(uow: UowDep) -> BusinessOut:
    """`hours` is, per weekday (0 = Monday), the span from the earliest provider start to the
    latest provider end. Days nobody works are absent. `change_cutoff_hours`: how late before
    the start a client may still cancel or reschedule online; `min_notice_minutes`: how soon a
    client may book. `policies` and `faq`: the owner's texts for clients (admin-edited)."""
    info = business_info(uow)
    return BusinessOut(
        name=info.name,
        phone=info.phone,
        timezone=info.timezone,
        now=info.now,
        hours=[
            DayHoursOut(weekday=h.weekday, open=hhmm(h.open), close=hhmm(h.close))
            for h in info.hours
        ],
        change_cutoff_hours=info.change_cutoff_hours,
        min_notice_minutes=info.min_notice_minutes,
        horizon_days=uow.settings.horizon_days,
        policies=info.policies,
        faq=[faq_entry_out(e) for e in info.faq],
    )


@router.get(
    "/services",
    response_model=ServicesOut,
    responses=error_responses(*READ_ERRORS),
    summary="Bookable services (and the business phone, even when there are none)",
)
def get_services(uow: UowDep, settings: SettingsDep) -> ServicesOut:
    return ServicesOut(
        services=[service_out(s) for s in list_services(uow)], phone=settings.business_phone
    )


@router.get(
    "/providers",
    response_model=ProvidersOut,
    responses=error_responses(*INPUT_ERRORS),
    summary="Active providers (who offer the service, with service_id)",
)
def get_providers(
    uow: UowDep,
    service_id: Annotated[Id | None, Query(description="Only providers offering it.")] = None,
) -> ProvidersOut:
    return ProvidersOut(
        providers=[
            ProviderOut(
                id=p.provider.id,
                name=p.provider.name,
                title=p.provider.title,
                service_ids=p.service_ids,
                photo_url=p.provider.photo_url,
                bio=p.provider.bio,
            )
            for p in list_providers(uow, service_id=service_id)
        ]
    )


@router.get(
    "/availability",
    response_model=AvailabilityOut,
    response_model_exclude_unset=True,
    responses=error_responses(404, *INPUT_ERRORS),
    summary="Free start times for a service (or a visit of several) over business-local dates",
)
def get_availability(
    uow: UowDep,
    rendered: RenderedDep,
    service_id: Annotated[
        list[Id],
        Query(
            min_length=1,
            max_length=MAX_LISTED_SERVICES,
            description="The service. Repeated (`service_id=2&service_id=4`): a visit of these "
            "services back to back, in this order.",
            examples=[[2]],
        ),
    ],
    date: Annotated[LocalDate, Query(description="First local date, YYYY-MM-DD.")],
    days: Annotated[int, Query(ge=1, le=MAX_AVAILABILITY_DAYS)] = 1,
    provider_id: Annotated[Id | None, Query(description="Omit for every provider.")] = None,
) -> Response:
    """Slots sorted by start then provider, times with the business offset. Without
    `provider_id`, every active provider who offers the service. For a visit, the starts at
    which the whole visit fits: `end` is the visit's, `provider_id` the first part's, and
    `parts` gives each part's service, provider and times. `days` gives each asked date's
    status (`open`, `full`, `closed`); when the dates have no slot, `next_available` is the next
    free one after them."""
    overview = availability_overview(
        uow,
        service_id=service_id[0] if len(service_id) == 1 else service_id,
        start_date=date,
        end_date=date + timedelta(days=days - 1),
        provider_id=provider_id,
    )

    def render() -> bytes:
        out = AvailabilityOut(
            timezone=uow.settings.timezone,
            slots=[slot_out(s) for s in overview.slots],
            days=[DayOut(date=d.date, status=d.status, free=d.free) for d in overview.days],
            next_available=slot_out(overview.next_available) if overview.next_available else None,
        )
        return out.model_dump_json(exclude_unset=True).encode()

    # An overview made from the same kept searches (booking_core's, while current) is the same.
    key = ("availability", tuple(service_id), date, days, provider_id)
    body = rendered.json(key, overview.basis, render) if overview.basis else render()
    return Response(body, media_type="application/json")
