"""Visits of several services through HTTP, on SQLite and PostgreSQL.

"Now" is Monday 2026-11-30 12:00 Chicago. Dr. Maya Patel (1) works 9-12 and 13-17 on weekdays,
Jessica Rivera (2) 10-18 Tuesday to Saturday; both do Botox (30 min + 15 buffer) and Dermal
Filler (60 min + 15 buffer).
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient
from http_helpers import ADMIN, BOTOX, FILLER, PATEL, RIVERA, assert_error, book, starts

WED = "2026-12-02"
THU = "2026-12-03"
PART_KEYS = {
    "service_id",
    "service_name",
    "provider_id",
    "provider_name",
    "start",
    "end",
    "resources",
}
SLOT_PART_KEYS = {"service_id", "service_name", "provider_id", "provider_name", "start", "end"}


def visit_body(
    start: str,
    services: list[dict[str, Any]],
    name: str = "Vera Visit",
    phone: str = "(312) 555-0150",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "services": services,
        "start": start,
        "client": {"name": name, "phone": phone, "email": "vera@example.com"},
        **extra,
    }


def book_visit(client: TestClient, start: str, services: list[dict[str, Any]], **kwargs: Any):
    headers = kwargs.pop("headers", None)
    return client.post(
        "/api/booking/create", json=visit_body(start, services, **kwargs), headers=headers
    )


def visit_slots(client: TestClient, service_ids: list[int], day: str, **params: Any) -> list[dict]:
    query = [("service_id", s) for s in service_ids] + [("date", day)]
    query += list(params.items())
    response = client.get("/api/availability", params=query)
    assert response.status_code == 200, response.text
    slots: list[dict] = response.json()["slots"]
    return slots


def calendar_entry(client: TestClient, day: str, appointment_id: str) -> dict[str, Any]:
    response = client.get("/api/admin/calendar", params={"date": day}, headers=ADMIN)
    assert response.status_code == 200, response.text
    (entry,) = [a for a in response.json()["appointments"] if a["id"] == appointment_id]
    return entry


def part_times(appointment: dict[str, Any]) -> list[tuple[int, int, str, str]]:
    return [(p["service_id"], p["provider_id"], p["start"], p["end"]) for p in appointment["parts"]]


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# --- booking a visit ----------------------------------------------------------------------------


def test_a_two_service_visit_shows_its_parts_in_create_get_and_the_calendar(
    client: TestClient,
) -> None:
    body = created(
        book_visit(
            client,
            "2026-12-02T09:00",
            [{"service_id": BOTOX, "provider_id": PATEL}, {"service_id": FILLER}],
        )
    )
    appointment = body["appointment"]
    # The visit: its start and end span both parts; the first part's service and provider.
    assert appointment["start"] == "2026-12-02T09:00:00-06:00"
    assert appointment["end"] == "2026-12-02T10:30:00-06:00"
    assert (appointment["service_id"], appointment["service_name"]) == (BOTOX, "Botox")
    assert appointment["provider_id"] == PATEL
    assert appointment["provider_name"] == "Dr. Maya Patel"
    parts = appointment["parts"]
    assert [set(p) for p in parts] == [PART_KEYS, PART_KEYS]
    # Back to back; with no provider asked for, the same provider is preferred when free.
    assert part_times(appointment) == [
        (BOTOX, PATEL, "2026-12-02T09:00:00-06:00", "2026-12-02T09:30:00-06:00"),
        (FILLER, PATEL, "2026-12-02T09:30:00-06:00", "2026-12-02T10:30:00-06:00"),
    ]
    assert [p["service_name"] for p in parts] == ["Botox", "Dermal Filler"]
    for part in parts:
        assert isinstance(part["resources"], list)
        for resource in part["resources"]:
            assert set(resource) == {"id", "name", "kind"}
            assert resource["kind"] in {"room", "device"}

    viewed = client.get(
        f"/api/booking/{appointment['id']}", headers={"X-Manage-Token": body["manage_token"]}
    )
    assert viewed.status_code == 200, viewed.text
    assert viewed.json()["appointment"] == appointment

    entry = calendar_entry(client, WED, appointment["id"])
    assert entry["parts"] == parts
    assert (entry["start"], entry["end"]) == (appointment["start"], appointment["end"])


def test_each_part_may_have_its_own_provider(client: TestClient) -> None:
    appointment = created(
        book_visit(
            client,
            "2026-12-02T10:00",
            [
                {"service_id": BOTOX, "provider_id": PATEL},
                {"service_id": FILLER, "provider_id": RIVERA},
            ],
        )
    )["appointment"]
    assert part_times(appointment) == [
        (BOTOX, PATEL, "2026-12-02T10:00:00-06:00", "2026-12-02T10:30:00-06:00"),
        (FILLER, RIVERA, "2026-12-02T10:30:00-06:00", "2026-12-02T11:30:00-06:00"),
    ]
    assert [p["provider_name"] for p in appointment["parts"]] == [
        "Dr. Maya Patel",
        "Jessica Rivera",
    ]
    # Each provider is busy for their own part only (plus its buffer).
    assert "2026-12-02T10:00:00-06:00" not in starts(client, BOTOX, WED, PATEL)
    assert "2026-12-02T10:45:00-06:00" in starts(client, BOTOX, WED, PATEL)
    rivera = starts(client, BOTOX, WED, RIVERA)
    assert "2026-12-02T11:30:00-06:00" not in rivera  # her part's 15-minute buffer
    assert "2026-12-02T11:45:00-06:00" in rivera


def test_a_one_service_booking_has_one_part(client: TestClient) -> None:
    appointment = created(book(client, "2026-12-02T10:00"))["appointment"]
    assert part_times(appointment) == [
        (BOTOX, PATEL, "2026-12-02T10:00:00-06:00", "2026-12-02T10:30:00-06:00")
    ]
    assert set(appointment["parts"][0]) == PART_KEYS


def test_both_forms_or_neither_is_a_validation_error(client: TestClient) -> None:
    both = visit_body("2026-12-02T10:00", [{"service_id": BOTOX}], service_id=BOTOX)
    assert_error(client.post("/api/booking/create", json=both), 422, "validation_error")
    neither = visit_body("2026-12-02T10:00", [])
    del neither["services"]
    assert_error(client.post("/api/booking/create", json=neither), 422, "validation_error")
    empty = visit_body("2026-12-02T10:00", [])
    assert_error(client.post("/api/booking/create", json=empty), 422, "validation_error")
    no_service = visit_body("2026-12-02T10:00", [{"provider_id": PATEL}])
    error = assert_error(
        client.post("/api/booking/create", json=no_service), 422, "validation_error"
    )
    assert any(field.startswith("services") for field in error["details"]["fields"])
    # Nothing was booked.
    assert "2026-12-02T10:00:00-06:00" in starts(client, BOTOX, WED, PATEL)


def test_a_visit_whose_second_part_is_taken_books_nothing(client: TestClient) -> None:
    created(
        book(
            client,
            "2026-12-02T10:30",
            service_id=FILLER,
            provider_id=RIVERA,
            name="Early Bird",
            phone="(312) 555-0160",
        )
    )
    refused = book_visit(
        client,
        "2026-12-02T10:00",
        [
            {"service_id": BOTOX, "provider_id": PATEL},
            {"service_id": FILLER, "provider_id": RIVERA},
        ],
    )
    error = assert_error(refused, 409, "slot_unavailable")
    assert error["details"]["part"] == 1
    for alternative in error["details"]["alternatives"]:
        assert alternative["start"] != "2026-12-02T10:00:00-06:00"
        assert [p["service_id"] for p in alternative["parts"]] == [BOTOX, FILLER]
    # All or nothing: Dr. Patel's first part was not kept.
    assert "2026-12-02T10:00:00-06:00" in starts(client, BOTOX, WED, PATEL)
    calendar = client.get("/api/admin/calendar", params={"date": WED}, headers=ADMIN).json()
    assert [a["client"]["name"] for a in calendar["appointments"]] == ["Early Bird"]


# --- availability -------------------------------------------------------------------------------


def test_availability_for_a_visit_has_parts_and_booking_them_books_exactly_that_slot(
    client: TestClient,
) -> None:
    slots = visit_slots(client, [BOTOX, FILLER], WED)
    assert slots, "a Wednesday has room for Botox and a filler"
    for slot in slots:
        parts = slot["parts"]
        assert [set(p) for p in parts] == [SLOT_PART_KEYS, SLOT_PART_KEYS]
        assert [p["service_id"] for p in parts] == [BOTOX, FILLER]
        assert parts[0]["start"] == slot["start"]
        assert parts[0]["end"] == parts[1]["start"]
        assert parts[1]["end"] == slot["end"]
        assert (slot["provider_id"], slot["provider_name"]) == (
            parts[0]["provider_id"],
            parts[0]["provider_name"],
        )
    # A one-service slot looks as it always did: no parts.
    response = client.get("/api/availability", params={"service_id": BOTOX, "date": WED})
    assert all(
        set(s) == {"start", "end", "provider_id", "provider_name"} for s in response.json()["slots"]
    )

    # Prefer a slot whose parts have two different providers, if one is offered.
    chosen = next(
        (s for s in slots if s["parts"][0]["provider_id"] != s["parts"][1]["provider_id"]),
        slots[len(slots) // 2],
    )
    appointment = created(
        book_visit(
            client,
            chosen["start"],
            [
                {"service_id": p["service_id"], "provider_id": p["provider_id"]}
                for p in chosen["parts"]
            ],
        )
    )["appointment"]
    assert (appointment["start"], appointment["end"]) == (chosen["start"], chosen["end"])
    assert part_times(appointment) == [
        (p["service_id"], p["provider_id"], p["start"], p["end"]) for p in chosen["parts"]
    ]
    # That exact slot (time and providers) is no longer offered.
    assert chosen not in visit_slots(client, [BOTOX, FILLER], WED)


def test_availability_with_one_repeated_id_is_the_one_service_answer(client: TestClient) -> None:
    one = client.get("/api/availability", params=[("service_id", BOTOX), ("date", WED)])
    assert one.status_code == 200, one.text
    assert [s["start"] for s in one.json()["slots"]] == [
        s["start"]
        for s in client.get("/api/availability", params={"service_id": BOTOX, "date": WED}).json()[
            "slots"
        ]
    ]
    assert_error(
        client.get(
            "/api/availability", params=[("service_id", BOTOX), ("service_id", 0), ("date", WED)]
        ),
        422,
        "validation_error",
    )


# --- reschedule and cancel ----------------------------------------------------------------------


def test_reschedule_moves_every_part(client: TestClient) -> None:
    body = created(
        book_visit(
            client,
            "2026-12-02T09:00",
            [
                {"service_id": BOTOX, "provider_id": PATEL},
                {"service_id": FILLER, "provider_id": PATEL},
            ],
        )
    )
    moved = client.post(
        "/api/booking/reschedule",
        json={
            "appointment_id": body["appointment"]["id"],
            "manage_token": body["manage_token"],
            "new_start": "2026-12-03T14:00",
        },
    )
    assert moved.status_code == 200, moved.text
    appointment = moved.json()["appointment"]
    assert part_times(appointment) == [
        (BOTOX, PATEL, "2026-12-03T14:00:00-06:00", "2026-12-03T14:30:00-06:00"),
        (FILLER, PATEL, "2026-12-03T14:30:00-06:00", "2026-12-03T15:30:00-06:00"),
    ]
    assert (appointment["start"], appointment["end"]) == (
        "2026-12-03T14:00:00-06:00",
        "2026-12-03T15:30:00-06:00",
    )
    # The old times are free again, the new ones taken.
    assert "2026-12-02T09:00:00-06:00" in starts(client, BOTOX, WED, PATEL)
    assert "2026-12-02T09:30:00-06:00" in starts(client, FILLER, WED, PATEL)
    assert "2026-12-03T14:00:00-06:00" not in starts(client, BOTOX, THU, PATEL)
    assert "2026-12-03T15:00:00-06:00" not in starts(client, BOTOX, THU, PATEL)
    assert calendar_entry(client, THU, appointment["id"])["parts"] == appointment["parts"]


def test_reschedule_with_parts_changes_one_parts_provider(client: TestClient) -> None:
    body = created(
        book_visit(
            client,
            "2026-12-02T09:00",
            [
                {"service_id": BOTOX, "provider_id": PATEL},
                {"service_id": FILLER, "provider_id": PATEL},
            ],
        )
    )
    request = {
        "appointment_id": body["appointment"]["id"],
        "manage_token": body["manage_token"],
        "new_start": "2026-12-03T10:00",
    }
    wrong_length = client.post(
        "/api/booking/reschedule", json={**request, "parts": [{"provider_id": RIVERA}]}
    )
    assert_error(wrong_length, 422, "validation_error")
    moved = client.post(
        "/api/booking/reschedule",
        json={**request, "parts": [{"provider_id": RIVERA}, {"provider_id": None}]},
    )
    assert moved.status_code == 200, moved.text
    assert part_times(moved.json()["appointment"]) == [
        (BOTOX, RIVERA, "2026-12-03T10:00:00-06:00", "2026-12-03T10:30:00-06:00"),
        (FILLER, PATEL, "2026-12-03T10:30:00-06:00", "2026-12-03T11:30:00-06:00"),
    ]


def test_cancel_frees_every_part(client: TestClient) -> None:
    services = [
        {"service_id": BOTOX, "provider_id": PATEL},
        {"service_id": FILLER, "provider_id": RIVERA},
    ]
    body = created(book_visit(client, "2026-12-02T10:00", services))
    visit_start = "2026-12-02T10:00:00-06:00"

    def offered() -> bool:
        """A visit starting then with Dr. Patel for the first part is offered."""
        return any(
            s["start"] == visit_start and s["provider_id"] == PATEL
            for s in visit_slots(client, [BOTOX, FILLER], WED)
        )

    assert not offered()
    assert "2026-12-02T10:30:00-06:00" not in starts(client, FILLER, WED, RIVERA)

    cancelled = client.post(
        "/api/booking/cancel",
        json={"appointment_id": body["appointment"]["id"], "manage_token": body["manage_token"]},
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["appointment"]["status"] == "cancelled"
    assert len(cancelled.json()["appointment"]["parts"]) == 2

    assert visit_start in starts(client, BOTOX, WED, PATEL)
    assert "2026-12-02T10:30:00-06:00" in starts(client, FILLER, WED, RIVERA)
    assert offered(), "the visit's time is offered again"
    again = book_visit(client, "2026-12-02T10:00", services, name="Other", phone="(312) 555-0161")
    assert again.status_code == 201, again.text
