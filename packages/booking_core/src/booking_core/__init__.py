"""booking_core: the booking engine shared by the web, the AI receptionist and the calendar.

Entry points build the system once with ``bootstrap()`` and call the service functions
re-exported here, passing ``system.uow``; domain errors carry a stable ``code``, a readable
``message`` and the HTTP status of ``ERROR_HTTP_STATUS``. This module is the whole API the entry
points use: they import nothing deeper.
"""

from booking_core.bootstrap import BookingSystem, bootstrap
from booking_core.clock import Clock, FixedClock, system_clock
from booking_core.demo import is_empty, load_demo_business
from booking_core.domain.contact import mask_phone, normalize_phone
from booking_core.domain.model import (
    MAX_ID,
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
from booking_core.domain.text import (
    MAX_CATALOG_NAME,
    MAX_CLIENT_NAME,
    MAX_EMAIL,
    MAX_NOTES,
    is_storable_text,
)
from booking_core.errors import (
    ERROR_HTTP_STATUS,
    BookingError,
    RateLimited,
    ServiceUnavailable,
    SlotUnavailable,
    Unauthorized,
    ValidationFailed,
)
from booking_core.migrations import current_revision, head_revision, is_up_to_date, upgrade
from booking_core.notify import (
    MAX_NOTIFICATIONS_LISTED,
    count_by_status,
    issue_feed_token,
    list_notifications,
    provider_feed,
    revoke_feed_token,
    run_dispatcher,
    start_background_dispatcher,
)
from booking_core.secret_key import MissingSecretKey
from booking_core.services.appointment_queries import (
    MAX_CALENDAR_DAYS,
    appointment_history,
    booked_during,
    booked_on_date,
    calendar,
    find_client_appointments,
    get_appointment,
)
from booking_core.services.availability import find_available_slots
from booking_core.services.booking import (
    BookingResult,
    cancel_appointment,
    create_appointment,
    reschedule_appointment,
    set_appointment_status,
)
from booking_core.services.booking_log import loggable
from booking_core.services.business import (
    add_closure,
    add_time_off,
    business_info,
    create_provider,
    create_service,
    delete_closure,
    delete_time_off,
    get_working_hours,
    list_closures,
    list_providers,
    list_services,
    list_time_off,
    provider_services,
    set_provider_services,
    set_working_hours,
    update_provider,
    update_service,
)
from booking_core.services.requester import Requester
from booking_core.services.unit_of_work import UnitOfWork
from booking_core.settings import BookingSettings

__all__ = [
    "ERROR_HTTP_STATUS",
    "MAX_CALENDAR_DAYS",
    "MAX_CATALOG_NAME",
    "MAX_CLIENT_NAME",
    "MAX_EMAIL",
    "MAX_ID",
    "MAX_NOTES",
    "MAX_NOTIFICATIONS_LISTED",
    "Appointment",
    "AppointmentEvent",
    "AppointmentStatus",
    "BookingError",
    "BookingResult",
    "BookingSettings",
    "BookingSystem",
    "Client",
    "Clock",
    "Closure",
    "FixedClock",
    "MissingSecretKey",
    "Offering",
    "Provider",
    "RateLimited",
    "Requester",
    "Service",
    "ServiceUnavailable",
    "Slot",
    "SlotUnavailable",
    "Source",
    "TimeOff",
    "Unauthorized",
    "UnitOfWork",
    "ValidationFailed",
    "WorkingHours",
    "add_closure",
    "add_time_off",
    "appointment_history",
    "booked_during",
    "booked_on_date",
    "bootstrap",
    "business_info",
    "calendar",
    "cancel_appointment",
    "count_by_status",
    "create_appointment",
    "create_provider",
    "create_service",
    "current_revision",
    "delete_closure",
    "delete_time_off",
    "find_available_slots",
    "find_client_appointments",
    "get_appointment",
    "get_working_hours",
    "head_revision",
    "is_empty",
    "is_storable_text",
    "is_up_to_date",
    "issue_feed_token",
    "list_closures",
    "list_notifications",
    "list_providers",
    "list_services",
    "list_time_off",
    "load_demo_business",
    "loggable",
    "mask_phone",
    "normalize_phone",
    "provider_feed",
    "provider_services",
    "reschedule_appointment",
    "revoke_feed_token",
    "run_dispatcher",
    "set_appointment_status",
    "set_provider_services",
    "set_working_hours",
    "start_background_dispatcher",
    "system_clock",
    "update_provider",
    "update_service",
    "upgrade",
]
