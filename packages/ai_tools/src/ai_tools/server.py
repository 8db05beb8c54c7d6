"""The AI receptionist's MCP tool server: thin tools over booking_core's service layer.

Every tool parses its arguments, calls booking_core with ``Requester.ai(phone)`` (so what it
books has source ``ai``) and shapes a short answer for a voice agent. No booking rule lives
here. A ``BookingError`` becomes a tool error result (``is_error=True``) whose text starts with
the error code and the sentence, plus what the agent can do next (the nearest open times for
``slot_unavailable``, how to verify for ``verification_required``); the same facts are in the
structured content.

Who is calling (``build_server(uow, operator=...)``):

- Remote callers (the default; the streamable HTTP endpoint): the caller's number in the header
  named by ``settings.caller_header`` (``X-Caller-Number``, as voice platforms send it) wins
  over any ``client_phone`` argument and is vouched for. Without a usable header number,
  ``find_appointments``, ``cancel_appointment`` and ``reschedule_appointment`` need a
  ``verification_code``: a code ``send_verification_code`` texted to that phone, or the
  ``verification_token`` an earlier answer gave. Every tool call is counted per caller
  (``count_ai_call``: the caller's number, else the MCP session id, else the client address).
- The operator (``operator=True``, stdio: a desktop agent run by staff): ``client_phone`` is
  used, with no code and no call limit.

Phones are compared in E.164 form only (booking_core normalises them).

The tool list is kept small (a voice agent pays for every token of it, on every turn): tools
publish no output schema (their answers still carry structured content), and the published
input schemas are compacted (``compact_schema``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from datetime import date as date_type
from typing import Annotated, Any, ClassVar, ParamSpec, TypeVar

import anyio.to_thread
from booking_core import (
    MAX_CLIENT_NAME,
    MAX_ID,
    MAX_NOTES,
    MAX_VISIT_PARTS,
    Appointment,
    AppointmentPart,
    BookingError,
    BookingSettings,
    PartRequest,
    Requester,
    Slot,
    SlotPart,
    SlotUnavailable,
    UnitOfWork,
    ValidationFailed,
    VerificationFailed,
    VerificationRequired,
    bootstrap,
    business_info,
    count_ai_call,
    find_bookable_times,
    find_client_appointments,
    normalize_phone,
    verify_caller,
)
from booking_core import (
    cancel_appointment as core_cancel,
)
from booking_core import (
    create_appointment as core_create,
)
from booking_core import join_waitlist as core_join_waitlist
from booking_core import list_providers as core_list_providers
from booking_core import list_services as core_list_services
from booking_core import request_callback as core_request_callback
from booking_core import (
    reschedule_appointment as core_reschedule,
)
from booking_core import send_verification_code as core_send_code
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from mcp.types import Tool as MCPTool
from pydantic import BaseModel, BeforeValidator, Field, ValidationError

SERVER_NAME = "hello-gorgeous-booking"
MAX_SLOT_LIMIT = 50
DEFAULT_SLOT_LIMIT = 8
MAX_DAYS = 31
#: The most treatments one visit may hold (booking_core's limit).
MAX_VISIT_SERVICES = MAX_VISIT_PARTS
#: The most characters the whole tools/list may take (json.dumps of its tools): about 2,500
#: tokens, which a voice agent pays on every turn. tests/mcp/test_mcp_tool_budget.py holds it.
TOOL_LIST_BUDGET = 10_000
#: The header a streamable HTTP client sends its MCP session id in.
SESSION_HEADER = "mcp-session-id"

_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

INSTRUCTIONS = (
    "You are the receptionist of a med spa and book appointments through these tools. "
    "Call get_business_info first to learn today's date and the current local time; every date "
    "and time you send or receive is in the business's local time zone. Offer only times that "
    "find_available_slots returned, and pass their start values unchanged. Before booking, "
    "moving or cancelling, read back the service, the day and time, the provider and the "
    "client's name, and wait for a clear yes. When a tool answers verification_required, call "
    "send_verification_code, ask the caller for the 6-digit code they receive, and call the "
    "tool again with it as verification_code; then pass the verification_token the answer "
    "gives as verification_code for the rest of the call. When a tool returns an error, tell "
    "the caller what it says in plain words and offer the alternatives it lists. When the "
    "caller wants a person, or you cannot help, use request_callback."
)

# --- outputs: short, typed, and only what a voice agent needs ---------------------------------


class Answer(BaseModel):
    """A tool's answer. Optional facts left as None are left out of it, except those named in
    ``nullable``, which are kept (as null) when they were set."""

    nullable: ClassVar[tuple[str, ...]] = ()

    def as_data(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude_none=True)
        for name in self.nullable:
            if name in self.model_fields_set and data.get(name) is None:
                data[name] = None
        return data


class OpeningHours(BaseModel):
    day: str
    open: str
    close: str


class FaqInfo(BaseModel):
    question: str
    answer: str


class BusinessInfo(Answer):
    name: str
    phone: str
    timezone: str
    today: date
    weekday: str
    now: str
    now_readable: str
    hours: list[OpeningHours] = Field(description="Days not listed are closed")
    change_cutoff_hours: int = Field(
        description="A client may cancel or move by themselves until this many hours before"
    )
    min_notice_minutes: int = Field(description="Bookings start at least this far from now")
    policies: str | None = None
    faq: list[FaqInfo] | None = None


class ServiceInfo(BaseModel):
    id: int
    name: str
    description: str
    duration_minutes: int
    price: str
    preparation: str | None = None


class ServiceList(Answer):
    services: list[ServiceInfo]


class ProviderInfo(BaseModel):
    id: int
    name: str
    title: str
    service_ids: list[int]


class ProviderList(Answer):
    providers: list[ProviderInfo]


class SlotPartInfo(BaseModel):
    service_id: int
    service_name: str
    provider_id: int
    provider_name: str
    start: str
    end: str
    readable: str


class SlotInfo(BaseModel):
    start: str
    readable: str
    provider_id: int
    provider_name: str
    parts: list[SlotPartInfo] | None = None


class SlotList(Answer):
    nullable = ("next_available",)

    timezone: str
    slots: list[SlotInfo]
    reason: str | None = None
    next_available: SlotInfo | None = None


class AppointmentPartInfo(BaseModel):
    service_id: int
    service_name: str
    provider_id: int
    provider_name: str
    start: str
    end: str
    readable: str
    resources: list[str]


class AppointmentInfo(Answer):
    id: str
    status: str
    service_id: int
    service_name: str
    provider_id: int
    provider_name: str
    start: str
    end: str
    readable: str
    client_name: str
    parts: list[AppointmentPartInfo]
    verification_token: str | None = None


class AppointmentList(Answer):
    appointments: list[AppointmentInfo]
    verification_token: str | None = None


class CodeSent(Answer):
    sent: bool
    phone: str | None = None
    expires_in_minutes: int | None = None
    note: str


class WaitlistJoined(Answer):
    entry_id: int
    joined: bool  # false: already on the list for the same wishes
    status: str
    date_from: str
    date_to: str
    note: str


class CallbackRequested(Answer):
    id: int
    status: str
    client_name: str
    client_phone: str
    business_phone: str
    transfer_number: str | None = None
    note: str


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


def _appointment_info(
    appointment: Appointment, verification_token: str | None = None
) -> AppointmentInfo:
    return AppointmentInfo(
        id=appointment.id,
        status=appointment.status.value,
        service_id=appointment.service_id,
        service_name=appointment.service_name,
        provider_id=appointment.provider_id,
        provider_name=appointment.provider_name,
        start=appointment.start.isoformat(),
        end=appointment.end.isoformat(),
        readable=readable(appointment.start),
        client_name=appointment.client.name,
        parts=[_appointment_part_info(p) for p in appointment.parts],
        verification_token=verification_token,
    )


def _with_whom(slot: SlotInfo) -> str:
    """Dr. Maya Patel, or for a visit with several: Dr. Maya Patel then Jessica Rivera."""
    names = [p.provider_name for p in slot.parts or ()] or [slot.provider_name]
    distinct = list(dict.fromkeys(names))
    return " then ".join(distinct)


def _offset(moment: datetime) -> str:
    """-06:00 (UTC is +00:00)."""
    offset = moment.utcoffset() or timedelta()
    sign = "-" if offset < timedelta() else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


# --- a start time over MCP: the business's own offset, or none ----------------------------------


class OffsetNotLocal(BookingError):
    """A start with a UTC offset the business is not on at that instant (``invalid_time``).

    Over MCP only: an agent that writes 10:00-05:00 for a spa on -06:00 means 10:00 local far
    more often than 9:00 local, so the time is refused with the one it probably meant. The HTTP
    API accepts any instant (booking_core converts it)."""

    code = "invalid_time"
    http_status = 422


def check_local_offset(value: str, field: str, settings: BookingSettings) -> None:
    """Refuse a start whose UTC offset is not the business's at that instant, naming the local
    time of the same wall clock. A time without an offset, or one booking_core cannot read,
    goes on to booking_core as it is."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return
    if moment.tzinfo is None:
        return
    tz = settings.tz
    if moment.astimezone(tz).utcoffset() == moment.utcoffset():
        return
    wall = moment.replace(tzinfo=None)
    meant = wall.replace(tzinfo=tz)
    exists = meant.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall
    message = (
        f"{wall:%H:%M}{_offset(moment)} is not a local time here: in {wall:%B} "
        f"{settings.business_name} is on {_offset(meant)} ({settings.timezone})"
    )
    details: dict[str, Any] = {"field": field}
    if exists:
        message += f"; did you mean {readable_time(wall)} ({meant.isoformat()})?"
        details["meant"] = meant.isoformat()
    else:
        message += ". Send the local time without an offset, or a start from find_available_slots."
    raise OffsetNotLocal(message, **details)


