"""Visits of several services through the MCP tools (the SDK's real client over streamable
HTTP against a started server), on SQLite and PostgreSQL.

"Now" is Monday 2026-11-30 12:00 in Chicago. Dr. Maya Patel (1) and Jessica Rivera (2) both do
Botox (2, 30 min) and Dermal Filler (3, 60 min); on Wednesday 2 December Patel works 9-12 and
13-17, Rivera 10-18.
"""

from __future__ import annotations

from typing import Any

from mcp import Client
from mcp_helpers import error_code, ok, text_of, with_mcp

BOTOX, FILLER = 2, 3
PATEL, RIVERA = 1, 2
WED = "2026-12-02"
ANN = "(312) 555-0199"
SLOT_PART_KEYS = {
    "service_id",
    "service_name",
    "provider_id",
    "provider_name",
    "start",
    "end",
    "readable",
}


def find(client: Client, **arguments: Any) -> Any:
    return client.call_tool("find_available_slots", {"date": WED, "limit": 50, **arguments})


def book(client: Client, start: str, phone: str = ANN, **arguments: Any) -> Any:
    return client.call_tool(
        "book_appointment",
        {"start": start, "client_name": "Ann Example", "client_phone": phone, **arguments},
    )


def test_find_available_slots_with_service_ids_gives_each_slot_its_parts(http_server):
    async def scenario(client: Client) -> Any:
        visit = ok(await find(client, service_ids=[BOTOX, FILLER]))
        one = ok(await find(client, service_ids=[BOTOX]))
        single = ok(await find(client, service_id=BOTOX))
        return visit, one, single

    visit, one, single = with_mcp(http_server.mcp_url, scenario)
    assert visit["slots"], "a Wednesday has room for Botox and a filler"
    for slot in visit["slots"]:
        parts = slot["parts"]
        assert [set(p) for p in parts] == [SLOT_PART_KEYS, SLOT_PART_KEYS]
        assert [p["service_id"] for p in parts] == [BOTOX, FILLER]
        assert [p["service_name"] for p in parts] == ["Botox", "Dermal Filler"]
        assert parts[0]["start"] == slot["start"] and parts[0]["end"] == parts[1]["start"]
        assert slot["provider_id"] == parts[0]["provider_id"]
        assert slot["readable"] == parts[0]["readable"]
    # One service, either way: no parts, as before.
    assert one == single
    assert all(
        set(s) == {"start", "readable", "provider_id", "provider_name"} for s in one["slots"]
    )

    # Every visit slot the tool offers (one per time) is one HTTP offers for the same query.
    with http_server.api() as api:
        response = api.get(
            "/api/availability",
            params=[("service_id", BOTOX), ("service_id", FILLER), ("date", WED)],
        )
    assert response.status_code == 200, response.text
    offered = {
        (s["start"], tuple(p["provider_id"] for p in s["parts"])) for s in response.json()["slots"]
    }
    starts = [s["start"] for s in visit["slots"]]
    assert starts == sorted(set(starts))
    assert len(starts) == min(50, len({start for start, _ in offered}))
    for slot in visit["slots"]:
        assert (slot["start"], tuple(p["provider_id"] for p in slot["parts"])) in offered


def test_book_appointment_with_service_ids_books_a_visit_with_parts(http_server):
    async def scenario(client: Client) -> Any:
        slots = ok(await find(client, service_ids=[BOTOX, FILLER]))["slots"]
        chosen = next(
            (s for s in slots if s["parts"][0]["provider_id"] != s["parts"][1]["provider_id"]),
            slots[0],
        )
        booked = ok(
            await book(
                client,
                chosen["start"],
                service_ids=[BOTOX, FILLER],
                provider_ids=[p["provider_id"] for p in chosen["parts"]],
            )
        )
        found = ok(await client.call_tool("find_appointments", {"client_phone": ANN}))
        after = ok(await find(client, service_ids=[BOTOX, FILLER]))["slots"]
        return chosen, booked, found, after

    # Ann calls from her own phone (the header vouches for her number: no code).
    chosen, booked, found, after = with_mcp(http_server.mcp_url, scenario, caller=ANN)
    assert booked["status"] == "booked"
    assert booked["start"] == chosen["start"]
    assert booked["end"] == chosen["parts"][1]["end"]
    assert booked["service_name"] == "Botox"
    parts = booked["parts"]
    assert [(p["service_id"], p["provider_id"], p["start"], p["end"]) for p in parts] == [
        (p["service_id"], p["provider_id"], p["start"], p["end"]) for p in chosen["parts"]
    ]
    assert all(isinstance(p["resources"], list) for p in parts)
    assert all(p["readable"] for p in parts)
    assert [a["id"] for a in found["appointments"]] == [booked["id"]]
    assert found["appointments"][0]["parts"] == parts
    assert chosen not in after

    with http_server.api(admin=True) as api:
        calendar = api.get("/api/admin/calendar", params={"date": WED})
    assert calendar.status_code == 200, calendar.text
    (entry,) = [a for a in calendar.json()["appointments"] if a["id"] == booked["id"]]
    assert entry["source"] == "ai"
    assert [(p["service_id"], p["provider_id"]) for p in entry["parts"]] == [
        (p["service_id"], p["provider_id"]) for p in parts
    ]


