"""The MCP tools over streamable HTTP, with the SDK's real client against a started server.

"Now" is Monday 2026-11-30 12:00 in Chicago (the conftest clock). Thursday 2026-12-03 is far
enough ahead for the 24-hour change cut-off; Dr. Maya Patel (provider 1) works 9-12 and 13-17.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from mcp_helpers import (
    ADMIN_TOKEN,
    AI_TOKEN,
    CALLER,
    RunningServer,
    error_code,
    mcp_client,
    ok,
    text_of,
    with_mcp,
)

TOOLS = {
    "get_business_info",
    "list_services",
    "list_providers",
    "find_available_slots",
    "book_appointment",
    "find_appointments",
    "cancel_appointment",
    "reschedule_appointment",
    "send_verification_code",
    "request_callback",
    "join_waitlist",
}
BOTOX = 2
PATEL = 1
THURSDAY_10 = "2026-12-03T10:00:00-06:00"
ANN = "(312) 555-0199"


def book(client: Client, start: str = THURSDAY_10, phone: str = ANN, **extra: Any) -> Any:
    arguments = {
        "service_id": BOTOX,
        "start": start,
        "client_name": "Ann Example",
        "client_phone": phone,
        "provider_id": PATEL,
        **extra,
    }
    return client.call_tool("book_appointment", arguments)


async def slot_starts(client: Client, day: str = "2026-12-03") -> list[str]:
    result = await client.call_tool(
        "find_available_slots",
        {"service_id": BOTOX, "date": day, "provider_id": PATEL, "limit": 50},
    )
    return [slot["start"] for slot in ok(result)["slots"]]


def http_slot_starts(server: RunningServer, day: str = "2026-12-03") -> list[str]:
    with server.api() as api:
        response = api.get(
            "/api/availability", params={"service_id": BOTOX, "date": day, "provider_id": PATEL}
        )
    assert response.status_code == 200, response.text
    return [slot["start"] for slot in response.json()["slots"]]


# --- the tool list ----------------------------------------------------------------------------


def test_lists_the_tools_with_typed_schemas_and_truthful_annotations(http_server):
    async def scenario(client: Client) -> Any:
        return (await client.list_tools()).tools

    tools = {tool.name: tool for tool in with_mcp(http_server.mcp_url, scenario)}
    assert set(tools) == TOOLS

    for tool in tools.values():
        assert tool.description and len(tool.description) > 40, tool.name
        assert "\n\n" not in tool.description  # one paragraph
        # No output schema (a voice agent pays for the tool list); answers stay structured.
        assert tool.output_schema is None, tool.name
        assert tool.annotations is not None and tool.annotations.open_world_hint is False

    required = {name: set(tool.input_schema.get("required", [])) for name, tool in tools.items()}
    assert required == {
        "get_business_info": set(),
        "list_services": set(),
        "list_providers": set(),
        # service_id or service_ids (a visit of several services): one of the two.
        "find_available_slots": {"date"},
        # client_phone: optional, since the caller-number header may supply it.
        "book_appointment": {"start", "client_name"},
        "find_appointments": set(),
        "cancel_appointment": {"appointment_id"},
        "reschedule_appointment": {"appointment_id", "new_start"},
        "send_verification_code": set(),
        "request_callback": {"client_name", "reason"},
        "join_waitlist": {"client_name", "date_from", "date_to"},
    }
    slots = tools["find_available_slots"].input_schema["properties"]
    assert slots["limit"]["default"] == 8 and slots["limit"]["maximum"] == 50
    assert slots["days"]["default"] == 1
    assert slots["date"]["format"] == "date"
    assert set(tools["book_appointment"].input_schema["properties"]) == {
        "service_id",
        "service_ids",
        "provider_ids",
        "start",
        "client_name",
        "client_phone",
        "provider_id",
        "notes",
        "idempotency_key",
        "verification_code",
    }
    for name in ("find_appointments", "cancel_appointment", "reschedule_appointment"):
        assert "verification_code" in tools[name].input_schema["properties"], name
    # The caller's context parameter is injected by the SDK, never asked of the model.
    assert "ctx" not in tools["cancel_appointment"].input_schema["properties"]

    for name in ("get_business_info", "list_services", "list_providers"):
        assert tools[name].annotations.read_only_hint is True
    for name in ("find_available_slots", "find_appointments"):
        assert tools[name].annotations.read_only_hint is True
        assert tools[name].annotations.idempotent_hint is True
    booking = tools["book_appointment"].annotations
    assert (booking.read_only_hint, booking.destructive_hint) == (False, False)
    assert booking.idempotent_hint is False
    cancel = tools["cancel_appointment"].annotations
    assert (cancel.read_only_hint, cancel.destructive_hint, cancel.idempotent_hint) == (
        False,
        True,
        True,
    )
    move = tools["reschedule_appointment"].annotations
    assert (move.read_only_hint, move.destructive_hint) == (False, True)
    for name in ("send_verification_code", "request_callback"):
        writes = tools[name].annotations
        assert (writes.read_only_hint, writes.destructive_hint) == (False, False), name

    described = tools["book_appointment"].description.lower()
    assert "read back" in described and "yes" in described
    assert "today" in tools["get_business_info"].description.lower()
    assert "get_business_info" in tools["find_available_slots"].description
    for name in ("find_available_slots", "book_appointment"):
        assert "two treatments" in tools[name].description
        assert "service_ids" in tools[name].input_schema["properties"]
    assert "verification_required" in tools["send_verification_code"].description


def test_business_info_gives_today_and_the_local_time(http_server):
    async def scenario(client: Client) -> Any:
        return ok(await client.call_tool("get_business_info", {}))

    info = with_mcp(http_server.mcp_url, scenario)
    assert info["today"] == "2026-11-30"
    assert info["weekday"] == "Monday"
    assert info["now"] == "2026-11-30T12:00:00-06:00"
    assert info["now_readable"] == "Mon Nov 30, 12:00 PM"
    assert info["timezone"] == "America/Chicago"
    assert {"day": "Saturday", "open": "9:00 AM", "close": "6:00 PM"} in info["hours"]
    assert all(day["day"] != "Sunday" for day in info["hours"])


def test_slots_are_short_with_iso_and_readable_times(http_server):
    async def scenario(client: Client) -> Any:
        default = await client.call_tool(
            "find_available_slots", {"service_id": BOTOX, "date": "2026-12-01"}
        )
        too_many = await client.call_tool(
            "find_available_slots", {"service_id": BOTOX, "date": "2026-12-01", "limit": 51}
        )
        return default, too_many

    default, too_many = with_mcp(http_server.mcp_url, scenario)
    slots = ok(default)["slots"]
    assert len(slots) == 8
    assert slots[0] == {
        "start": "2026-12-01T09:00:00-06:00",
        "readable": "Tue Dec 1, 9:00 AM",
        "provider_id": 1,
        "provider_name": "Dr. Maya Patel",
    }
    assert too_many.is_error and "limit" in text_of(too_many)


# --- booking as the AI ------------------------------------------------------------------------


def test_ai_booking_is_on_the_calendar_and_the_same_slot_over_http_gets_409(http_server):
    async def scenario(client: Client) -> Any:
        return ok(await book(client))

    booked = with_mcp(http_server.mcp_url, scenario)
    assert booked["start"] == THURSDAY_10
    assert booked["readable"] == "Thu Dec 3, 10:00 AM"

    with http_server.api(admin=True) as api:
        calendar = api.get("/api/admin/calendar", params={"date": "2026-12-03"})
        assert calendar.status_code == 200, calendar.text
        (entry,) = [a for a in calendar.json()["appointments"] if a["id"] == booked["id"]]
        assert entry["provider_id"] == PATEL
        assert entry["provider_name"] == "Dr. Maya Patel"
        assert entry["service_id"] == BOTOX
        assert entry["service_name"] == "Botox"
        assert entry["start"] == THURSDAY_10
        assert entry["end"] == "2026-12-03T10:30:00-06:00"
        assert entry["source"] == "ai"
        assert entry["status"] == "booked"
        assert entry["client"]["phone"] == "+13125550199"

    with http_server.api() as api:
        again = api.post(
            "/api/booking/create",
            json={
                "service_id": BOTOX,
                "provider_id": PATEL,
                "start": THURSDAY_10,
                "client": {"name": "Web Client", "phone": "(312) 555-0111"},
            },
        )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "slot_unavailable"


def test_a_taken_slot_is_a_tool_error_with_the_nearest_alternatives(http_server):
    async def scenario(client: Client) -> Any:
        ok(await book(client))
        return await book(client, phone="(312) 555-0111")

    result = with_mcp(http_server.mcp_url, scenario)
    assert error_code(result) == "slot_unavailable"
    text = text_of(result)
    assert text.startswith("slot_unavailable: ")
    assert "no longer available" in text
    alternatives = result.structured_content["error"]["details"]["alternatives"]
    assert alternatives, "a taken slot offers the nearest open times"
    for alternative in alternatives:
        assert alternative["start"] != THURSDAY_10
        assert alternative["readable"] in text
        assert alternative["start"] in text
        assert set(alternative) == {"start", "readable", "provider_id", "provider_name"}


def test_cancel_frees_and_reschedule_moves_the_slot(http_server):
    new_start = "2026-12-03T14:00:00-06:00"

    async def scenario(client: Client) -> Any:
        booked = ok(await book(client))
        after_booking = await slot_starts(client)
        moved = ok(
            await client.call_tool(
                "reschedule_appointment",
                {
                    "appointment_id": booked["id"],
                    "client_phone": ANN,
                    "new_start": new_start,
                },
            )
        )
        after_move = await slot_starts(client)
        async with mcp_client(http_server.mcp_url) as someone_else:
            taken = await book(someone_else, start=new_start, phone="(312) 555-0111")
        cancelled = ok(
            await client.call_tool(
                "cancel_appointment", {"appointment_id": booked["id"], "client_phone": ANN}
            )
        )
        after_cancel = await slot_starts(client)
        twice = ok(
            await client.call_tool(
                "cancel_appointment", {"appointment_id": booked["id"], "client_phone": ANN}
            )
        )
        return booked, after_booking, moved, after_move, taken, cancelled, after_cancel, twice

    # Ann calls from her own phone: the caller-number header vouches for her, no code needed.
    booked, after_booking, moved, after_move, taken, cancelled, after_cancel, twice = with_mcp(
        http_server.mcp_url, scenario, caller=ANN
    )
    assert twice["status"] == "cancelled", "cancelling twice is harmless"
    assert THURSDAY_10 not in after_booking
    assert new_start in after_booking
    assert (moved["id"], moved["start"], moved["status"]) == (booked["id"], new_start, "booked")
    assert THURSDAY_10 in after_move, "the old time is free again"
    assert new_start not in after_move, "the new time is locked"
    assert error_code(taken) == "slot_unavailable"
    assert cancelled["status"] == "cancelled"
    assert new_start in after_cancel and THURSDAY_10 in after_cancel
    assert new_start in http_slot_starts(http_server)  # the web sees the same


def test_a_retried_booking_with_the_same_idempotency_key_books_once(http_server):
    async def scenario(client: Client) -> Any:
        first = ok(await book(client, idempotency_key="call-42-booking"))
        retry = ok(await book(client, idempotency_key="call-42-booking"))
        found = ok(await client.call_tool("find_appointments", {"client_phone": ANN}))
        return first, retry, found

    first, retry, found = with_mcp(http_server.mcp_url, scenario, caller=ANN)
    assert retry["id"] == first["id"]
    assert [a["id"] for a in found["appointments"]] == [first["id"]]


def test_a_wrong_phone_cannot_cancel_or_move_and_learns_nothing(http_server):
    stranger = "(312) 555-0100"

    async def scenario(client: Client) -> Any:
        booked = ok(await book(client))
        # A caller whose own number the phone system vouches for, but not Ann's.
        async with mcp_client(http_server.mcp_url, caller=stranger) as other:
            wrong = await other.call_tool(
                "cancel_appointment", {"appointment_id": booked["id"], "client_phone": ANN}
            )
            move = await other.call_tool(
                "reschedule_appointment",
                {
                    "appointment_id": booked["id"],
                    "client_phone": ANN,
                    "new_start": "2026-12-03T15:00",
                },
            )
            unknown = await other.call_tool(
                "cancel_appointment", {"appointment_id": "00000000-0000-4000-8000-000000000000"}
            )
        still = ok(await client.call_tool("find_appointments", {}))
        return wrong, unknown, move, still

    wrong, unknown, move, still = with_mcp(http_server.mcp_url, scenario, caller=ANN)
    assert error_code(wrong) == "not_found"
    assert error_code(move) == "not_found"
    # Not yours reads exactly like not there.
    assert text_of(wrong) == text_of(unknown)
    assert [(a["status"], a["start"]) for a in still["appointments"]] == [("booked", THURSDAY_10)]


def test_past_and_nonexistent_local_times_are_readable_tool_errors(http_server):
    async def scenario(client: Client) -> Any:
        return (
            await book(client, start="2026-11-30T09:00"),  # this morning
            await book(client, start="2027-03-14T02:30"),  # skipped by daylight saving time
            await book(client, start="2026-11-01T01:30"),  # happens twice
            await book(client, start="next tuesday"),
        )

    past, skipped, twice, garbled = with_mcp(http_server.mcp_url, scenario)
    assert error_code(past) == "past_time"
    assert text_of(past) == "past_time: That time is in the past. Please choose a future time."
    assert error_code(skipped) == "invalid_time"
    assert "does not exist" in text_of(skipped) and text_of(skipped).startswith("invalid_time: ")
    assert error_code(twice) == "invalid_time" and "happens twice" in text_of(twice)
    assert error_code(garbled) == "invalid_time" and "2026-12-01T14:30" in text_of(garbled)


def test_the_caller_number_header_overrides_the_phone_argument(http_server):
    async def as_caller(client: Client) -> Any:
        booked = ok(await book(client, phone="(312) 555-0100"))
        mine = ok(await client.call_tool("find_appointments", {"client_phone": "3125550100"}))
        return booked, mine

    booked, mine = with_mcp(http_server.mcp_url, as_caller, caller="(312) 555-0177")
    # The header's number, not the argument, is the client: its appointments are found.
    assert [a["id"] for a in mine["appointments"]] == [booked["id"]]

    async def without_header(client: Client) -> Any:
        return await client.call_tool("find_appointments", {"client_phone": CALLER})

    # Without the header the same number is only a claim: it needs a code (see
    # test_mcp_receptionist.py for the whole flow).
    assert error_code(with_mcp(http_server.mcp_url, without_header)) == "verification_required"

    async def cancel_as_caller(client: Client) -> Any:
        return await client.call_tool(
            "cancel_appointment", {"appointment_id": booked["id"], "client_phone": "3125550100"}
        )

    assert ok(with_mcp(http_server.mcp_url, cancel_as_caller, caller=CALLER))["status"] == (
        "cancelled"
    )


def test_a_withheld_caller_number_books_by_the_argument_but_lists_only_with_a_code(http_server):
    async def scenario(client: Client) -> Any:
        booked = ok(await book(client))
        found = await client.call_tool("find_appointments", {"client_phone": ANN})
        return booked, found

    booked, found = with_mcp(http_server.mcp_url, scenario, caller="anonymous")
    assert booked["status"] == "booked"  # booking needs no code, as on the web
    assert error_code(found) == "verification_required"
    assert "send_verification_code" in text_of(found)
    with http_server.api(admin=True) as api:
        calendar = api.get("/api/admin/calendar", params={"date": "2026-12-03"}).json()
    (entry,) = [a for a in calendar["appointments"] if a["id"] == booked["id"]]
    assert entry["client"]["phone"] == "+13125550199"  # the number given


# --- the endpoint -----------------------------------------------------------------------------

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "raw-test", "version": "0"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


def test_mcp_without_the_token_is_refused(http_server):
    with http_server.api() as api:
        missing = api.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
        wrong = api.post(
            "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Authorization": "Bearer nope"}
        )
        admin = api.post(
            "/mcp",
            json=INITIALIZE,
            headers={**MCP_HEADERS, "Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        right = api.post(
            "/mcp",
            json=INITIALIZE,
            headers={**MCP_HEADERS, "Authorization": f"Bearer {AI_TOKEN}"},
        )
        nested = api.post(
            "/mcp/mcp",
            json=INITIALIZE,
            headers={**MCP_HEADERS, "Authorization": f"Bearer {AI_TOKEN}"},
        )
    for refused in (missing, wrong, admin):
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        assert refused.headers["www-authenticate"].startswith("Bearer")
    assert right.status_code == 200, right.text  # answered at exactly /mcp: no 307
    assert right.json()["result"]["serverInfo"]["name"] == "hello-gorgeous-booking"
    assert nested.status_code == 404

    async def scenario(client: Client) -> Any:
        return await client.list_tools()

    with pytest.raises(Exception):  # noqa: B017 - the SDK client cannot even connect
        with_mcp(http_server.mcp_url, scenario, token=None)


def test_a_foreign_host_header_is_refused(http_server):
    with http_server.api() as api:
        response = api.post(
            "/mcp",
            json=INITIALIZE,
            headers={
                **MCP_HEADERS,
                "Authorization": f"Bearer {AI_TOKEN}",
                "Host": "evil.example.com",
            },
        )
    assert response.status_code == 421
