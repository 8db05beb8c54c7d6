"""The AI receptionist's MCP tool server: thin tools over booking_core's service layer.

Every tool parses its arguments, calls one booking_core function with ``Requester.ai(phone)``
(so what it books has source ``ai``) and shapes a short answer for a voice agent. No booking
rule lives here. A ``BookingError`` becomes a tool error result (``is_error=True``) whose text
starts with the error code and the sentence, plus the nearest open times for
``slot_unavailable``; the same facts are in the structured content.

Caller identity: over HTTP, the caller's number in the header named by
``settings.caller_header`` (``X-Caller-Number`` by default, as voice platforms send it)
overrides any ``client_phone`` argument; over stdio the argument is used. Phones are compared
in E.164 form only (booking_core normalises them).
"""

from __future__ import annotations

import dataclasses
import functools
import sys
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from datetime import date as date_type
from typing import Annotated, Any, ParamSpec, TypeVar

from booking_core import (
    MAX_CLIENT_NAME,
    MAX_ID,
    MAX_NOTES,
    MAX_VISIT_PARTS,
    Appointment,
    AppointmentPart,
    BookingError,
    PartRequest,
    Requester,
    Slot,
    SlotPart,
    SlotUnavailable,
    UnitOfWork,
    ValidationFailed,
    bootstrap,
    business_info,
    find_client_appointments,
    normalize_phone,
)
from booking_core import (
    cancel_appointment as core_cancel,
)
from booking_core import (
    create_appointment as core_create,
)
from booking_core import (
    find_available_slots as core_find_slots,
)
from booking_core import list_providers as core_list_providers
from booking_core import list_services as core_list_services
from booking_core import (
    reschedule_appointment as core_reschedule,
)
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, BeforeValidator, Field, ValidationError

SERVER_NAME = "hello-gorgeous-booking"
MAX_SLOT_LIMIT = 50
DEFAULT_SLOT_LIMIT = 8
MAX_DAYS = 31
#: The most treatments one visit may hold (booking_core's limit).
MAX_VISIT_SERVICES = MAX_VISIT_PARTS

_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

INSTRUCTIONS = (
    "You are the receptionist of a med spa and book appointments through these tools. "
    "Call get_business_info first to learn today's date and the current local time; every date "
    "and time you send or receive is in the business's local time zone. Offer only times that "
    "find_available_slots returned. Before calling book_appointment, read back the service, the "
    "day and time, the provider if one was chosen and the client's name, and wait for a clear "
    "yes. When a tool returns an error, tell the caller what it says in plain words and offer "
    "the alternative times it lists."
)

# --- outputs: short, typed, and only what a voice agent needs ---------------------------------


class OpeningHours(BaseModel):
    day: str = Field(description="Weekday name, e.g. Monday")
    open: str = Field(description="Opening time, e.g. 9:00 AM")
    close: str = Field(description="Closing time, e.g. 7:00 PM")


class BusinessInfo(BaseModel):
    name: str
    phone: str = Field(description="The business's phone number, for callers to call back")
    timezone: str = Field(description="IANA time zone every date and time refers to")
    today: date = Field(description="Today's local date (YYYY-MM-DD)")
    weekday: str = Field(description="Today's weekday name")
    now: str = Field(description="The current local time, ISO 8601 with offset")
    now_readable: str = Field(description="The current local time, e.g. Mon Nov 30, 12:00 PM")
    hours: list[OpeningHours] = Field(description="Opening hours; days not listed are closed")


class ServiceInfo(BaseModel):
    id: int
    name: str
    description: str
    duration_minutes: int
    price: str = Field(description="Price in US dollars, e.g. $350; Free for $0")


class ServiceList(BaseModel):
    services: list[ServiceInfo]


class ProviderInfo(BaseModel):
    id: int
    name: str
    title: str
    service_ids: list[int] = Field(description="Ids of the services this provider offers")