def test_one_provider_for_the_whole_visit_and_a_one_service_booking_has_one_part(http_server):
    async def scenario(client: Client) -> Any:
        visit = ok(
            await book(
                client,
                "2026-12-02T09:00",
                service_ids=[BOTOX, FILLER],
                provider_id=PATEL,
            )
        )
        single = ok(
            await book(
                client,
                "2026-12-02T14:00",
                phone="(312) 555-0111",
                service_id=BOTOX,
                provider_id=RIVERA,
            )
        )
        return visit, single

    visit, single = with_mcp(http_server.mcp_url, scenario)
    assert [(p["service_id"], p["provider_id"], p["start"], p["end"]) for p in visit["parts"]] == [
        (BOTOX, PATEL, "2026-12-02T09:00:00-06:00", "2026-12-02T09:30:00-06:00"),
        (FILLER, PATEL, "2026-12-02T09:30:00-06:00", "2026-12-02T10:30:00-06:00"),
    ]
    assert visit["end"] == "2026-12-02T10:30:00-06:00"
    assert [(p["service_id"], p["provider_name"]) for p in single["parts"]] == [
        (BOTOX, "Jessica Rivera")
    ]


def test_service_id_and_service_ids_together_or_neither_are_validation_errors(http_server):
    async def scenario(client: Client) -> Any:
        return (
            await find(client, service_id=BOTOX, service_ids=[BOTOX, FILLER]),
            await find(client),
            await book(client, "2026-12-02T09:00", service_id=BOTOX, service_ids=[BOTOX]),
            await book(client, "2026-12-02T09:00"),
            await book(
                client,
                "2026-12-02T09:00",
                service_ids=[BOTOX, FILLER],
                provider_ids=[PATEL],
            ),
            await find(client, service_ids=[]),
        )

    for result in with_mcp(http_server.mcp_url, scenario):
        assert error_code(result) == "validation_error", text_of(result)
        assert text_of(result).startswith("validation_error: ")


def test_a_taken_visit_is_a_tool_error_naming_the_part_with_alternatives(http_server):
    async def scenario(client: Client) -> Any:
        ok(
            await book(
                client,
                "2026-12-02T10:30",
                phone="(312) 555-0111",
                service_id=FILLER,
                provider_id=RIVERA,
            )
        )
        return await book(
            client,
            "2026-12-02T10:00",
            service_ids=[BOTOX, FILLER],
            provider_ids=[PATEL, RIVERA],
        )

    result = with_mcp(http_server.mcp_url, scenario)
    assert error_code(result) == "slot_unavailable"
    details = result.structured_content["error"]["details"]
    assert details["part"] == 1
    assert "treatment number 2" in text_of(result)
    for alternative in details["alternatives"]:
        assert alternative["start"] != "2026-12-02T10:00:00-06:00"
        assert [p["service_id"] for p in alternative["parts"]] == [BOTOX, FILLER]
        assert alternative["readable"] in text_of(result)


def test_reschedule_moves_a_visit_and_can_change_one_parts_provider(http_server):
    async def scenario(client: Client) -> Any:
        visit = ok(
            await client.call_tool(
                "book_appointment",
                {
                    "start": "2026-12-02T09:00",
                    "client_name": "Ann Example",
                    "service_ids": [BOTOX, FILLER],
                    "provider_id": PATEL,
                },
            )
        )
        moved = ok(
            await client.call_tool(
                "reschedule_appointment",
                {
                    "appointment_id": visit["id"],
                    "new_start": "2026-12-02T13:00",
                    "provider_ids": [RIVERA, None],
                },
            )
        )
        return moved

    moved = with_mcp(http_server.mcp_url, scenario, caller=ANN)
    assert [(p["provider_id"], p["start"]) for p in moved["parts"]] == [
        (RIVERA, "2026-12-02T13:00:00-06:00"),
        (PATEL, "2026-12-02T13:30:00-06:00"),
    ]
