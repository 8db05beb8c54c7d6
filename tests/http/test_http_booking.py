"""The business's emergency checklist, end to end through HTTP, on SQLite and PostgreSQL.

"Now" is Monday 2026-11-30 12:00 Chicago; Wednesday 2 December is past the 24 h change cutoff.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from http_helpers import (
    ADMIN,
    BOTOX,
    CONSULTATION,
    FILLER,
    LOPEZ,
    PATEL,
    RIVERA,
    assert_error,
    book,
    booking_body,
    starts,
)

WED = "2026-12-02"
WED_10 = "2026-12-02T10:00:00-06:00"


def test_create_returns_the_appointment_and_a_manage_token(client: TestClient) -> None:
    response = book(client, "2026-12-02T10:00", notes="First visit")
    assert response.status_code == 201, response.text
    body = response.json()
    appointment = body["appointment"]
    assert body["manage_token"]
    assert appointment["status"] == "booked"
    assert appointment["source"] == "web"
    assert appointment["service_id"] == BOTOX and appointment["service_name"] == "Botox"
    assert appointment["provider_id"] == PATEL and appointment["provider_name"] == "Dr. Maya Patel"
    # Times carry the business offset (a start without offset was business-local).
    assert appointment["start"] == WED_10
    assert appointment["end"] == "2026-12-02T10:30:00-06:00"
    assert appointment["created_at"] == "2026-11-30T12:00:00-06:00"
    assert appointment["notes"] == "First visit"
    # Client-facing: phone masked but its last 4 digits, no e-mail at all.
    assert appointment["client"] == {"name": "Jane Doe", "phone": "+*******0199"}
    assert len(appointment["id"]) == 36


def test_same_slot_twice_second_gets_409_with_message_and_alternatives(
    client: TestClient,
) -> None:
    assert book(client, WED_10).status_code == 201
    second = book(client, WED_10, name="Other Client", phone="(312) 555-0100", email=None)
    error = assert_error(second, 409, "slot_unavailable")
    assert "no longer available" in error["message"]
    alternatives = error["details"]["alternatives"]
    assert alternatives, "a taken slot offers other times"
    for alternative in alternatives:
        assert set(alternative) == {"start", "end", "provider_id", "provider_name"}
        assert alternative["start"] != WED_10
        assert alternative["start"].endswith("-06:00")


def test_overlapping_services_for_one_provider_are_blocked(client: TestClient) -> None:
    # Botox 10:00-10:30 plus its 15-minute buffer keeps Dr. Patel busy until 10:45.
    assert book(client, WED_10, service_id=BOTOX).status_code == 201
    overlapping = book(
        client,
        "2026-12-02T10:30",
        service_id=FILLER,
        name="Other Client",
        phone="(312) 555-0100",
    )
    assert_error(overlapping, 409, "slot_unavailable")
    # The same time with another provider is fine.
    other_provider = book(
        client,
        "2026-12-02T10:30",
        service_id=FILLER,
        provider_id=RIVERA,
        name="Other Client",
        phone="(312) 555-0100",
    )
    assert other_provider.status_code == 201, other_provider.text


def test_cancel_frees_the_slot(client: TestClient) -> None:
    created = book(client, WED_10).json()
    assert WED_10 not in starts(client, BOTOX, WED, PATEL)

    cancelled = client.post(
        "/api/booking/cancel",
        json={
            "appointment_id": created["appointment"]["id"],
            "manage_token": created["manage_token"],
        },
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["appointment"]["status"] == "cancelled"
    assert WED_10 in starts(client, BOTOX, WED, PATEL)
    rebooked = book(client, WED_10, name="Other Client", phone="(312) 555-0100")
    assert rebooked.status_code == 201, rebooked.text


def test_reschedule_frees_the_old_slot_and_locks_the_new_one(client: TestClient) -> None:
    created = book(client, WED_10).json()
    new_start = "2026-12-02T14:00:00-06:00"
    moved = client.post(
        "/api/booking/reschedule",
        json={
            "appointment_id": created["appointment"]["id"],
            "manage_token": created["manage_token"],
            "new_start": "2026-12-02T14:00",
        },
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["appointment"]["start"] == new_start

    available = starts(client, BOTOX, WED, PATEL)
    assert WED_10 in available
    assert new_start not in available
    taken = book(client, new_start, name="Other Client", phone="(312) 555-0100")
    assert_error(taken, 409, "slot_unavailable")
    assert book(client, WED_10, name="Other Client", phone="(312) 555-0100").status_code == 201

    # The provider calendar shows the updated time.
    calendar = client.get("/api/admin/calendar", params={"date": WED}, headers=ADMIN).json()
    mine = [a for a in calendar["appointments"] if a["id"] == created["appointment"]["id"]]
    assert [a["start"] for a in mine] == [new_start]


def test_a_booking_error_answers_a_readable_message(client: TestClient) -> None:
    not_a_time = assert_error(book(client, "next tuesday-ish"), 422, "invalid_time")
    assert "not a date and time" in not_a_time["message"]
    past = assert_error(book(client, "2026-11-27T10:00"), 422, "past_time")
    assert "past" in past["message"]
    too_soon = assert_error(
        book(client, "2026-11-30T12:30", service_id=CONSULTATION, provider_id=LOPEZ),
        422,
        "too_soon",
    )
    assert too_soon["message"]
    closed = assert_error(book(client, "2026-12-02T12:15"), 422, "outside_working_hours")
    assert closed["message"]
    bad_phone = assert_error(book(client, WED_10, phone="123"), 422, "validation_error")
    assert "phone" in bad_phone["message"]
    assert "client.phone" in bad_phone["details"]["fields"]


def test_retry_with_the_same_idempotency_key_books_once_and_answers_the_same(
    client: TestClient,
) -> None:
    headers = {"Idempotency-Key": "7b6f7e0e-retry-after-lost-response"}
    first = client.post("/api/booking/create", json=booking_body(WED_10), headers=headers)
    retry = client.post("/api/booking/create", json=booking_body(WED_10), headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.content == first.content
    calendar = client.get("/api/admin/calendar", params={"date": WED}, headers=ADMIN).json()
    assert len(calendar["appointments"]) == 1

    # The same key with a different request is refused instead of replayed.
    other = client.post(
        "/api/booking/create", json=booking_body("2026-12-02T11:00"), headers=headers
    )
    assert_error(other, 409, "idempotency_conflict")


def test_reschedule_retry_with_the_same_key_answers_the_same(client: TestClient) -> None:
    created = book(client, WED_10).json()
    body = {
        "appointment_id": created["appointment"]["id"],
        "manage_token": created["manage_token"],
        "new_start": "2026-12-02T15:00",
    }
    headers = {"Idempotency-Key": "move-1"}
    first = client.post("/api/booking/reschedule", json=body, headers=headers)
    retry = client.post("/api/booking/reschedule", json=body, headers=headers)
    assert first.status_code == retry.status_code == 200, first.text
    assert retry.content == first.content


def test_any_provider_booking_picks_a_free_provider(client: TestClient) -> None:
    response = book(client, WED_10, service_id=CONSULTATION, provider_id=None)
    assert response.status_code == 201, response.text
    assert response.json()["appointment"]["provider_id"] in {1, 2, 3, 4}


def test_client_views_own_appointment_with_header_token(client: TestClient) -> None:
    created = book(client, WED_10).json()
    appointment_id = created["appointment"]["id"]
    response = client.get(
        f"/api/booking/{appointment_id}", headers={"X-Manage-Token": created["manage_token"]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["appointment"] == created["appointment"]


def test_booking_limit_per_phone(client: TestClient) -> None:
    for hour in (9, 10, 11):
        assert book(client, f"2026-12-02T{hour:02d}:00").status_code == 201
    fourth = book(client, "2026-12-03T10:00")
    error = assert_error(fourth, 409, "booking_limit_reached")
    assert "3" in error["message"]