class ProviderList(BaseModel):
    providers: list[ProviderInfo]


class SlotPartInfo(BaseModel):
    service_id: int
    service_name: str
    provider_id: int
    provider_name: str
    start: str = Field(description="Start time, ISO 8601 with offset")
    end: str = Field(description="End time, ISO 8601 with offset")
    readable: str = Field(description="The start time to say aloud, e.g. Tue Dec 1, 2:30 PM")


class SlotInfo(BaseModel):
    start: str = Field(description="Start time, ISO 8601 with offset: pass this to booking tools")
    readable: str = Field(description="The start time to say aloud, e.g. Tue Dec 1, 2:30 PM")
    provider_id: int = Field(description="The provider (of the first treatment, for a visit)")
    provider_name: str
    parts: list[SlotPartInfo] | None = Field(
        None,
        description="Only for several treatments (service_ids): each treatment in order; book "
        "with its provider ids (provider_ids) to get exactly this slot",
    )


class SlotList(BaseModel):
    timezone: str
    slots: list[SlotInfo] = Field(description="Open start times, earliest first")


class AppointmentPartInfo(BaseModel):
    service_id: int
    service_name: str
    provider_id: int
    provider_name: str
    start: str = Field(description="Start time, ISO 8601 with offset")
    end: str = Field(description="End time, ISO 8601 with offset")
    readable: str = Field(description="The start time to say aloud, e.g. Tue Dec 1, 2:30 PM")
    resources: list[str] = Field(description="Rooms and devices it uses, e.g. Laser Room")


class AppointmentInfo(BaseModel):
    id: str = Field(description="Appointment id, for cancelling or rescheduling")
    status: str = Field(description="booked, cancelled, completed or no_show")
    service_name: str = Field(description="The (first) treatment")
    provider_name: str
    start: str = Field(description="Start time, ISO 8601 with offset")
    end: str = Field(description="End time of the whole visit, ISO 8601 with offset")
    readable: str = Field(description="The start time to say aloud, e.g. Tue Dec 1, 2:30 PM")
    client_name: str
    parts: list[AppointmentPartInfo] = Field(
        description="Each treatment of the visit in order (one for a single treatment)"
    )


class AppointmentList(BaseModel):
    appointments: list[AppointmentInfo] = Field(description="Upcoming booked appointments")


# --- formatting -------------------------------------------------------------------------------


def readable_time(moment: datetime | time) -> str:
    """2:30 PM (no leading zero: it is read aloud)."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def readable(moment: datetime) -> str:
    """Tue Dec 1, 2:30 PM."""
    return f"{moment:%a %b} {moment.day}, {readable_time(moment)}"


def _price(cents: int) -> str:
    if cents == 0:
        return "Free"
    dollars, rest = divmod(cents, 100)
    return f"${dollars:,}" if rest == 0 else f"${dollars:,}.{rest:02d}"


def _moment(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _slot_part_info(part: SlotPart | dict[str, Any]) -> SlotPartInfo:
    """A part of a slot, or of an alternative in an error's details (a dict)."""
    raw = part if isinstance(part, dict) else dataclasses.asdict(part)
    start, end = _moment(raw["start"]), _moment(raw["end"])
    return SlotPartInfo(
        service_id=raw["service_id"],
        service_name=raw["service_name"],
        provider_id=raw["provider_id"],
        provider_name=raw["provider_name"],
        start=start.isoformat(),
        end=end.isoformat(),
        readable=readable(start),
    )


def _slot_info(slot: Slot) -> SlotInfo:
    return SlotInfo(
        start=slot.start.isoformat(),
        readable=readable(slot.start),
        provider_id=slot.provider_id,
        provider_name=slot.provider_name,
        parts=[_slot_part_info(p) for p in slot.parts] or None,
    )


