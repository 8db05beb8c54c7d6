"""Entities of the booking domain (plain dataclasses; times are aware datetimes in UTC inside)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

#: Ids of providers, services and other integer-keyed rows are 32-bit in the database.
MAX_ID = 2**31 - 1
#: The longest a service may last, and its clean-up buffer: a booking's busy interval is at
#: most 12 hours, so the calendar a booking reads (its day and the days either side) covers it.
MAX_SERVICE_MINUTES = 480
MAX_BUFFER_MINUTES = 240
#: The longest busy interval a booking can hold.
LONGEST_BUSY = timedelta(minutes=MAX_SERVICE_MINUTES + MAX_BUFFER_MINUTES)


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"  # checked in: still holds its time, like a booked one
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


#: Statuses that hold their time: the slot, the per-phone limit, the client-overlap check.
HOLDING_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


class Source(StrEnum):
    WEB = "web"
    AI = "ai"
    ADMIN = "admin"


class EventKind(StrEnum):
    CREATED = "created"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    STATUS_CHANGED = "status_changed"
    FROM_WAITLIST = "from_waitlist"  # the booking was an offer from the waitlist, claimed


class ResourceKind(StrEnum):
    """What a busy interval belongs to: a provider, or a resource (a room or a device)."""

    PROVIDER = "provider"
    ROOM = "room"
    DEVICE = "device"


#: The kinds a resource (not a provider) can have.
RESOURCE_KINDS = (ResourceKind.ROOM, ResourceKind.DEVICE)
#: The most services one visit may hold.
MAX_VISIT_PARTS = 5


@dataclass(frozen=True)
class Provider:
    id: int
    name: str
    title: str
    active: bool = True
    photo_url: str = ""  # shown to clients with the short bio (both optional)
    bio: str = ""


@dataclass(frozen=True)
class Service:
    id: int
    name: str
    description: str
    duration_minutes: int
    buffer_minutes: int
    price_cents: int
    active: bool = True
    preparation: str = ""  # what a client should do before the treatment


@dataclass(frozen=True)
class Callback:
    """A caller who asked for a person to call them back."""

    id: int
    client_name: str
    client_phone: str  # E.164
    reason: str
    status: str  # "open" or "done"
    created_at: datetime


@dataclass(frozen=True)
class WaitlistOffer:
    id: int
    entry_id: int
    start: datetime
    provider_ids: tuple[int, ...]  # each part's provider
    status: str  # open or claimed
    sent_at: datetime
    expires_at: datetime
    appointment_id: str | None = None


@dataclass(frozen=True)
class WaitlistEntry:
    """A client's wish to hear when a fitting time frees up."""

    id: int
    client: Client
    service_ids: tuple[int, ...]  # in visit order
    provider_id: int | None
    date_from: date
    date_to: date
    earliest_time: time | None
    latest_time: time | None
    status: str  # active, booked, left, removed or expired
    created_at: datetime
    offers: tuple[WaitlistOffer, ...] = ()


@dataclass(frozen=True)
class FaqEntry:
    question: str
    answer: str


@dataclass(frozen=True)
class Resource:
    """A room or a device: one unit, booked by one appointment part at a time."""

    id: int
    name: str
    kind: ResourceKind
    active: bool = True


@dataclass(frozen=True)
class ResourceTimeOff:
    """A resource out of use (maintenance)."""

    resource_id: int
    start: datetime
    end: datetime
    reason: str = ""
    id: int | None = None


@dataclass(frozen=True)
class ResourceRef:
    """Which resource a booked part holds."""

    id: int
    name: str
    kind: ResourceKind


@dataclass(frozen=True)
class Offering:
    """A provider offers a service, optionally with their own duration."""

    provider_id: int
    service_id: int
    duration_minutes: int | None = None


@dataclass(frozen=True)
class WorkingHours:
    """One interval of a provider's weekly schedule, in business-local wall time.

    weekday 0 = Monday. Several intervals a day make breaks (a lunch break is a gap).
    """

    provider_id: int
    weekday: int
    start: time
    end: time
    id: int | None = None


@dataclass(frozen=True)
class TimeOff:
    provider_id: int
    start: datetime
    end: datetime
    reason: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Closure:
    """A business-wide closed local date (a holiday)."""

    date: date
    reason: str = ""


@dataclass(frozen=True)
class Client:
    id: int
    name: str
    phone: str  # E.164
    email: str | None = None


@dataclass(frozen=True)
class AppointmentPart:
    """One service of a visit, with its provider, its times and the resources it holds."""

    service_id: int
    service_name: str
    provider_id: int
    provider_name: str
    start: datetime
    end: datetime
    buffer_minutes: int
    resources: tuple[ResourceRef, ...] = ()

    @property
    def busy_until(self) -> datetime:
        return self.end + timedelta(minutes=self.buffer_minutes)


@dataclass(frozen=True)
class PartRequest:
    """One service asked for in a visit, with the provider asked for (None: any)."""

    service_id: int
    provider_id: int | None = None


@dataclass(frozen=True)
class Appointment:
    """A booking: a visit of one or more parts run back to back. ``start`` and ``end`` span the
    visit; ``provider_*``, ``service_*`` are the first part's."""

    id: str
    provider_id: int
    provider_name: str
    service_id: int
    service_name: str
    client: Client
    start: datetime
    end: datetime
    buffer_minutes: int
    status: AppointmentStatus
    source: Source
    notes: str
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None = None
    sequence: int = 0
    parts: tuple[AppointmentPart, ...] = ()


@dataclass(frozen=True)
class AppointmentEvent:
    appointment_id: str
    kind: EventKind
    source: Source
    at: datetime
    old_start: datetime | None = None
    old_end: datetime | None = None
    new_start: datetime | None = None
    new_end: datetime | None = None
    old_provider_id: int | None = None
    new_provider_id: int | None = None
    old_status: str | None = None
    new_status: str | None = None


@dataclass(frozen=True)
class SlotPart:
    service_id: int
    service_name: str
    provider_id: int
    provider_name: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Slot:
    """A bookable start. For a visit of several services, ``parts`` (empty for one service);
    ``end`` is then the visit's and the provider the first part's."""

    start: datetime
    end: datetime
    provider_id: int
    provider_name: str
    parts: tuple[SlotPart, ...] = ()


@dataclass(frozen=True)
class ProviderSchedule:
    """Everything the availability engine needs to know about one provider for a window."""

    provider: Provider
    duration_minutes: int
    buffer_minutes: int
    hours: tuple[WorkingHours, ...]
    busy: tuple[tuple[datetime, datetime], ...] = field(default=())
