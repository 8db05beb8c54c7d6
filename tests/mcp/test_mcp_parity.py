"""Parity: for the same inputs, the MCP tools and the HTTP API (both thin over the same
booking_core functions) give the same error codes and booking times, and every time the tools
offer is one HTTP availability offers (the tools offer fewer: spread, one per time)."""

from __future__ import annotations

from typing import Any

import pytest
from booking_core import ERROR_HTTP_STATUS
from mcp import Client
from mcp_helpers import RunningServer, error_code, ok, with_mcp

SLOT_QUERIES = [
    {"service_id": 2, "date": "2026-12-01", "days": 3},
    {"service_id": 4, "date": "2026-12-05", "provider_id": 3},
    {"service_id": 5, "date": "2026-12-02", "days": 2, "provider_id": 4},
    {"service_id": 1, "date": "2026-11-30"},  # today: nothing before now + notice
    {"service_id": 2, "date": "2026-12-06"},  # Sunday: nobody works
]


def test_every_slot_the_tools_offer_is_one_http_offers(http_server: RunningServer):
    """The tools offer a few times, spread and one per time (issue 15); each of them is a slot
    the HTTP API offers for the same query, with the same provider."""

    async def scenario(client: Client) -> Any:
        return [
            ok(await client.call_tool("find_available_slots", {**query, "limit": limit}))
            for query in SLOT_QUERIES
            for limit in (50, 5)
        ]

    answers = iter(with_mcp(http_server.mcp_url, scenario))
    with http_server.api() as api:
        for query in SLOT_QUERIES:
            response = api.get("/api/availability", params=query)
            assert response.status_code == 200, response.text
            offered = {
                (s["start"], s["provider_id"], s["provider_name"]) for s in response.json()["slots"]
            }
            for limit in (50, 5):
                slots = next(answers)["slots"]
                starts = [s["start"] for s in slots]
                assert len(slots) == min(limit, len({start for start, _, _ in offered})), query
                assert starts == sorted(set(starts)), "one entry per time, in time order"
                for slot in slots:
                    assert (slot["start"], slot["provider_id"], slot["provider_name"]) in (
                        offered
                    ), (query, slot)


# Each case: the booking inputs, and the code both entry points must answer with.
ERROR_CASES = [
    ({"start": "2026-11-30T09:00"}, "past_time"),
    ({"start": "2026-11-30T12:30"}, "too_soon"),
    ({"start": "2027-03-14T02:30"}, "invalid_time"),
    ({"start": "2026-11-01T01:30"}, "invalid_time"),
    ({"start": "the day after tomorrow"}, "invalid_time"),
    ({"start": "2026-12-06T10:00"}, "outside_working_hours"),
    ({"start": "2026-12-03T12:15"}, "outside_working_hours"),  # Dr. Patel's lunch break
    ({"start": "2027-06-01T10:00"}, "beyond_horizon"),
    ({"service_id": 99}, "not_found"),
    ({"provider_id": 99}, "not_found"),
    ({"service_id": 4}, "service_not_offered"),  # Dr. Patel does no HydraFacial
    ({"phone": "555"}, "validation_error"),
    ({"start": "2026-12-03T10:00"}, "slot_unavailable"),  # taken below
]


def _tool_arguments(case: dict[str, Any]) -> dict[str, Any]:
    return {
        "service_id": case.get("service_id", 2),
        "start": case.get("start", "2026-12-03T14:00"),
        "client_name": "Parity Client",
        "client_phone": case.get("phone", "(312) 555-0123"),
        "provider_id": case.get("provider_id", 1),
    }


def _http_body(case: dict[str, Any]) -> dict[str, Any]:
    arguments = _tool_arguments(case)
    return {
        "service_id": arguments["service_id"],
        "provider_id": arguments["provider_id"],
        "start": arguments["start"],
        "client": {"name": arguments["client_name"], "phone": arguments["client_phone"]},
    }


@pytest.mark.parametrize("case,code", ERROR_CASES, ids=[code for _, code in ERROR_CASES])
def test_the_same_bad_booking_gives_the_same_error_code(http_server, case, code):
    with http_server.api() as api:
        taken = api.post(
            "/api/booking/create",
            json=_http_body({"start": "2026-12-03T10:00", "phone": "(312) 555-0188"}),
        )
        assert taken.status_code == 201, taken.text
        http_answer = api.post("/api/booking/create", json=_http_body(case))

    async def scenario(client: Client) -> Any:
        return await client.call_tool("book_appointment", _tool_arguments(case))

    tool_answer = with_mcp(http_server.mcp_url, scenario)
    assert error_code(tool_answer) == code
    assert http_answer.json()["error"]["code"] == code, http_answer.text
    assert http_answer.status_code == ERROR_HTTP_STATUS[code]
    if code == "slot_unavailable":
        tool_alternatives = tool_answer.structured_content["error"]["details"]["alternatives"]
        http_alternatives = http_answer.json()["error"]["details"]["alternatives"]
        assert [a["start"] for a in tool_alternatives] == [a["start"] for a in http_alternatives]
        assert tool_alternatives


def test_the_same_booking_gives_the_same_times(http_server):
    start = "2026-12-03T10:00"

    async def scenario(client: Client) -> Any:
        arguments = {**_tool_arguments({"start": start}), "provider_id": 1}
        return ok(await client.call_tool("book_appointment", arguments))

    from_tool = with_mcp(http_server.mcp_url, scenario)
    with http_server.api() as api:
        body = {**_http_body({"start": start, "phone": "(312) 555-0124"}), "provider_id": 2}
        response = api.post("/api/booking/create", json=body)
    assert response.status_code == 201, response.text
    from_http = response.json()["appointment"]
    assert (from_tool["start"], from_tool["end"]) == (from_http["start"], from_http["end"])
    assert from_tool["start"] == "2026-12-03T10:00:00-06:00"
    assert from_http["source"] == "web"


def test_a_stranger_gets_the_same_not_found_from_both(http_server):
    with http_server.api() as api:
        booked = api.post("/api/booking/create", json=_http_body({})).json()
        appointment_id = booked["appointment"]["id"]
        http_cancel = api.post(
            "/api/booking/cancel",
            json={"appointment_id": appointment_id, "manage_token": "not-the-token"},
        )

    async def scenario(client: Client) -> Any:
        return await client.call_tool("cancel_appointment", {"appointment_id": appointment_id})

    # A caller whose number the phone system vouches for, who is not the client.
    tool_cancel = with_mcp(http_server.mcp_url, scenario, caller="(312) 555-0100")
    assert error_code(tool_cancel) == "not_found"
    assert http_cancel.status_code == 404
    assert http_cancel.json()["error"]["code"] == "not_found"
    assert (
        tool_cancel.structured_content["error"]["message"] == http_cancel.json()["error"]["message"]
    )