def _appointment_part_info(part: AppointmentPart) -> AppointmentPartInfo:
    return AppointmentPartInfo(
        service_id=part.service_id,
        service_name=part.service_name,
        provider_id=part.provider_id,
        provider_name=part.provider_name,
        start=part.start.isoformat(),
        end=part.end.isoformat(),
        readable=readable(part.start),
        resources=[r.name for r in part.resources],
    )


def _appointment_info(appointment: Appointment) -> AppointmentInfo:
    return AppointmentInfo(
        id=appointment.id,
        status=appointment.status.value,
        service_name=appointment.service_name,
        provider_name=appointment.provider_name,
        start=appointment.start.isoformat(),
        end=appointment.end.isoformat(),
        readable=readable(appointment.start),
        client_name=appointment.client.name,
        parts=[_appointment_part_info(p) for p in appointment.parts],
    )


def _with_whom(slot: SlotInfo) -> str:
    """Dr. Maya Patel, or for a visit with several: Dr. Maya Patel then Jessica Rivera."""
    names = [p.provider_name for p in slot.parts or ()] or [slot.provider_name]
    distinct = list(dict.fromkeys(names))
    return " then ".join(distinct)


# --- errors -----------------------------------------------------------------------------------

P = ParamSpec("P")
R = TypeVar("R")


def error_result(error: BookingError) -> CallToolResult:
    """A tool error a model can act on: the code, the sentence, and any alternatives."""
    details = dict(error.details)
    text = f"{error.code}: {error.message}"
    part = details.get("part")
    if isinstance(part, int) and not isinstance(part, bool):
        text += f" (This is about treatment number {part + 1} of the visit.)"
    if isinstance(error, SlotUnavailable):
        alternatives = [_alternative(a) for a in error.alternatives]
        details["alternatives"] = [a.model_dump(exclude_none=True) for a in alternatives]
        if alternatives:
            offers = "; ".join(f"{a.readable} with {_with_whom(a)}" for a in alternatives)
            starts = ", ".join(a.start for a in alternatives)
            text += f" Nearest open times: {offers} (start values: {starts})."
        else:
            text += " No open time is near it; call find_available_slots for other days."
    structured = {"error": {"code": error.code, "message": error.message, "details": details}}
    return CallToolResult(
        is_error=True,
        content=[TextContent(type="text", text=text)],
        structured_content=structured,
    )


def argument_error_result(tool: str, error: ValidationError) -> CallToolResult:
    """Arguments that do not fit a tool's schema, said like any other booking error: the
    ``validation_error`` code, a sentence naming each field, and the fields as details."""
    fields = {
        ".".join(str(part) for part in problem["loc"]) or "arguments": problem["msg"]
        for problem in error.errors()
    }
    sentence = "; ".join(f"{name}: {why}" for name, why in fields.items())
    return error_result(
        ValidationFailed(
            f"Some arguments of {tool} are not valid ({sentence}). Dates are YYYY-MM-DD and "
            "times HH:MM, in the business's local time.",
            fields=fields,
        )
    )