# --- errors -----------------------------------------------------------------------------------

P = ParamSpec("P")
R = TypeVar("R")

#: What the agent can do next, after the sentence of these errors.
_NEXT_STEP = {
    VerificationRequired.code: (
        " Call send_verification_code for the caller's number, ask the caller for the 6-digit "
        "code, then call this tool again with it as verification_code."
    ),
    VerificationFailed.code: (
        " Ask the caller to read the code again, or call send_verification_code for a new one."
    ),
}


def error_result(error: BookingError) -> CallToolResult:
    """A tool error a model can act on: the code, the sentence, and any alternatives."""
    details = dict(error.details)
    text = f"{error.code}: {error.message}"
    part = details.get("part")
    if isinstance(part, int) and not isinstance(part, bool):
        text += f" (This is about treatment number {part + 1} of the visit.)"
    if isinstance(error, SlotUnavailable) or (
        isinstance(details.get("alternatives"), list) and details["alternatives"]
    ):
        alternatives = [_alternative(a) for a in details.get("alternatives") or ()]
        details["alternatives"] = [a.model_dump(exclude_none=True) for a in alternatives]
        if alternatives:
            offers = "; ".join(f"{a.readable} with {_with_whom(a)}" for a in alternatives)
            starts = ", ".join(a.start for a in alternatives)
            text += f" Nearest open times: {offers} (start values: {starts})."
        else:
            text += " No open time is near it; call find_available_slots for other days."
    text += _NEXT_STEP.get(error.code, "")
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
    """Wrap a tool body: its answer as compact JSON text plus structured content, and a
    BookingError as a tool error result instead of an opaque crash.

    The wrapper keeps the tool's signature (functools.wraps), which is what the SDK reads to
    build the input schema. Compact text matters: a voice agent waits on it.
    """

    @functools.wraps(tool)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            answer = tool(*args, **kwargs)
        except BookingError as error:
            return error_result(error)  # type: ignore[return-value]
        if isinstance(answer, Answer):
            data = answer.as_data()
            return CallToolResult(  # type: ignore[return-value]
                content=[
                    TextContent(
                        type="text",
                        text=json.dumps(data, separators=(",", ":"), ensure_ascii=False),
                    )
                ],
                structured_content=data,
            )
        return answer

    return wrapper


