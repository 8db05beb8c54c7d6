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
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


class Source(StrEnum):
    WEB = "web"
    AI = "ai"
    ADMIN = "admin"


class EventKind(StrEnum):
    CREATED = "created"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    STATUS_CHANGED = "status_changed"


class ResourceKind(StrEnum):
    """What a busy interval belongs to. Providers today; rooms and devices later."""

    PROVIDER = "provider"


@dataclass(frozen=True)
class Provider:
    id: int
    name: str
    title: str
    active: bool = True


@dataclass(frozen=True)
class Service:
    id: int
    name: str
    description: str
    duration_minutes: int
    buffer_minutes: int
    price_cents: int
    active: bool = True


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
class Appointment:
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

    @property
    def busy_until(self) -> datetime:
        """The provider is busy until the end plus the cleanup buffer."""
        return self.end + timedelta(minutes=self.buffer_minutes)


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
class Slot:
    start: datetime
    end: datetime
    provider_id: int
    provider_name: str


@dataclass(frozen=True)
class ProviderSchedule:
    """Everything the availability engine needs to know about one provider for a window."""

    provider: Provider
    duration_minutes: int
    buffer_minutes: int
    hours: tuple[WorkingHours, ...]
    busy: tuple[tuple[datetime, datetime], ...] = field(default=())