class BookingToolServer(MCPServer):
    """The SDK's server, with argument errors answered in the same form as booking errors
    (the SDK's own text is pydantic's, with no code a model can act on)."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as error:
            if isinstance(error.__cause__, ValidationError):
                return argument_error_result(name, error.__cause__)
            raise


def _alternative(raw: Any) -> SlotInfo:
    start = _moment(raw["start"])
    return SlotInfo(
        start=start.isoformat(),
        readable=readable(start),
        provider_id=raw["provider_id"],
        provider_name=raw["provider_name"],
        parts=[_slot_part_info(p) for p in raw.get("parts") or ()] or None,
    )


def as_tool_result(tool: Callable[P, R]) -> Callable[P, R]:
    """Wrap a tool body: its pydantic answer as compact JSON text plus structured content, and a
    BookingError as a tool error result instead of an opaque crash.

    The wrapper keeps the tool's signature (functools.wraps), which is what the SDK reads to
    build the input and output schemas. Compact text matters: a voice agent waits on it.
    """

    @functools.wraps(tool)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            answer = tool(*args, **kwargs)
        except BookingError as error:
            return error_result(error)  # type: ignore[return-value]
        if isinstance(answer, BaseModel):
            # Unset optional facts (a slot's parts, for one service) are left out, not null.
            return CallToolResult(  # type: ignore[return-value]
                content=[TextContent(type="text", text=answer.model_dump_json(exclude_none=True))],
                structured_content=answer.model_dump(mode="json", exclude_none=True),
            )
        return answer

    return wrapper


# --- the server -------------------------------------------------------------------------------

READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)

ServiceId = Annotated[
    int | None,
    Field(description="Service id from list_services (or service_ids)", ge=1, le=MAX_ID),
]
ServiceIds = Annotated[
    list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None,
    Field(
        description="For a client who wants two treatments or more: their service ids in visit "
        "order, instead of service_id",
        min_length=1,
        max_length=MAX_VISIT_SERVICES,
    ),
]
ProviderId = Annotated[
    int | None,
    Field(description="Provider id from list_providers; omit for any provider", ge=1, le=MAX_ID),
]
AppointmentId = Annotated[
    str, Field(description="Appointment id from find_appointments or book_appointment")
]
ClientPhone = Annotated[
    str,
    Field(
        description="The caller's phone number, e.g. (312) 555-0142 (US numbers need no +1). "
        "When the phone system supplies the caller's number, that number is used instead.",
        min_length=1,
        max_length=40,
    ),
]
IdempotencyKey = Annotated[
    str | None,
    Field(
        description="Any unique string for this request, e.g. a UUID; send the same one when "
        "retrying after a timeout so the change is made only once",
        max_length=200,
    ),
]
LocalStart = Annotated[
    str,
    Field(
        description="Start time: the start value of a slot from find_available_slots, or a "
        "local time like 2026-12-01T14:30",
        min_length=1,
        max_length=64,
    ),
]


def _time_of_day_text(value: Any) -> Any:
    # pydantic reads a JSON number as seconds since midnight UTC: 10 would be 00:00:10+00:00.
    if value is not None and not isinstance(value, str):
        raise ValueError("must be a time of day as text, like 09:30")
    return value


EarliestTime = Annotated[
    time | None,
    BeforeValidator(_time_of_day_text),
    Field(description="Earliest local start time of day, HH:MM (24-hour)"),
]
LatestTime = Annotated[
    time | None,
    BeforeValidator(_time_of_day_text),
    Field(description="Latest local start time of day, HH:MM (24-hour)"),
]


def visit_services(service_id: int | None, service_ids: list[int] | None) -> int | list[int]:
    """The one service, or a visit's services in order: exactly one of the two arguments."""
    if service_id is not None and service_ids is not None:
        raise ValidationFailed(
            "Send service_id for one treatment or service_ids for several, not both.",
            fields={"service_ids": "not with service_id"},
        )
    if service_ids is not None:
        return service_ids[0] if len(service_ids) == 1 else list(service_ids)
    if service_id is None:
        raise ValidationFailed(
            "Send service_id, or service_ids for a client who wants several treatments.",
            fields={"service_id": "required (or service_ids)"},
        )
    return service_id


def visit_parts(
    service_ids: list[int], provider_id: int | None, provider_ids: list[int | None] | None
) -> list[PartRequest]:
    """Each treatment with its provider: ``provider_ids`` one per treatment, else
    ``provider_id`` for all of them (None: any free provider)."""
    if provider_ids is None:
        return [PartRequest(service_id=s, provider_id=provider_id) for s in service_ids]
    if provider_id is not None:
        raise ValidationFailed(
            "Send provider_id or provider_ids, not both.",
            fields={"provider_ids": "not with provider_id"},
        )
    if len(provider_ids) != len(service_ids):
        raise ValidationFailed(
            "provider_ids needs one entry per service in service_ids (null for any provider).",
            fields={"provider_ids": "one entry per service id"},
        )
    return [
        PartRequest(service_id=s, provider_id=p)
        for s, p in zip(service_ids, provider_ids, strict=True)
    ]


