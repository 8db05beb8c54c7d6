"""The waitlist over HTTP on SQLite and PostgreSQL: joining (201, the same wishes 200, the
limit), leaving, offers made from a cancellation, claiming (201; a second claimer 409 with
alternatives and still listed; expired 410; a wrong token 404) and the admin routes."""

from __future__ import annotations

from typing import Any

from booking_core import FixedClock, match_waitlist
from booking_core.services.waitlist import claim_token
from fastapi import FastAPI
from fastapi.testclient import TestClient
from http_helpers import ADMIN, BOTOX, PATEL, assert_error, book

WEDNESDAY = "2026-12-02"


def join(client: TestClient, phone: str, **wishes: Any) -> Any:
    body = {
        "service_id": BOTOX,
        "date_from": WEDNESDAY,
        "date_to": WEDNESDAY,
        "client": {"name": "Wanda Wait", "phone": phone},
        **wishes,
    }
    return client.post("/api/waitlist", json=body)


def admin_entries(client: TestClient) -> list[dict[str, Any]]:
    response = client.get("/api/admin/waitlist", headers=ADMIN)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


def test_join_again_limit_and_leave(client: TestClient) -> None:
    first = join(client, "312-555-0101")
    assert first.status_code == 201, first.text
    token = first.json()["manage_token"]
    entry = first.json()["entry"]
    assert entry["status"] == "active" and entry["service_ids"] == [BOTOX]
    assert entry["client"]["phone"].endswith("0101") and "*" in entry["client"]["phone"]
    again = join(client, "(312) 555-0101")
    assert again.status_code == 200 and again.json()["entry"]["id"] == entry["id"]
    assert "manage_token" not in again.json()
    join(client, "312-555-0101", date_to="2026-12-03")
    join(client, "312-555-0101", date_to="2026-12-04")
    assert_error(join(client, "312-555-0101", date_to="2026-12-05"), 409, "waitlist_limit")
    assert_error(join(client, "312-555-0102", service_id=None), 422, "validation_error")
    assert_error(join(client, "312-555-0102", date_from="2026-11-01"), 422, "validation_error")
    wrong = client.post(f"/api/waitlist/{entry['id']}/leave", json={"manage_token": "nope"})
    assert_error(wrong, 404, "not_found")
    left = client.post(f"/api/waitlist/{entry['id']}/leave", json={"manage_token": token})
    assert left.status_code == 200 and left.json()["entry"]["status"] == "left"


def test_a_cancellation_is_offered_and_claimed_once(
    app: FastAPI, client: TestClient, clock: FixedClock
) -> None:
    booked = book(client, f"{WEDNESDAY}T10:00", provider_id=PATEL)
    assert booked.status_code == 201, booked.text
    join(client, "312-555-0101")
    join(client, "312-555-0102")
    clock.advance(minutes=1)
    cancelled = client.post(
        "/api/booking/cancel",
        json={"appointment_id": booked.json()["appointment"]["id"]},
        headers=ADMIN,
    )
    assert cancelled.status_code == 200, cancelled.text
    uow = app.state.uow
    assert match_waitlist(uow) == 2
    entries = admin_entries(client)
    offers = [o for e in reversed(entries) for o in e["offers"]]
    assert [o["start"] for o in offers] == ["2026-12-02T10:00:00-06:00"] * 2
    first_id, second_id = (o["id"] for o in offers)
    wrong = client.post("/api/waitlist/claim", json={"offer_id": first_id, "token": "nope"})
    assert_error(wrong, 404, "not_found")
    won = client.post(
        "/api/waitlist/claim",
        json={"offer_id": first_id, "token": claim_token(uow.secret, first_id)},
    )
    assert won.status_code == 201, won.text
    assert won.json()["appointment"]["start"] == "2026-12-02T10:00:00-06:00"
    assert won.json()["appointment"]["source"] == "web" and won.json()["manage_token"]
    lost = client.post(
        "/api/waitlist/claim",
        json={"offer_id": second_id, "token": claim_token(uow.secret, second_id)},
    )
    body = assert_error(lost, 409, "slot_unavailable")
    assert body["details"]["alternatives"]
    statuses = sorted(e["status"] for e in admin_entries(client))
    assert statuses == ["active", "booked"]  # the loser stays on the list
    listing = client.get("/api/admin/waitlist", headers=ADMIN).json()
    assert listing["booked_from_waitlist_this_month"] == 1
    clock.advance(minutes=31)
    expired = client.post(
        "/api/waitlist/claim",
        json={"offer_id": second_id, "token": claim_token(uow.secret, second_id)},
    )
    assert_error(expired, 410, "offer_expired")


def test_admin_offers_by_hand_and_removes(client: TestClient) -> None:
    entry = join(client, "312-555-0101").json()["entry"]
    offered = client.post(
        f"/api/admin/waitlist/{entry['id']}/offer",
        json={"start": f"{WEDNESDAY}T11:00"},
        headers=ADMIN,
    )
    assert offered.status_code == 200, offered.text
    assert [o["start"] for o in offered.json()["entry"]["offers"]] == ["2026-12-02T11:00:00-06:00"]
    taken = book(client, f"{WEDNESDAY}T13:00", provider_id=PATEL)
    assert taken.status_code == 201
    refused = client.post(
        f"/api/admin/waitlist/{entry['id']}/offer",
        json={"start": f"{WEDNESDAY}T03:00"},
        headers=ADMIN,
    )
    assert_error(refused, 409, "slot_unavailable")
    assert client.delete(f"/api/admin/waitlist/{entry['id']}", headers=ADMIN).status_code == 200
    assert admin_entries(client)[0]["status"] == "removed"
    assert_error(client.delete("/api/admin/waitlist/999", headers=ADMIN), 404, "not_found")
    assert client.get("/api/admin/waitlist").status_code == 401
