"""Request and response bodies of the JSON API, and the converters from booking_core objects.

Input models only bound what the database could not store (integer ranges, text lengths, NUL
characters and lone surrogates) and publish booking_core's own text limits; every booking rule
and its readable message stays in booking_core.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, time
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from booking_core import (
    MAX_CATALOG_NAME,
    MAX_CLIENT_NAME,
    MAX_EMAIL,
    MAX_ID,
    MAX_NOTES,
    MAX_VISIT_PARTS,
    Appointment,
    AppointmentPart,
    Callback,
    FaqEntry,
    Provider,
    Resource,
    ResourceTimeOff,
    Service,
    Slot,
    SlotPart,
    TimeOff,
    WaitlistEntry,
    is_storable_text,
    mask_phone,
)
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator


def _storable(value: str) -> str:
    # Refused here too (booking_core refuses it in what it stores) so that every field of the
    # API answers 422 with its name, before anything runs.
    if not is_storable_text(value):
        raise ValueError("must be text without NUL characters or lone surrogates")
    return value


def _sane_date(value: date) -> date:
    if not date(1970, 1, 1) <= value <= date(2999, 12, 31):
        raise ValueError("must be between 1970-01-01 and 2999-12-31")
    return value


def _wall_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("must be a local wall time without an offset, like 09:00")
    return value


Str64 = Annotated[str, Field(max_length=64), AfterValidator(_storable)]
Str120 = Annotated[str, Field(max_length=120), AfterValidator(_storable)]
Str200 = Annotated[str, Field(max_length=200), AfterValidator(_storable)]
Str5000 = Annotated[str, Field(max_length=5000), AfterValidator(_storable)]
# The business's own limits (booking_core checks them with its readable messages).
ClientName = Annotated[str, Field(max_length=MAX_CLIENT_NAME), AfterValidator(_storable)]
CatalogName = Annotated[str, Field(max_length=MAX_CATALOG_NAME), AfterValidator(_storable)]
Email = Annotated[str, Field(max_length=MAX_EMAIL), AfterValidator(_storable)]
Notes = Annotated[str, Field(max_length=MAX_NOTES), AfterValidator(_storable)]
# What callers and clients are told (booking_core checks the same limits with its messages).
MAX_POLICIES = 2000
MAX_FAQ_ENTRIES = 20
MAX_FAQ_QUESTION = 200
MAX_FAQ_ANSWER = 1000
MAX_PREPARATION = 1000
PoliciesText = Annotated[str, Field(max_length=MAX_POLICIES), AfterValidator(_storable)]
FaqQuestion = Annotated[str, Field(max_length=MAX_FAQ_QUESTION), AfterValidator(_storable)]
FaqAnswer = Annotated[str, Field(max_length=MAX_FAQ_ANSWER), AfterValidator(_storable)]
Preparation = Annotated[str, Field(max_length=MAX_PREPARATION), AfterValidator(_storable)]

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Int32 = Annotated[int, Field(ge=-MAX_ID, le=MAX_ID)]


def _iso_date_text(value: Any) -> Any:
    # A date is YYYY-MM-DD: not a number of seconds since 1970 (pydantic would read "0", or
    # -6.6e-155, as 1970-01-01).
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError("must be a date written YYYY-MM-DD")
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


LocalDate = Annotated[date, BeforeValidator(_iso_date_text), AfterValidator(_sane_date)]
WallTime = Annotated[time, AfterValidator(_wall_time)]

#: The most services one visit may hold (booking_core's limit, published in the schema).
MAX_LISTED_SERVICES = MAX_VISIT_PARTS
#: Bounds of a service's resource requirements (groups of alternatives) in a request.
MAX_RESOURCE_GROUPS = 50

START_DESCRIPTION = (
    "ISO 8601 date and time. With an offset (2026-12-01T10:00:00-06:00) it is that instant; "
    "without one (2026-12-01T10:00) it is business-local time."
)


class _In(BaseModel):
    """A request body. JSON's types are taken strictly: a boolean is true or false (not 0 or
    1), a number is not true, a date or time is a string (not a number of seconds)."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _strict_json_types(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, kinds in _field_kinds(cls).items():
                for key in (name, cls.model_fields[name].alias):
                    if key and key in data:
                        _check_kind(key, data[key], kinds)
        return data