def build_server(uow: UnitOfWork) -> MCPServer:
    """An MCP server whose tools act on the booking store behind ``uow``."""
    settings = uow.settings
    server = BookingToolServer(
        SERVER_NAME,
        instructions=INSTRUCTIONS,
        version="0.1.0",
        # Quiet: INFO would log every request, and over stdio only stderr may carry logs.
        log_level="WARNING",
    )

    def caller_phone(ctx: Context | None, client_phone: str) -> str:
        """The caller's E.164 number: the caller-number header when present, else the argument."""
        headers = ctx.headers if ctx is not None else None
        supplied = (headers.get(settings.caller_header) or "").strip() if headers else ""
        if supplied:
            try:
                return normalize_phone(supplied, field="client_phone")
            except ValidationFailed:
                # A withheld caller ID ("anonymous", "restricted") is no number: fall back to
                # the one the caller gives, exactly as without the header.
                pass
        return normalize_phone(client_phone, field="client_phone")

    @server.tool(
        title="Business info and today's date",
        annotations=READ_ONLY,
        description=(
            "Get the med spa's name, phone number, time zone, opening hours, today's date, the "
            "weekday and the current local time. Call this at the start of every conversation, "
            "before working out what 'today', 'tomorrow' or 'next Tuesday at 3' means: all "
            "dates and times in these tools are the business's local time."
        ),
    )
    @as_tool_result
    def get_business_info() -> BusinessInfo:
        info = business_info(uow)
        return BusinessInfo(
            name=info.name,
            phone=info.phone,
            timezone=info.timezone,
            today=info.now.date(),
            weekday=_WEEKDAYS[info.now.weekday()],
            now=info.now.isoformat(timespec="seconds"),
            now_readable=readable(info.now),
            hours=[
                OpeningHours(
                    day=_WEEKDAYS[h.weekday],
                    open=readable_time(h.open),
                    close=readable_time(h.close),
                )
                for h in info.hours
            ],
        )

    @server.tool(
        title="List services",
        annotations=READ_ONLY,
        description=(
            "List the treatments that can be booked, with their id, description, length in "
            "minutes and price. Use the id with list_providers, find_available_slots and "
            "book_appointment. If the list is empty, nothing can be booked by phone right now: "
            "give the caller the business phone number from get_business_info."
        ),
    )
    @as_tool_result
    def list_services() -> ServiceList:
        return ServiceList(
            services=[
                ServiceInfo(
                    id=s.id,
                    name=s.name,
                    description=s.description,
                    duration_minutes=s.duration_minutes,
                    price=_price(s.price_cents),
                )
                for s in core_list_services(uow)
            ]
        )

    @server.tool(
        title="List providers",
        annotations=READ_ONLY,
        description=(
            "List the providers (practitioners) taking bookings, with their title and the ids "
            "of the services they offer. Pass service_id to get only those who offer that "
            "service. Use this when the caller asks for a particular person or wants to know "
            "who does a treatment."
        ),
    )
    @as_tool_result
    def list_providers(
        service_id: Annotated[
            int | None, Field(description="Only providers offering this service id", ge=1)
        ] = None,
    ) -> ProviderList:
        found = core_list_providers(uow, service_id=service_id)
        return ProviderList(
            providers=[
                ProviderInfo(
                    id=p.provider.id,
                    name=p.provider.name,
                    title=p.provider.title,
                    service_ids=p.service_ids,
                )
                for p in found
            ]
        )

    @server.tool(
        title="Find open appointment times",
        annotations=READ_ONLY,
        description=(
            "Find open start times for a service, from a local date over a number of days, "
            "optionally with one provider and between an earliest and latest start time of "
            "day. Returns the earliest times first, each with its start value (ISO 8601 with "
            "offset, to pass to book_appointment or reschedule_appointment), a readable form to "
            "say aloud, and the provider. For a client who wants two treatments, pass "
            "service_ids instead of service_id: each time then lists its parts, back to back. "
            "Offer the caller two or three of them; never offer a time this tool did not "
            "return. Call get_business_info first to know today's date."
        ),
    )
    @as_tool_result
    def find_available_slots(
        date: Annotated[
            date,
            Field(
                description="First local date to search, YYYY-MM-DD",
                ge=date_type(2000, 1, 1),
                le=date_type(2999, 12, 1),
            ),
        ],
        days: Annotated[
            int, Field(description="How many days to search from date", ge=1, le=MAX_DAYS)
        ] = 1,
        provider_id: ProviderId = None,
        earliest_time: EarliestTime = None,
        latest_time: LatestTime = None,
        limit: Annotated[
            int, Field(description="Most times to return", ge=1, le=MAX_SLOT_LIMIT)
        ] = DEFAULT_SLOT_LIMIT,
        service_id: ServiceId = None,
        service_ids: ServiceIds = None,
    ) -> SlotList:
        slots = core_find_slots(
            uow,
            service_id=visit_services(service_id, service_ids),
            start_date=date,
            end_date=date + timedelta(days=days - 1),
            provider_id=provider_id,
            earliest_time=earliest_time,
            latest_time=latest_time,
            limit=limit,
        )
        return SlotList(timezone=settings.timezone, slots=[_slot_info(s) for s in slots])

    @server.tool(
        title="Book an appointment",
        annotations=ToolAnnotations(
            read_only_hint=False,
            destructive_hint=False,
            idempotent_hint=False,
            open_world_hint=False,
        ),
        description=(
            "Book an appointment for the caller at a start time returned by "
            "find_available_slots. BEFORE calling this, read back the service, the day and "
            "time, the provider (if any) and the client's name, and get a clear yes from the "
            "caller. Without provider_id, any free provider who offers the service is chosen. "
            "For a client who wants two treatments, pass service_ids (in order) instead of "
            "service_id, and provider_ids from the slot's parts to book exactly that slot. "
            "Send an idempotency_key and reuse it if you retry after a timeout, so the caller "
            "is booked only once. The client gets a text message confirming the booking. If "
            "the time was just taken, the error lists the nearest open times to offer instead."
        ),
    )
    @as_tool_result
    def book_appointment(
        start: LocalStart,
        client_name: Annotated[
            str,
            Field(description="The client's full name", min_length=1, max_length=MAX_CLIENT_NAME),
        ],
        client_phone: ClientPhone,
        ctx: Context,
        provider_id: ProviderId = None,
        notes: Annotated[
            str | None,
            Field(description="Anything the provider should know", max_length=MAX_NOTES),
        ] = None,
        idempotency_key: IdempotencyKey = None,
        service_id: ServiceId = None,
        service_ids: ServiceIds = None,
        provider_ids: Annotated[
            list[Annotated[int, Field(ge=1, le=MAX_ID)] | None] | None,
            Field(
                description="With service_ids: the provider id of each treatment, in the same "
                "order (null for any), e.g. from a slot's parts",
                max_length=MAX_VISIT_SERVICES,
            ),
        ] = None,
    ) -> AppointmentInfo:
        visit_services(service_id, service_ids)  # exactly one of the two
        parts = None
        if service_ids is not None:
            parts = visit_parts(service_ids, provider_id, provider_ids)
            provider_id = None  # in the parts now
        elif provider_ids is not None:
            raise ValidationFailed(
                "provider_ids goes with service_ids; with service_id, send provider_id.",
                fields={"provider_ids": "only with service_ids"},
            )
        phone = caller_phone(ctx, client_phone)
        result = core_create(
            uow,
            service_id=service_id,
            services=parts,
            start=start,
            client_name=client_name,
            client_phone=phone,
            provider_id=provider_id,
            notes=notes,
            requester=Requester.ai(phone),
            idempotency_key=idempotency_key,
        )
        return _appointment_info(result.appointment)

    @server.tool(
        title="Find the caller's appointments",
        annotations=READ_ONLY,
        description=(
            "List the caller's upcoming booked appointments (service, provider, time and id), "
            "found by their phone number. Use it when the caller wants to check, cancel or "
            "move an appointment; the id is what cancel_appointment and "
            "reschedule_appointment need. An empty list means no upcoming appointment is "
            "booked under that number."
        ),
    )
    @as_tool_result
    def find_appointments(client_phone: ClientPhone, ctx: Context) -> AppointmentList:
        found = find_client_appointments(uow, caller_phone(ctx, client_phone))
        return AppointmentList(appointments=[_appointment_info(a) for a in found])

    @server.tool(
        title="Cancel an appointment",
        annotations=ToolAnnotations(
            read_only_hint=False,
            destructive_hint=True,
            idempotent_hint=True,
            open_world_hint=False,
        ),
        description=(
            "Cancel one of the caller's appointments; its time becomes free for others at "
            "once. Confirm with the caller which appointment (service, day and time) before "
            "cancelling. The phone number must be the one the appointment was booked with, "
            "otherwise the answer is not_found. Cancelling an already cancelled appointment "
            "is harmless. Changes close to the appointment time are refused with the number "
            "to call."
        ),
    )
    @as_tool_result
    def cancel_appointment(
        appointment_id: AppointmentId, client_phone: ClientPhone, ctx: Context
    ) -> AppointmentInfo:
        phone = caller_phone(ctx, client_phone)
        cancelled = core_cancel(uow, appointment_id=appointment_id, requester=Requester.ai(phone))
        return _appointment_info(cancelled)

    @server.tool(
        title="Move an appointment",
        annotations=ToolAnnotations(
            read_only_hint=False,
            destructive_hint=True,
            idempotent_hint=False,
            open_world_hint=False,
        ),
        description=(
            "Move one of the caller's appointments to a new start time from "
            "find_available_slots: the old time is released and the new one taken together, "
            "or nothing changes. Read back the new day and time and get a yes first. It stays "
            "with the same provider unless provider_id is given. The phone number must be the "
            "one the appointment was booked with, otherwise the answer is not_found. Send an "
            "idempotency_key and reuse it when retrying after a timeout."
        ),
    )
    @as_tool_result
    def reschedule_appointment(
        appointment_id: AppointmentId,
        client_phone: ClientPhone,
        new_start: LocalStart,
        ctx: Context,
        provider_id: ProviderId = None,
        idempotency_key: IdempotencyKey = None,
    ) -> AppointmentInfo:
        phone = caller_phone(ctx, client_phone)
        result = core_reschedule(
            uow,
            appointment_id=appointment_id,
            new_start=new_start,
            provider_id=provider_id,
            requester=Requester.ai(phone),
            idempotency_key=idempotency_key,
        )
        return _appointment_info(result.appointment)

    return server


def run_stdio(uow: UnitOfWork | None = None) -> None:
    """Serve the tools over stdio until the client closes the pipe, over ``uow`` or, without
    one, over the system ``bootstrap()`` builds from the ``BOOKING_*`` environment (raising
    ``MissingSecretKey`` on PostgreSQL without ``BOOKING_SECRET_KEY``).

    stdout carries the protocol only: loguru (booking_core's booking log) and the standard
    logging module both write to stderr.
    """
    _logs_to_stderr()
    if uow is not None:
        build_server(uow).run("stdio")
        return
    with bootstrap() as system:
        build_server(system.uow).run("stdio")


def _logs_to_stderr() -> None:
    import logging

    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="INFO")
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "stream", None) is sys.stdout:
            root.removeHandler(handler)
    if not root.handlers:
        logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