# --- the published tool list: small ------------------------------------------------------------


def compact_schema(schema: Any, *, optional: bool = False) -> Any:
    """An input schema as published: what the model needs to call the tool, no more.

    Titles go (the property names say it); an optional argument (default null) is published as
    its non-null form, since leaving it out is how a model says "none"; and the id ceiling
    (``MAX_ID``, a database limit no real id reaches) goes. The server still validates the
    arguments against the full schema."""
    if isinstance(schema, list):
        return [compact_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    node = dict(schema)
    branches = node.get("anyOf")
    if optional and node.get("default", ...) is None and isinstance(branches, list):
        kept = [b for b in branches if b != {"type": "null"}]
        if len(kept) == 1 and isinstance(kept[0], dict):
            node.pop("anyOf")
            node.pop("default")
            node = {**kept[0], **node}
    node.pop("title", None)
    if node.get("maximum") == MAX_ID:
        node.pop("maximum")
    compacted: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            compacted[key] = {
                name: compact_schema(prop, optional=True) for name, prop in value.items()
            }
        elif key in ("items", "anyOf", "oneOf", "allOf", "$defs", "additionalProperties"):
            if key == "$defs" and isinstance(value, dict):
                compacted[key] = {name: compact_schema(d) for name, d in value.items()}
            else:
                compacted[key] = compact_schema(value)
        else:
            compacted[key] = value
    return compacted


class BookingToolServer(MCPServer):
    """The SDK's server with: argument errors answered in the same form as booking errors (the
    SDK's own text is pydantic's, with no code a model can act on); every call of a remote
    caller counted (``count_ai_call``); and a compact tool list."""

    def __init__(self, *args: Any, uow: UnitOfWork, operator: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._uow = uow
        self._operator = operator

    async def list_tools(self) -> list[MCPTool]:
        return [
            tool.model_copy(update={"input_schema": compact_schema(tool.input_schema)})
            for tool in await super().list_tools()
        ]

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        counted = not self._operator and self._uow.settings.ai_calls_per_minute > 0
        key = caller_key(context, self._uow.settings) if counted else None
        if key is not None:  # no limit: no count, and no hop to a thread for it
            try:
                await anyio.to_thread.run_sync(count_ai_call, self._uow, key)
            except BookingError as error:
                return error_result(error)
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as error:
            if isinstance(error.__cause__, ValidationError):
                return argument_error_result(name, error.__cause__)
            raise


# --- who is calling ---------------------------------------------------------------------------


def _request(ctx: Any) -> Any:
    """The HTTP request of a tool call (None over stdio or in memory)."""
    try:
        return ctx.request_context.request if ctx is not None else None
    except (AttributeError, ValueError):  # no request context at all
        return None


def header_number(ctx: Any, settings: BookingSettings) -> str | None:
    """The caller's E.164 number from the caller-number header, when it holds a valid one (a
    withheld caller ID such as "anonymous" is no number)."""
    headers = getattr(_request(ctx), "headers", None)
    supplied = (headers.get(settings.caller_header) or "").strip() if headers else ""
    if not supplied:
        return None
    try:
        return normalize_phone(supplied, field="client_phone")
    except ValidationFailed:
        return None


def caller_key(ctx: Any, settings: BookingSettings) -> str | None:
    """Whom a call counts against: the caller's number, else the MCP session, else the client
    address. None when the call came over no HTTP request (nothing to count it against)."""
    request = _request(ctx)
    if request is None:
        return None
    number = header_number(ctx, settings)
    if number:
        return f"phone:{number}"
    session = (request.headers.get(SESSION_HEADER) or "").strip()
    if session:
        return f"session:{session}"
    client = getattr(request, "client", None)
    return f"address:{client.host if client else 'unknown'}"


# --- arguments --------------------------------------------------------------------------------

READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


def writes(*, destructive: bool, idempotent: bool) -> ToolAnnotations:
    """A tool that changes the booking store (and nothing outside it)."""
    return ToolAnnotations(
        read_only_hint=False,
        destructive_hint=destructive,
        idempotent_hint=idempotent,
        open_world_hint=False,
    )


ServiceId = Annotated[
    int | None,
    Field(description="From list_services", ge=1, le=MAX_ID),
]
ServiceIds = Annotated[
    list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None,
    Field(
        description="Instead of service_id, for two treatments or more: in visit order",
        min_length=1,
        max_length=MAX_VISIT_SERVICES,
    ),
]
ProviderId = Annotated[
    int | None,
    Field(description="Omit for any provider", ge=1, le=MAX_ID),
]
AppointmentId = Annotated[str, Field(description="From find_appointments")]
ClientPhone = Annotated[
    str | None,
    Field(
        description="Needed unless the phone system gives the caller's number",
        min_length=1,
        max_length=40,
    ),
]
VerificationCode = Annotated[
    str | None,
    Field(
        description="After verification_required: the texted code, later the verification_token",
        max_length=200,
    ),
]
IdempotencyKey = Annotated[
    str | None,
    Field(description="Unique per request; the same when retrying", max_length=200),
]
LocalStart = Annotated[
    str,
    Field(
        description="A slot's start, or local time like 2026-12-01T14:30",
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
    Field(description="HH:MM, local"),
]
LatestTime = Annotated[
    time | None,
    BeforeValidator(_time_of_day_text),
    Field(description="HH:MM, local"),
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


# --- the server -------------------------------------------------------------------------------


def build_server(uow: UnitOfWork, *, operator: bool = False) -> MCPServer:
    """An MCP server whose tools act on the booking store behind ``uow``.

    ``operator=False`` (the HTTP endpoint): callers are strangers on the phone; a number the
    caller-number header does not vouch for needs a texted code to read or change appointments,
    and every call counts against the caller's per-minute limit. ``operator=True`` (stdio): the
    caller is the machine's operator, trusted with ``client_phone`` as given.
    """
    settings = uow.settings
    server = BookingToolServer(
        SERVER_NAME,
        instructions=INSTRUCTIONS,
        version="0.2.0",
        # Quiet: INFO would log every request, and over stdio only stderr may carry logs.
        log_level="WARNING",
        uow=uow,
        operator=operator,
    )

    def caller_phone(ctx: Context | None, client_phone: str | None) -> str:
        """The caller's E.164 number: the caller-number header when it holds one, else the
        argument (then required)."""
        number = header_number(ctx, settings)
        if number:
            return number
        if not (client_phone or "").strip():
            raise ValidationFailed(
                "Ask the caller for their phone number and send it as client_phone.",
                fields={"client_phone": "required"},
            )
        return normalize_phone(client_phone or "", field="client_phone")

    def verified_caller(
        ctx: Context | None, client_phone: str | None, code: str | None
    ) -> tuple[str, bool, str | None]:
        """The caller's number, whether it is vouched for, and the verification token to give
        back: the header's number needs nothing; any other number needs a code or token (from
        a remote caller); the operator's is taken as given."""
        number = header_number(ctx, settings)
        if number:
            return number, True, None
        phone = caller_phone(ctx, client_phone)
        if operator:
            return phone, False, None
        if not (code or "").strip():
            raise VerificationRequired()
        return phone, True, verify_caller(uow, phone, code or "")

    def booking_caller(
        ctx: Context | None, client_phone: str | None, code: str | None
    ) -> tuple[str, bool]:
        """For a new booking (no code needed): the number, and whether it is vouched for (by
        the header, or by a code or token the caller gave, when it holds)."""
        number = header_number(ctx, settings)
        if number:
            return number, True
        phone = caller_phone(ctx, client_phone)
        if operator or not (code or "").strip():
            return phone, False
        try:
            verify_caller(uow, phone, code or "")
        except (VerificationFailed, VerificationRequired):
            return phone, False  # booking needs no proof: book as an unverified caller
        return phone, True

    @server.tool(
        title="Business info and today's date",
        annotations=READ_ONLY,
        structured_output=False,
        description=(
            "Today's date, the local time, opening hours, phone, change cut-off, minimum "
            "notice, policies and FAQ. Call it first in every conversation: all dates and "
            "times in these tools are the business's local time."
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
            change_cutoff_hours=info.change_cutoff_hours,
            min_notice_minutes=info.min_notice_minutes,
            policies=info.policies or None,
            faq=[FaqInfo(question=e.question, answer=e.answer) for e in info.faq] or None,
        )

    @server.tool(
        title="List services",
        annotations=READ_ONLY,
        structured_output=False,
        description=(
            "The treatments that can be booked: id, length, price and how to prepare. Empty: "
            "nothing can be booked by phone; give the business phone."
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
                    preparation=s.preparation or None,
                )
                for s in core_list_services(uow)
            ]
        )

    @server.tool(
        title="List providers",
        annotations=READ_ONLY,
        structured_output=False,
        description="The providers, with the ids of the services each offers.",
    )
    @as_tool_result
    def list_providers(
        service_id: Annotated[
            int | None, Field(description="Only those offering it", ge=1, le=MAX_ID)
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
        structured_output=False,
        description=(
            "Open start times from date over days, spread over them, one per time with the "
            "provider it would be booked with. For a client who wants two treatments or more, "
            "pass service_ids: each time lists its parts, back to back. Offer only times this "
            "returns. None: reason says why and next_available is the next free time. Call "
            "get_business_info first for today's date."
        ),
    )
    @as_tool_result
    def find_available_slots(
        date: Annotated[
            date,
            Field(
                description="First local date",
                ge=date_type(2000, 1, 1),
                le=date_type(2999, 12, 1),
            ),
        ],
        days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = 1,
        provider_id: ProviderId = None,
        earliest_time: EarliestTime = None,
        latest_time: LatestTime = None,
        limit: Annotated[int, Field(ge=1, le=MAX_SLOT_LIMIT)] = DEFAULT_SLOT_LIMIT,
        service_id: ServiceId = None,
        service_ids: ServiceIds = None,
    ) -> SlotList:
        found = find_bookable_times(
            uow,
            service_id=visit_services(service_id, service_ids),
            start_date=date,
            end_date=date + timedelta(days=days - 1),
            provider_id=provider_id,
            earliest_time=earliest_time,
            latest_time=latest_time,
            limit=limit,
        )
        if found.slots:
            return SlotList(timezone=settings.timezone, slots=[_slot_info(s) for s in found.slots])
        return SlotList(
            timezone=settings.timezone,
            slots=[],
            reason=found.reason,
            next_available=_slot_info(found.next_available) if found.next_available else None,
        )

    @server.tool(
        title="Book an appointment",
        annotations=writes(destructive=False, idempotent=False),
        structured_output=False,
        description=(
            "Book a start from find_available_slots. First read back the service, day and "
            "time, provider and the client's name, and get a clear yes. For two treatments, "
            "pass service_ids and the provider_ids of the slot's parts. The client gets a "
            "confirmation text."
        ),
    )
    @as_tool_result
    def book_appointment(
        start: LocalStart,
        client_name: Annotated[str, Field(min_length=1, max_length=MAX_CLIENT_NAME)],
        ctx: Context,
        client_phone: ClientPhone = None,
        provider_id: ProviderId = None,
        notes: Annotated[
            str | None, Field(description="For the provider", max_length=MAX_NOTES)
        ] = None,
        idempotency_key: IdempotencyKey = None,
        service_id: ServiceId = None,
        service_ids: ServiceIds = None,
        provider_ids: Annotated[
            list[Annotated[int, Field(ge=1, le=MAX_ID)] | None] | None,
            Field(description="With service_ids: one per treatment (null: any)", max_length=5),
        ] = None,
        verification_code: VerificationCode = None,
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
        check_local_offset(start, "start", settings)
        phone, verified = booking_caller(ctx, client_phone, verification_code)
        result = core_create(
            uow,
            service_id=service_id,
            services=parts,
            start=start,
            client_name=client_name,
            client_phone=phone,
            provider_id=provider_id,
            notes=notes,
            requester=Requester.ai(phone, verified=verified),
            idempotency_key=idempotency_key,
        )
        return _appointment_info(result.appointment)

    @server.tool(
        title="Find the caller's appointments",
        annotations=READ_ONLY,
        structured_output=False,
        description="The caller's upcoming appointments, with the ids to cancel or move them.",
    )
    @as_tool_result
    def find_appointments(
        ctx: Context,
        client_phone: ClientPhone = None,
        verification_code: VerificationCode = None,
    ) -> AppointmentList:
        phone, _verified, token = verified_caller(ctx, client_phone, verification_code)
        found = find_client_appointments(uow, phone)
        return AppointmentList(
            appointments=[_appointment_info(a) for a in found], verification_token=token
        )

    @server.tool(
        title="Cancel an appointment",
        annotations=writes(destructive=True, idempotent=True),
        structured_output=False,
        description=(
            "Cancel one of the caller's appointments, after confirming which one; its time is "
            "free at once. Cancelling twice is harmless."
        ),
    )
    @as_tool_result
    def cancel_appointment(
        appointment_id: AppointmentId,
        ctx: Context,
        client_phone: ClientPhone = None,
        verification_code: VerificationCode = None,
    ) -> AppointmentInfo:
        phone, verified, token = verified_caller(ctx, client_phone, verification_code)
        cancelled = core_cancel(
            uow, appointment_id=appointment_id, requester=Requester.ai(phone, verified=verified)
        )
        return _appointment_info(cancelled, token)

    @server.tool(
        title="Move an appointment",
        annotations=writes(destructive=True, idempotent=False),
        structured_output=False,
        description=(
            "Move one of the caller's appointments to a start from find_available_slots, after "
            "reading back the new time and getting a yes. Without provider_id it keeps the "
            "provider."
        ),
    )
    @as_tool_result
    def reschedule_appointment(
        appointment_id: AppointmentId,
        new_start: LocalStart,
        ctx: Context,
        client_phone: ClientPhone = None,
        provider_id: ProviderId = None,
        idempotency_key: IdempotencyKey = None,
        verification_code: VerificationCode = None,
        provider_ids: Annotated[
            list[Annotated[int, Field(ge=1, le=MAX_ID)] | None] | None,
            Field(description="A visit: one per treatment (null keeps it)", max_length=5),
        ] = None,
    ) -> AppointmentInfo:
        phone, verified, token = verified_caller(ctx, client_phone, verification_code)
        check_local_offset(new_start, "new_start", settings)
        result = core_reschedule(
            uow,
            appointment_id=appointment_id,
            new_start=new_start,
            provider_id=provider_id,
            part_providers=provider_ids,
            requester=Requester.ai(phone, verified=verified),
            idempotency_key=idempotency_key,
        )
        return _appointment_info(result.appointment, token)

    @server.tool(
        title="Text a verification code",
        annotations=writes(destructive=False, idempotent=False),
        structured_output=False,
        description=(
            "Text a 6-digit code to the caller's phone, after an answer says verification_required."
        ),
    )
    @as_tool_result
    def send_verification_code(ctx: Context, client_phone: ClientPhone = None) -> CodeSent:
        if operator or header_number(ctx, settings):
            caller_phone(ctx, client_phone)  # still a valid number, or validation_error
            return CodeSent(
                sent=False, note="No code is needed: the caller's number is already known."
            )
        sent = core_send_code(uow, caller_phone(ctx, client_phone))
        return CodeSent(
            sent=True,
            phone=sent.phone,
            expires_in_minutes=sent.expires_in_minutes,
            note=(
                "Ask the caller for the 6-digit code just texted to them, and pass it as "
                "verification_code."
            ),
        )

    @server.tool(
        title="Ask for a call back",
        annotations=writes(destructive=False, idempotent=False),
        structured_output=False,
        description=(
            "When the caller wants a person, or you cannot help: ask the front desk to call "
            "back. With transfer_number in the answer, transfer the call there."
        ),
    )
    @as_tool_result
    def request_callback(
        client_name: Annotated[str, Field(min_length=1, max_length=MAX_CLIENT_NAME)],
        reason: Annotated[str, Field(min_length=1, max_length=500)],
        ctx: Context,
        client_phone: ClientPhone = None,
    ) -> CallbackRequested:
        callback = core_request_callback(uow, client_name, caller_phone(ctx, client_phone), reason)
        transfer = (settings.transfer_number or "").strip() or None
        return CallbackRequested(
            id=callback.id,
            status=callback.status,
            client_name=callback.client_name,
            client_phone=callback.client_phone,
            business_phone=settings.business_phone,
            transfer_number=transfer,
            note=(
                "The front desk will call back"
                + (": or transfer the call to transfer_number now." if transfer else ".")
            ),
        )

    @server.tool(
        title="Join the waitlist",
        annotations=writes(destructive=False, idempotent=True),
        structured_output=False,
        description=(
            "Nothing fits: put the caller on the waitlist, texted when a fitting time opens "
            "(dates within the booking horizon). Their number as for booking."
        ),
    )
    @as_tool_result
    def join_waitlist(
        client_name: Annotated[str, Field(min_length=1, max_length=MAX_CLIENT_NAME)],
        date_from: Annotated[date, Field(ge=date_type(2000, 1, 1), le=date_type(2999, 12, 1))],
        date_to: Annotated[date, Field(ge=date_type(2000, 1, 1), le=date_type(2999, 12, 1))],
        ctx: Context,
        client_phone: ClientPhone = None,
        provider_id: ProviderId = None,
        earliest_time: EarliestTime = None,
        latest_time: LatestTime = None,
        service_id: ServiceId = None,
        service_ids: ServiceIds = None,
    ) -> WaitlistJoined:
        wanted = visit_services(service_id, service_ids)
        result = core_join_waitlist(
            uow,
            service_ids=[wanted] if isinstance(wanted, int) else list(wanted),
            provider_id=provider_id,
            date_from=date_from,
            date_to=date_to,
            earliest_time=earliest_time,
            latest_time=latest_time,
            client_name=client_name,
            client_phone=caller_phone(ctx, client_phone),
            requester=Requester.ai(),
        )
        entry = result.entry
        return WaitlistJoined(
            entry_id=entry.id,
            joined=result.created,
            status=entry.status,
            date_from=entry.date_from.isoformat(),
            date_to=entry.date_to.isoformat(),
            note="A text confirms it and says how to leave; offers come by text."
            if result.created
            else "Already on the waitlist for this.",
        )

    return server


def run_stdio(uow: UnitOfWork | None = None) -> None:
    """Serve the tools over stdio until the client closes the pipe, over ``uow`` or, without
    one, over the system ``bootstrap()`` builds from the ``BOOKING_*`` environment (raising
    ``MissingSecretKey`` on PostgreSQL without ``BOOKING_SECRET_KEY``). The caller is the
    machine's operator (``build_server(operator=True)``): no codes, no call limit.

    stdout carries the protocol only: loguru (booking_core's booking log) and the standard
    logging module both write to stderr.
    """
    _logs_to_stderr()
    if uow is not None:
        build_server(uow, operator=True).run("stdio")
        return
    with bootstrap() as system:
        build_server(system.uow, operator=True).run("stdio")


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