def _kinds_of(annotation: Any) -> set[str]:
    """The JSON-strict kinds an annotation accepts: bool, int, temporal, list:<kind>."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kinds_of(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return set().union(*(_kinds_of(arg) for arg in get_args(annotation)))
    if origin is list:
        return {f"list:{kind}" for kind in _kinds_of(get_args(annotation)[0])}
    if annotation is type(None):
        return set()
    if annotation is bool:
        return {"bool"}
    if annotation is int:
        return {"int"}
    if annotation in (date, datetime, time):
        return {"temporal"}
    return {"other"}


@functools.cache
def _field_kinds(model: type[BaseModel]) -> dict[str, set[str]]:
    return {name: _kinds_of(field.annotation) for name, field in model.model_fields.items()}


def _check_kind(name: str, value: Any, kinds: set[str]) -> None:
    if value is None:
        return
    if isinstance(value, list):
        inner = {kind[5:] for kind in kinds if kind.startswith("list:")}
        for item in value:
            _check_kind(name, item, inner)
        return
    if isinstance(value, bool):
        if "bool" not in kinds and kinds & {"int", "temporal"}:
            raise ValueError(f"{name} must not be true or false")
    elif "bool" in kinds and not kinds - {"bool"}:
        raise ValueError(f"{name} must be true or false")
    elif isinstance(value, int | float) and "temporal" in kinds and "int" not in kinds:
        raise ValueError(f"{name} must be written as text (ISO 8601), not a number")


# --- requests ---------------------------------------------------------------------------------
class ClientIn(_In):
    name: ClientName = Field(description="The client's name.")
    phone: Str64 = Field(
        description="Any US phone format, or an international number with + and its country "
        "code; stored as E.164."
    )
    email: Email | None = None


class VisitPartIn(_In):
    service_id: Id
    provider_id: Id | None = Field(None, description="Omit to take any free provider.")


class CreateBookingIn(_In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service_id": 2,
                    "provider_id": 1,
                    "start": "2026-12-01T10:00:00-06:00",
                    "client": {
                        "name": "Jane Doe",
                        "phone": "(312) 555-0199",
                        "email": "jane@example.com",
                    },
                    "notes": "First visit",
                },
                {
                    "services": [{"service_id": 2, "provider_id": 1}, {"service_id": 3}],
                    "start": "2026-12-01T10:00:00-06:00",
                    "client": {"name": "Jane Doe", "phone": "(312) 555-0199"},
                },
            ]
        }
    )

    service_id: Id | None = Field(
        None, description="The service, for a one-service booking. Or send `services`."
    )
    provider_id: Id | None = Field(None, description="Omit to take any free provider.")
    services: list[VisitPartIn] | None = Field(
        None,
        min_length=1,
        max_length=MAX_LISTED_SERVICES,
        description="A visit of several services run back to back from `start`, in this "
        "order, each with its own provider (omit it for any). Instead of `service_id`.",
    )
    start: Str64 = Field(description=START_DESCRIPTION)
    client: ClientIn
    notes: Notes | None = None


class CancelBookingIn(_In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "appointment_id": "3f1c2a7e-9a55-4a43-9f57-0c6a1c8f2b10",
                    "manage_token": "the token returned at booking",
                }
            ]
        }
    )

    appointment_id: Str64
    manage_token: Str200 | None = Field(
        None, description="Required unless the admin bearer token is sent."
    )


class ReschedulePartIn(_In):
    provider_id: Id | None = Field(None, description="Omit (or null) to keep this part's provider.")


class RescheduleBookingIn(CancelBookingIn):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "appointment_id": "3f1c2a7e-9a55-4a43-9f57-0c6a1c8f2b10",
                    "manage_token": "the token returned at booking",
                    "new_start": "2026-12-02T14:30",
                }
            ]
        }
    )

    new_start: Str64 = Field(description=START_DESCRIPTION)
    provider_id: Id | None = Field(
        None, description="Omit to keep the same provider (a one-service booking)."
    )
    parts: list[ReschedulePartIn] | None = Field(
        None,
        min_length=1,
        max_length=MAX_LISTED_SERVICES,
        description="For a visit: one entry per part, in order; each part keeps its provider "
        "unless its entry names another.",
    )


class ProviderCreateIn(_In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Dana Kim", "title": "RN", "active": True}]}
    )

    name: CatalogName
    title: Str120 = ""
    active: bool = True
    photo_url: Annotated[str, Field(max_length=500), AfterValidator(_storable)] = Field(
        "", description="An http(s) image URL (optional)."
    )
    bio: Annotated[str, Field(max_length=500), AfterValidator(_storable)] = ""


class ProviderPatchIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"active": False}]})

    name: CatalogName | None = None
    title: Str120 | None = None
    active: bool | None = None
    photo_url: Annotated[str, Field(max_length=500), AfterValidator(_storable)] | None = Field(
        None, description="An http(s) image URL; empty removes it."
    )
    bio: Annotated[str, Field(max_length=500), AfterValidator(_storable)] | None = None


class ServiceCreateIn(_In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Chemical Peel",
                    "description": "A light peel.",
                    "duration_minutes": 45,
                    "buffer_minutes": 15,
                    "price_cents": 12500,
                }
            ]
        }
    )

    name: CatalogName
    description: Str5000 = ""
    duration_minutes: Int32
    buffer_minutes: Int32 = 0
    price_cents: Int32 = 0
    active: bool = True
    preparation: Preparation = Field(
        "", description="How a client prepares (shown on the booking page and to callers)."
    )


class ServicePatchIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"price_cents": 37500}]})

    name: CatalogName | None = None
    description: Str5000 | None = None
    duration_minutes: Int32 | None = None
    buffer_minutes: Int32 | None = None
    price_cents: Int32 | None = None
    active: bool | None = None
    preparation: Preparation | None = Field(
        None, description='How a client prepares; `""` for nothing to say.'
    )


class OfferingIn(_In):
    service_id: Id
    duration_minutes: Int32 | None = Field(
        None, description="This provider's own duration; omit for the service's."
    )


class ProviderServicesIn(_In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"services": [{"service_id": 1}, {"service_id": 2, "duration_minutes": 45}]}
            ]
        }
    )

    services: list[OfferingIn] = Field(max_length=200)


class HoursIntervalIn(_In):
    weekday: Int32 = Field(description="0 = Monday ... 6 = Sunday.")
    start: WallTime = Field(description="Local wall time, HH:MM.")
    end: WallTime = Field(description="Local wall time, HH:MM.")


class HoursIn(_In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "hours": [
                        {"weekday": 0, "start": "09:00", "end": "12:00"},
                        {"weekday": 0, "start": "13:00", "end": "17:00"},
                    ]
                }
            ]
        }
    )

    hours: list[HoursIntervalIn] = Field(max_length=200)


class TimeOffIn(_In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"start": "2026-12-24T09:00", "end": "2026-12-24T17:00", "reason": "Holiday"}
            ]
        }
    )

    start: Str64 = Field(description=START_DESCRIPTION)
    end: Str64 = Field(description=START_DESCRIPTION)
    reason: Str200 = ""


class ClosureIn(_In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"date": "2026-12-25", "reason": "Christmas Day"}]}
    )

    date: LocalDate
    reason: Str200 = ""


ResourceKindName = Literal["room", "device"]


class ResourceCreateIn(_In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Treatment Room 3", "kind": "room"}]}
    )

    name: CatalogName
    kind: ResourceKindName = Field(description="`room` or `device`; fixed once created.")
    active: bool = True


class ResourcePatchIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"active": False}]})

    name: CatalogName | None = None
    active: bool | None = None
    kind: ResourceKindName | None = Field(
        None, description="A resource's kind cannot change: only its current kind is accepted."
    )


ResourceGroup = Annotated[list[Id], Field(max_length=MAX_RESOURCE_GROUPS)]


class ServiceResourcesIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"groups": [[1, 2], [3]]}]})

    groups: list[ResourceGroup] = Field(
        max_length=MAX_RESOURCE_GROUPS,
        description="Each inner list: resource ids, one of which a booking of the service "
        "needs. `[]`: the service needs no resource.",
    )


class PoliciesIn(_In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"text": "Please arrive 10 minutes early. Cancel 24 hours ahead."}]
        }
    )

    text: PoliciesText = Field(description="The owner's policies, shown to clients and callers.")


class FaqEntryIn(_In):
    question: FaqQuestion
    answer: FaqAnswer


class FaqIn(_In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "entries": [
                        {
                            "question": "Is there parking?",
                            "answer": "Yes, free parking behind the building.",
                        }
                    ]
                }
            ]
        }
    )

    entries: list[FaqEntryIn] = Field(
        max_length=MAX_FAQ_ENTRIES, description="Replaces every entry, in this order."
    )


class StatusIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "completed"}]})

    status: Literal["arrived", "completed", "no_show"]


# --- responses --------------------------------------------------------------------------------
class _Out(BaseModel):
    pass


HHMM = Annotated[str, Field(pattern=r"^\d{2}:\d{2}$", examples=["09:00"])]


class DayHoursOut(_Out):
    weekday: int = Field(description="0 = Monday ... 6 = Sunday.")
    open: HHMM
    close: HHMM


class FaqEntryOut(_Out):
    question: str
    answer: str


class BusinessOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Hello Gorgeous Med Spa",
                    "phone": "+1 (312) 555-0142",
                    "timezone": "America/Chicago",
                    "now": "2026-11-30T12:00:00-06:00",
                    "hours": [{"weekday": 0, "open": "09:00", "close": "19:00"}],
                    "change_cutoff_hours": 24,
                    "min_notice_minutes": 60,
                    "policies": "Please arrive 10 minutes early.",
                    "faq": [
                        {
                            "question": "Is there parking?",
                            "answer": "Yes, free parking behind the building.",
                        }
                    ],
                }
            ]
        }
    )

    name: str
    phone: str
    timezone: str
    now: datetime
    hours: list[DayHoursOut]
    change_cutoff_hours: int
    min_notice_minutes: int
    horizon_days: int = Field(90, description="How many days ahead clients may book.")
    policies: str = Field(description="The owner's policy text (may be empty).")
    faq: list[FaqEntryOut] = Field(description="Frequently asked questions, in order.")


class ServiceOut(_Out):
    id: int
    name: str
    description: str
    duration_minutes: int
    price_cents: int
    preparation: str = Field(description="How to prepare (may be empty).")


class ServicesOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "services": [
                        {
                            "id": 2,
                            "name": "Botox",
                            "description": "Wrinkle relaxer.",
                            "duration_minutes": 30,
                            "price_cents": 35000,
                            "preparation": "Avoid alcohol for 24 hours before.",
                        }
                    ],
                    "phone": "+1 (312) 555-0142",
                }
            ]
        }
    )

    services: list[ServiceOut]
    phone: str = Field(description="The business phone, so a client is never at a dead end.")


class ProviderOut(_Out):
    id: int
    name: str
    title: str
    service_ids: list[int]
    photo_url: str = Field("", description="An image of the provider (empty: none).")
    bio: str = Field("", description="A short bio (empty: none).")


class ProvidersOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "providers": [
                        {
                            "id": 1,
                            "name": "Dr. Maya Patel",
                            "title": "Medical Director, NP",
                            "service_ids": [1, 2, 3],
                        }
                    ]
                }
            ]
        }
    )

    providers: list[ProviderOut]


class SlotPartOut(_Out):
    service_id: int
    service_name: str
    provider_id: int
    provider_name: str
    start: datetime
    end: datetime


class SlotOut(_Out):
    start: datetime
    end: datetime = Field(description="The end of the service, or of the whole visit.")
    provider_id: int = Field(description="The provider (of the first part, for a visit).")
    provider_name: str
    parts: list[SlotPartOut] | None = Field(
        None,
        description="Only for a visit of several services: each part's service, provider and "
        "times. Booking with these providers books exactly this slot.",
    )


class DayOut(_Out):
    date: date
    status: Literal["open", "full", "closed"]
    free: int


class AvailabilityOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "timezone": "America/Chicago",
                    "slots": [
                        {
                            "start": "2026-12-01T10:00:00-06:00",
                            "end": "2026-12-01T10:30:00-06:00",
                            "provider_id": 1,
                            "provider_name": "Dr. Maya Patel",
                        }
                    ],
                }
            ]
        }
    )

    timezone: str
    slots: list[SlotOut]
    days: list[DayOut] = Field(
        default_factory=list,
        description="Each asked date: `open` (free slots), `full` (working time, none free) or "
        "`closed` (nobody works then, a closure, the provider's day off).",
    )
    next_available: SlotOut | None = Field(
        None, description="When the asked dates have no slot: the next free one after them."
    )


class ClientOut(_Out):
    name: str
    phone: str = Field(description="E.164 for the admin; masked but the last 4 digits for clients.")
    email: str | None = Field(None, description="Admin responses only.")


_APPOINTMENT_EXAMPLE: dict[str, Any] = {
    "id": "3f1c2a7e-9a55-4a43-9f57-0c6a1c8f2b10",
    "status": "booked",
    "source": "web",
    "service_id": 2,
    "service_name": "Botox",
    "provider_id": 1,
    "provider_name": "Dr. Maya Patel",
    "start": "2026-12-01T10:00:00-06:00",
    "end": "2026-12-01T10:30:00-06:00",
    "client": {"name": "Jane Doe", "phone": "+1******0199"},
    "notes": "First visit",
    "created_at": "2026-11-30T12:00:00-06:00",
    "parts": [
        {
            "service_id": 2,
            "service_name": "Botox",
            "provider_id": 1,
            "provider_name": "Dr. Maya Patel",
            "start": "2026-12-01T10:00:00-06:00",
            "end": "2026-12-01T10:30:00-06:00",
            "resources": [],
        }
    ],
}


class ResourceRefOut(_Out):
    id: int
    name: str
    kind: ResourceKindName


class AppointmentPartOut(_Out):
    service_id: int
    service_name: str
    provider_id: int
    provider_name: str
    start: datetime
    end: datetime
    resources: list[ResourceRefOut] = Field(description="The rooms and devices this part holds.")


class AppointmentOut(_Out):
    model_config = ConfigDict(json_schema_extra={"examples": [_APPOINTMENT_EXAMPLE]})

    id: str = Field(description="A UUID.")
    status: Literal["booked", "arrived", "cancelled", "completed", "no_show"]
    source: Literal["web", "ai", "admin"]
    service_id: int = Field(description="The service (of the first part, for a visit).")
    service_name: str
    provider_id: int = Field(description="The provider (of the first part, for a visit).")
    provider_name: str
    start: datetime = Field(description="The start of the visit.")
    end: datetime = Field(description="The end of the visit (of its last part).")
    client: ClientOut
    notes: str
    created_at: datetime
    parts: list[AppointmentPartOut] = Field(
        description="The services of the visit in order (one for a one-service booking)."
    )


class CreatedBookingOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"appointment": _APPOINTMENT_EXAMPLE, "manage_token": "kq3V...x9Q"},
            ]
        }
    )

    appointment: AppointmentOut
    manage_token: str = Field(
        description="Proves ownership for cancel/reschedule/view. Shown once; keep it secret."
    )


class BookingOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"appointment": _APPOINTMENT_EXAMPLE}]}
    )

    appointment: AppointmentOut


class ProviderRefOut(_Out):
    id: int
    name: str


class BlockedOut(_Out):
    kind: Literal["closure", "time_off", "break", "off_hours", "resource_time_off"]
    provider_id: int | None
    resource_id: int | None
    start: datetime
    end: datetime
    reason: str


class CalendarOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "timezone": "America/Chicago",
                    "date": "2026-12-01",
                    "days": 1,
                    "providers": [{"id": 1, "name": "Dr. Maya Patel"}],
                    "appointments": [
                        {
                            **_APPOINTMENT_EXAMPLE,
                            "client": {
                                "name": "Jane Doe",
                                "phone": "+13125550199",
                                "email": "jane@example.com",
                            },
                        }
                    ],
                }
            ]
        }
    )

    timezone: str
    date: date
    days: int
    providers: list[ProviderRefOut]
    appointments: list[AppointmentOut]
    blocked: list[BlockedOut] = Field(
        default_factory=list,
        description="Closures, provider time off, breaks, hours off and resource maintenance.",
    )
    version: str = Field(
        "", description="Changes whenever anything is booked or changed: see /calendar/version."
    )


class CalendarVersionOut(_Out):
    model_config = ConfigDict(json_schema_extra={"examples": [{"version": "1042"}]})

    version: str


class AdminClientOut(_Out):
    id: int
    name: str
    phone: str
    email: str | None


class AdminClientsOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "clients": [
                        {
                            "id": 7,
                            "name": "Jane Doe",
                            "phone": "+13125550199",
                            "email": "jane@example.com",
                        }
                    ]
                }
            ]
        }
    )

    clients: list[AdminClientOut]


class AdminClientRecordOut(AdminClientOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "name": "Jane Doe",
                    "phone": "+13125550199",
                    "email": "jane@example.com",
                    "notes": "Allergic to lidocaine.",
                    "no_show_count": 0,
                    "late_cancel_count": 1,
                    "appointments": [],
                }
            ]
        }
    )

    notes: str
    no_show_count: int
    late_cancel_count: int = Field(description="Cancelled (by anyone) inside the change cutoff.")
    appointments: list[AppointmentOut] = Field(description="Newest first.")


class ClientPatchIn(_In):
    name: ClientName | None = None
    email: Annotated[str, Field(max_length=MAX_EMAIL), AfterValidator(_storable)] | None = Field(
        None, description="Empty removes it."
    )
    phone: Annotated[str, Field(max_length=40), AfterValidator(_storable)] | None = None
    notes: Annotated[str, Field(max_length=4000), AfterValidator(_storable)] | None = None


class AdminProviderOut(_Out):
    id: int
    name: str
    title: str
    active: bool
    service_ids: list[int]
    photo_url: str = ""
    bio: str = ""


class AdminProvidersOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "providers": [
                        {
                            "id": 1,
                            "name": "Dr. Maya Patel",
                            "title": "Medical Director, NP",
                            "active": True,
                            "service_ids": [1, 2, 3],
                        }
                    ]
                }
            ]
        }
    )

    providers: list[AdminProviderOut]


class AdminProviderEnvelope(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "provider": {
                        "id": 1,
                        "name": "Dr. Maya Patel",
                        "title": "Medical Director, NP",
                        "active": True,
                        "service_ids": [1, 2, 3],
                    }
                }
            ]
        }
    )

    provider: AdminProviderOut


class AdminServiceOut(_Out):
    id: int
    name: str
    description: str
    duration_minutes: int
    buffer_minutes: int
    price_cents: int
    active: bool
    preparation: str = Field(description="How to prepare (may be empty).")


class AdminServicesOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "services": [
                        {
                            "id": 2,
                            "name": "Botox",
                            "description": "Wrinkle relaxer.",
                            "duration_minutes": 30,
                            "buffer_minutes": 15,
                            "price_cents": 35000,
                            "active": True,
                            "preparation": "Avoid alcohol for 24 hours before.",
                        }
                    ]
                }
            ]
        }
    )

    services: list[AdminServiceOut]


class AdminServiceEnvelope(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service": {
                        "id": 2,
                        "name": "Botox",
                        "description": "Wrinkle relaxer.",
                        "duration_minutes": 30,
                        "buffer_minutes": 15,
                        "price_cents": 35000,
                        "active": True,
                        "preparation": "Avoid alcohol for 24 hours before.",
                    }
                }
            ]
        }
    )

    service: AdminServiceOut


class OfferingOut(_Out):
    service_id: int
    duration_minutes: int | None


class ProviderServicesOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "provider_id": 1,
                    "services": [
                        {"service_id": 1, "duration_minutes": None},
                        {"service_id": 2, "duration_minutes": 45},
                    ],
                }
            ]
        }
    )

    provider_id: int
    services: list[OfferingOut]


class HoursIntervalOut(_Out):
    weekday: int
    start: HHMM
    end: HHMM


class HoursOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "provider_id": 1,
                    "hours": [
                        {"weekday": 0, "start": "09:00", "end": "12:00"},
                        {"weekday": 0, "start": "13:00", "end": "17:00"},
                    ],
                }
            ]
        }
    )

    provider_id: int
    hours: list[HoursIntervalOut]


class TimeOffOut(_Out):
    id: int
    provider_id: int
    start: datetime
    end: datetime
    reason: str


class TimeOffListOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "time_off": [
                        {
                            "id": 7,
                            "provider_id": 1,
                            "start": "2026-12-24T09:00:00-06:00",
                            "end": "2026-12-24T17:00:00-06:00",
                            "reason": "Holiday",
                        }
                    ]
                }
            ]
        }
    )

    time_off: list[TimeOffOut]


class TimeOffEnvelope(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "time_off": {
                        "id": 7,
                        "provider_id": 1,
                        "start": "2026-12-24T09:00:00-06:00",
                        "end": "2026-12-24T17:00:00-06:00",
                        "reason": "Holiday",
                    }
                }
            ]
        }
    )

    time_off: TimeOffOut
    overlapping_appointments: list[AppointmentOut] = Field(
        default_factory=list,
        description="Booked appointments inside the new time off: they stay booked; move or "
        "cancel them.",
    )


class ClosureOut(_Out):
    date: date
    reason: str


class ClosuresOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"closures": [{"date": "2026-12-25", "reason": "Christmas Day"}]}]
        }
    )

    closures: list[ClosureOut]


class ClosureEnvelope(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"closure": {"date": "2026-12-25", "reason": "Christmas Day"}}]
        }
    )

    closure: ClosureOut
    overlapping_appointments: list[AppointmentOut] = Field(
        default_factory=list,
        description="Booked appointments on the closed date: they stay booked; move or "
        "cancel them.",
    )


class ResourceOut(_Out):
    id: int
    name: str
    kind: ResourceKindName
    active: bool


_RESOURCE_EXAMPLE: dict[str, Any] = {
    "id": 1,
    "name": "Treatment Room 1",
    "kind": "room",
    "active": True,
}


class ResourcesOut(_Out):
    model_config = ConfigDict(json_schema_extra={"examples": [{"resources": [_RESOURCE_EXAMPLE]}]})

    resources: list[ResourceOut]


class ResourceEnvelope(_Out):
    model_config = ConfigDict(json_schema_extra={"examples": [{"resource": _RESOURCE_EXAMPLE}]})

    resource: ResourceOut


class ServiceResourcesOut(_Out):
    model_config = ConfigDict(json_schema_extra={"examples": [{"groups": [[1, 2], [3]]}]})

    groups: list[list[int]] = Field(
        description="Each inner list: resource ids, one of which a booking of the service needs."
    )


class ResourceTimeOffOut(_Out):
    id: int
    resource_id: int
    start: datetime
    end: datetime
    reason: str


_RESOURCE_TIME_OFF_EXAMPLE: dict[str, Any] = {
    "id": 3,
    "resource_id": 4,
    "start": "2026-12-03T09:00:00-06:00",
    "end": "2026-12-03T12:00:00-06:00",
    "reason": "Laser maintenance",
}


class ResourceTimeOffListOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"time_off": [_RESOURCE_TIME_OFF_EXAMPLE]}]}
    )

    time_off: list[ResourceTimeOffOut]


class ResourceTimeOffEnvelope(_Out):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"time_off": _RESOURCE_TIME_OFF_EXAMPLE}]}
    )

    time_off: ResourceTimeOffOut


class CallbackOut(_Out):
    id: int
    client_name: str
    client_phone: str = Field(description="E.164.")
    reason: str
    status: Literal["open", "done"]
    created_at: datetime


_CALLBACK_EXAMPLE: dict[str, Any] = {
    "id": 3,
    "client_name": "Jane Doe",
    "client_phone": "+13125550199",
    "reason": "Wants to ask about a package price.",
    "status": "open",
    "created_at": "2026-11-30T12:00:00-06:00",
}


class CallbacksOut(_Out):
    model_config = ConfigDict(json_schema_extra={"examples": [{"callbacks": [_CALLBACK_EXAMPLE]}]})

    callbacks: list[CallbackOut] = Field(description="Newest first.")


class CallbackEnvelope(_Out):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"callback": {**_CALLBACK_EXAMPLE, "status": "done"}}]}
    )

    callback: CallbackOut


class PoliciesOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "Please arrive 10 minutes early."}]}
    )

    text: str


class FaqOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "entries": [
                        {
                            "question": "Is there parking?",
                            "answer": "Yes, free parking behind the building.",
                        }
                    ]
                }
            ]
        }
    )

    entries: list[FaqEntryOut]


class DeletedOut(_Out):
    model_config = ConfigDict(json_schema_extra={"examples": [{"deleted": True}]})

    deleted: bool = True


# --- converters -------------------------------------------------------------------------------
def hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def _slot_part_out(part: SlotPart) -> SlotPartOut:
    return SlotPartOut(
        service_id=part.service_id,
        service_name=part.service_name,
        provider_id=part.provider_id,
        provider_name=part.provider_name,
        start=part.start,
        end=part.end,
    )


def slot_out(slot: Slot) -> SlotOut:
    """``parts`` is set only for a visit, so a one-service slot (answered with
    ``response_model_exclude_unset``) has exactly its four fields."""
    out = SlotOut(
        start=slot.start,
        end=slot.end,
        provider_id=slot.provider_id,
        provider_name=slot.provider_name,
    )
    if slot.parts:
        out.parts = [_slot_part_out(p) for p in slot.parts]
    return out


def _appointment_part_out(part: AppointmentPart) -> AppointmentPartOut:
    return AppointmentPartOut(
        service_id=part.service_id,
        service_name=part.service_name,
        provider_id=part.provider_id,
        provider_name=part.provider_name,
        start=part.start,
        end=part.end,
        resources=[ResourceRefOut(id=r.id, name=r.name, kind=r.kind.value) for r in part.resources],
    )


def appointment_out(appointment: Appointment, full: bool) -> AppointmentOut:
    """``full`` (admin): E.164 phone and e-mail. Otherwise the phone masked, no e-mail key."""
    client = appointment.client
    client_out = (
        ClientOut(name=client.name, phone=client.phone, email=client.email)
        if full
        else ClientOut(name=client.name, phone=mask_phone(client.phone))
    )
    return AppointmentOut(
        id=appointment.id,
        status=appointment.status.value,
        source=appointment.source.value,
        service_id=appointment.service_id,
        service_name=appointment.service_name,
        provider_id=appointment.provider_id,
        provider_name=appointment.provider_name,
        start=appointment.start,
        end=appointment.end,
        client=client_out,
        notes=appointment.notes,
        created_at=appointment.created_at,
        parts=[_appointment_part_out(p) for p in appointment.parts],
    )


def admin_provider_out(provider: Provider, service_ids: list[int]) -> AdminProviderOut:
    return AdminProviderOut(
        id=provider.id,
        name=provider.name,
        title=provider.title,
        active=provider.active,
        service_ids=service_ids,
        photo_url=provider.photo_url,
        bio=provider.bio,
    )


def admin_service_out(service: Service) -> AdminServiceOut:
    return AdminServiceOut(
        id=service.id,
        name=service.name,
        description=service.description,
        duration_minutes=service.duration_minutes,
        buffer_minutes=service.buffer_minutes,
        price_cents=service.price_cents,
        active=service.active,
        preparation=service.preparation,
    )


def service_out(service: Service) -> ServiceOut:
    return ServiceOut(
        id=service.id,
        name=service.name,
        description=service.description,
        duration_minutes=service.duration_minutes,
        price_cents=service.price_cents,
        preparation=service.preparation,
    )


def faq_entry_out(entry: FaqEntry) -> FaqEntryOut:
    return FaqEntryOut(question=entry.question, answer=entry.answer)


def callback_out(callback: Callback) -> CallbackOut:
    return CallbackOut(
        id=callback.id,
        client_name=callback.client_name,
        client_phone=callback.client_phone,
        reason=callback.reason,
        status=callback.status,
        created_at=callback.created_at,
    )


def time_off_out(entry: TimeOff) -> TimeOffOut:
    return TimeOffOut(
        id=entry.id or 0,
        provider_id=entry.provider_id,
        start=entry.start,
        end=entry.end,
        reason=entry.reason,
    )


def resource_out(resource: Resource) -> ResourceOut:
    return ResourceOut(
        id=resource.id, name=resource.name, kind=resource.kind.value, active=resource.active
    )


def resource_time_off_out(entry: ResourceTimeOff) -> ResourceTimeOffOut:
    return ResourceTimeOffOut(
        id=entry.id or 0,
        resource_id=entry.resource_id,
        start=entry.start,
        end=entry.end,
        reason=entry.reason,
    )


# --- the waitlist -----------------------------------------------------------------------------
class WaitlistJoinIn(_In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service_id": 2,
                    "date_from": "2026-12-02",
                    "date_to": "2026-12-09",
                    "earliest_time": "09:00",
                    "latest_time": "13:00",
                    "client": {"name": "Jane Doe", "phone": "(312) 555-0199"},
                }
            ]
        }
    )

    service_id: Id | None = Field(None, description="One service; or `services` for a visit.")
    services: list[Id] | None = Field(
        None, min_length=1, max_length=MAX_VISIT_PARTS, description="A visit's services in order."
    )
    provider_id: Id | None = Field(None, description="Omit for any provider.")
    date_from: LocalDate
    date_to: LocalDate
    earliest_time: WallTime | None = None
    latest_time: WallTime | None = None
    client: ClientIn


class WaitlistLeaveIn(_In):
    manage_token: Str200


class WaitlistClaimIn(_In):
    offer_id: Id
    token: Str200


class WaitlistOfferIn(_In):
    start: datetime | Str64 = Field(description="A free start for the entry's services.")


class WaitlistOfferOut(_Out):
    id: int
    start: datetime
    status: Literal["open", "claimed"]
    sent_at: datetime
    expires_at: datetime
    appointment_id: str | None


class WaitlistEntryOut(_Out):
    id: int
    status: Literal["active", "booked", "left", "removed", "expired"]
    service_ids: list[int]
    provider_id: int | None
    date_from: date
    date_to: date
    earliest_time: str | None
    latest_time: str | None
    created_at: datetime
    client: ClientOut
    offers: list[WaitlistOfferOut] = Field(default_factory=list)


_WAITLIST_EXAMPLE: dict[str, Any] = {
    "id": 3,
    "status": "active",
    "service_ids": [2],
    "provider_id": None,
    "date_from": "2026-12-02",
    "date_to": "2026-12-09",
    "earliest_time": "09:00",
    "latest_time": "13:00",
    "created_at": "2026-11-30T12:00:00-06:00",
    "client": {"name": "Jane Doe", "phone": "********0199"},
    "offers": [],
}


class WaitlistJoinedOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"entry": _WAITLIST_EXAMPLE, "manage_token": "Zx8...q"}]}
    )

    entry: WaitlistEntryOut
    manage_token: str | None = Field(
        None, description="Proves the entry is yours (to leave it). Only when newly joined."
    )


class WaitlistEntryEnvelope(_Out):
    model_config = ConfigDict(json_schema_extra={"examples": [{"entry": _WAITLIST_EXAMPLE}]})

    entry: WaitlistEntryOut


class WaitlistListOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"entries": [_WAITLIST_EXAMPLE], "booked_from_waitlist_this_month": 4}]
        }
    )

    entries: list[WaitlistEntryOut]
    booked_from_waitlist_this_month: int


def waitlist_entry_out(entry: WaitlistEntry, full: bool) -> WaitlistEntryOut:
    client = entry.client
    return WaitlistEntryOut(
        id=entry.id,
        status=entry.status,
        service_ids=list(entry.service_ids),
        provider_id=entry.provider_id,
        date_from=entry.date_from,
        date_to=entry.date_to,
        earliest_time=hhmm(entry.earliest_time) if entry.earliest_time else None,
        latest_time=hhmm(entry.latest_time) if entry.latest_time else None,
        created_at=entry.created_at,
        client=ClientOut(
            name=client.name,
            phone=client.phone if full else mask_phone(client.phone),
            email=client.email if full else None,
        ),
        offers=[
            WaitlistOfferOut(
                id=o.id,
                start=o.start,
                status=o.status,
                sent_at=o.sent_at,
                expires_at=o.expires_at,
                appointment_id=o.appointment_id,
            )
            for o in entry.offers
        ]
        if full
        else [],
    )
