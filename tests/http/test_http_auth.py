"""Who may do what: manage tokens, the admin bearer token, and the rules only the admin skips."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from http_helpers import ADMIN, CONSULTATION, LOPEZ, PATEL, assert_error, book, starts

WED_10 = "2026-12-02T10:00:00-06:00"


@pytest.fixture
def two_bookings(client: TestClient) -> tuple[dict, dict]:
    mine = book(client, WED_10).json()
    theirs = book(
        client, "2026-12-02T11:00", name="Other Client", phone="(312) 555-0100", email=None
    ).json()
    return mine, theirs


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Manage-Token": "not-the-token"},
        {"X-Manage-Token": ""},
    ],
    ids=["no-token", "wrong-token", "empty-token"],
)
def test_view_without_the_right_token_is_not_found(
    client: TestClient, two_bookings: tuple[dict, dict], headers: dict[str, str]
) -> None:
    mine, _ = two_bookings
    response = client.get(f"/api/booking/{mine['appointment']['id']}", headers=headers)
    assert_error(response, 404, "not_found")


def test_another_appointments_token_is_refused_exactly_like_an_unknown_id(
    client: TestClient, two_bookings: tuple[dict, dict]
) -> None:
    mine, theirs = two_bookings
    borrowed = {"X-Manage-Token": theirs["manage_token"]}
    refused = client.get(f"/api/booking/{mine['appointment']['id']}", headers=borrowed)
    unknown = client.get("/api/booking/00000000-0000-4000-8000-000000000000", headers=borrowed)
    assert_error(refused, 404, "not_found")
    assert refused.json() == unknown.json()

    for action, extra in (("cancel", {}), ("reschedule", {"new_start": "2026-12-02T15:00"})):
        response = client.post(
            f"/api/booking/{action}",
            json={
                "appointment_id": mine["appointment"]["id"],
                "manage_token": theirs["manage_token"],
                **extra,
            },
        )
        assert_error(response, 404, "not_found")
    own = client.get(
        f"/api/booking/{mine['appointment']['id']}",
        headers={"X-Manage-Token": mine["manage_token"]},
    )
    assert own.json()["appointment"]["status"] == "booked"
    assert own.json()["appointment"]["start"] == WED_10


def test_cancel_without_a_token_is_not_found(
    client: TestClient, two_bookings: tuple[dict, dict]
) -> None:
    mine, _ = two_bookings
    response = client.post(
        "/api/booking/cancel", json={"appointment_id": mine["appointment"]["id"]}
    )
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", "Basic dXNlcjpwYXNz", "Bearer ", "test-admin-token"],
    ids=["none", "wrong", "basic", "empty-bearer", "no-scheme"],
)
def test_admin_endpoints_refuse_a_missing_or_wrong_token(
    client: TestClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, path in (
        ("GET", "/api/admin/calendar?date=2026-12-02"),
        ("GET", "/api/admin/providers"),
        ("POST", "/api/admin/closures"),
        ("DELETE", "/api/admin/time-off/1"),
    ):
        response = client.request(method, path, headers=headers, json={"date": "2026-12-24"})
        assert_error(response, 401, "unauthorized")


def test_a_manage_token_is_not_an_admin_token(
    client: TestClient, two_bookings: tuple[dict, dict]
) -> None:
    mine, _ = two_bookings
    headers = {"Authorization": f"Bearer {mine['manage_token']}"}
    assert_error(client.get("/api/admin/providers", headers=headers), 401, "unauthorized")
    cancel = client.post(
        "/api/booking/cancel",
        json={"appointment_id": mine["appointment"]["id"]},
        headers=headers,
    )
    assert_error(cancel, 401, "unauthorized")


def test_a_wrong_bearer_token_on_a_public_write_is_refused(client: TestClient) -> None:
    response = book(client, WED_10, headers={"Authorization": "Bearer nope"})
    assert_error(response, 401, "unauthorized")


def test_admin_sees_full_client_details(
    client: TestClient, two_bookings: tuple[dict, dict]
) -> None:
    mine, _ = two_bookings
    response = client.get(f"/api/booking/{mine['appointment']['id']}", headers=ADMIN)
    assert response.json()["appointment"]["client"] == {
        "name": "Jane Doe",
        "phone": "+13125550199",
        "email": "jane@example.com",
    }


def test_admin_walk_in_inside_the_minimum_notice_succeeds(client: TestClient) -> None:
    # Now is 12:00; 12:15 is inside the 60-minute notice a client must respect.
    client_attempt = book(client, "2026-11-30T12:15", service_id=CONSULTATION, provider_id=LOPEZ)
    assert_error(client_attempt, 422, "too_soon")
    walk_in = book(
        client, "2026-11-30T12:15", service_id=CONSULTATION, provider_id=LOPEZ, headers=ADMIN
    )
    assert walk_in.status_code == 201, walk_in.text
    appointment = walk_in.json()["appointment"]
    assert appointment["source"] == "admin"
    assert appointment["client"]["phone"] == "+13125550199"
    assert appointment["client"]["email"] == "jane@example.com"


def test_client_cancel_inside_the_cutoff_is_refused_but_admin_may(client: TestClient) -> None:
    # Tomorrow 10:00 is 22 hours away: inside the 24-hour change cutoff.
    created = book(client, "2026-12-01T10:00").json()
    body = {"appointment_id": created["appointment"]["id"], "manage_token": created["manage_token"]}
    refused = assert_error(client.post("/api/booking/cancel", json=body), 422, "too_late_to_change")
    assert "call" in refused["message"].lower()
    rescheduled = client.post(
        "/api/booking/reschedule", json={**body, "new_start": "2026-12-03T10:00"}
    )
    assert_error(rescheduled, 422, "too_late_to_change")

    by_admin = client.post(
        "/api/booking/cancel",
        json={"appointment_id": created["appointment"]["id"]},
        headers=ADMIN,
    )
    assert by_admin.status_code == 200, by_admin.text
    assert by_admin.json()["appointment"]["status"] == "cancelled"
    assert "2026-12-01T10:00:00-06:00" in starts(client, 2, "2026-12-01", PATEL)


def test_admin_reschedules_any_appointment(
    client: TestClient, two_bookings: tuple[dict, dict]
) -> None:
    mine, _ = two_bookings
    moved = client.post(
        "/api/booking/reschedule",
        json={"appointment_id": mine["appointment"]["id"], "new_start": "2026-12-02T16:00"},
        headers=ADMIN,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["appointment"]["start"] == "2026-12-02T16:00:00-06:00"
