"""booking_core: the booking engine shared by the web, the AI receptionist and the calendar.

Entry points build one ``UnitOfWork`` from settings (``open_unit_of_work``) and call the service
functions re-exported here; domain errors carry a stable ``code``, a readable ``message`` and the
HTTP status of ``ERROR_HTTP_STATUS``.
"""

from booking_core.clock import Clock, FixedClock, system_clock
from booking_core.domain.model import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Client,
    Closure,
    Offering,
    Provider,
    Service,
    Slot,
    Source,
    TimeOff,
    WorkingHours,
)
from booking_core.errors import ERROR_HTTP_STATUS, BookingError, SlotUnavailable
from booking_core.services.availability import find_available_slots
from booking_core.services.booking import (
    BookingResult,
    cancel_appointment,
    create_appointment,
    reschedule_appointment,
    set_appointment_status,
)
from booking_core.services.requests import Requester
from booking_core.services.unit_of_work import UnitOfWork
from booking_core.settings import BookingSettings


def open_unit_of_work(
    settings: BookingSettings | None = None, clock: Clock = system_clock
) -> UnitOfWork:
    return UnitOfWork(settings or BookingSettings(), clock=clock)


__all__ = [
    "ERROR_HTTP_STATUS",
    "Appointment",
    "AppointmentEvent",
    "AppointmentStatus",
    "BookingError",
    "BookingResult",
    "BookingSettings",
    "Client",
    "Clock",
    "Closure",
    "FixedClock",
    "Offering",
    "Provider",
    "Requester",
    "Service",
    "Slot",
    "SlotUnavailable",
    "Source",
    "TimeOff",
    "UnitOfWork",
    "WorkingHours",
    "cancel_appointment",
    "create_appointment",
    "find_available_slots",
    "open_unit_of_work",
    "reschedule_appointment",
    "set_appointment_status",
    "system_clock",
]
