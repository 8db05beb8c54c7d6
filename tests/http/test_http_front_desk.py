"""The front desk's admin API on SQLite and PostgreSQL: callback requests (list, filter, mark
done), the policy text and the FAQ (round trips, limits, shown by GET /api/business), and a
service's preparation text (admin and public service lists); all of it behind the admin token."""

from __future__ import annotations

from typing import Any

import pytest
from booking_core import FixedClock, UnitOfWork, request_callback
from fastapi.testclient import TestClient
from http_helpers import ADMIN, BOTOX, assert_error

CALLBACK_KEYS = {"id", "client_name", "client_phone", "reason", "status", "created_at"}
PUBLIC_SERVICE_KEYS = {
    "id",
    "name",
    "description",
    "duration_minutes",
    "price_cents",
    "preparation",
}
ADMIN_SERVICE_KEYS = PUBLIC_SERVICE_KEYS | {"buffer_minutes", "active"}


def callbacks(client: TestClient, status: str | None = None) -> list[dict[str, Any]]:
    params = {"status": status} if status else None
    response = client.get("/api/admin/callbacks", params=params, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"callbacks"}
    listed: list[dict[str, Any]] = response.json()["callbacks"]
    assert all(set(c) == CALLBACK_KEYS for c in listed), listed
    return listed


def put_faq(client: TestClient, entries: list[dict[str, str]]) -> Any:
    return client.put("/api/admin/faq", json={"entries": entries}, headers=ADMIN)


def faq_entries(count: int, question: str = "Q", answer: str = "A") -> list[dict[str, str]]:
    return [{"question": f"{question} {i}?", "answer": f"{answer} {i}."} for i in range(count)]


# --- callbacks --------------------------------------------------------------------------------
def test_callbacks_are_listed_newest_first_and_marked_done(
    client: TestClient, uow: UnitOfWork, clock: FixedClock
) -> None:
    assert callbacks(client) == []
    first = request_callback(uow, "Jane Doe", "(312) 555-0199", "Wants to ask about a package.")
    clock.advance(minutes=5)
    second = request_callback(uow, "Ravi Shah", "312-555-0123", "Prefers to talk to a person.")

    listed = callbacks(client)
    assert [c["id"] for c in listed] == [second.id, first.id]
    jane = listed[1]
    assert jane["client_name"] == "Jane Doe"
    assert jane["client_phone"] == "+13125550199"  # the admin sees the full E.164 number
    assert jane["reason"] == "Wants to ask about a package."
    assert jane["status"] == "open"
    assert jane["created_at"] == "2026-11-30T12:00:00-06:00"  # the tests' fixed now, local
    assert listed[0]["created_at"] == "2026-11-30T12:05:00-06:00"
    assert [c["id"] for c in callbacks(client, "open")] == [second.id, first.id]
    assert callbacks(client, "done") == []

    done = client.post(f"/api/admin/callbacks/{first.id}/done", headers=ADMIN)
    assert done.status_code == 200, done.text
    assert done.json() == {"callback": {**jane, "status": "done"}}
    assert [c["id"] for c in callbacks(client, "open")] == [second.id]
    assert [c["id"] for c in callbacks(client, "done")] == [first.id]
    assert [(c["id"], c["status"]) for c in callbacks(client)] == [
        (second.id, "open"),
        (first.id, "done"),
    ]


def test_unknown_callback_and_bad_filter(client: TestClient) -> None:
    assert_error(client.post("/api/admin/callbacks/999/done", headers=ADMIN), 404, "not_found")
    assert_error(client.post("/api/admin/callbacks/0/done", headers=ADMIN), 422, "validation_error")
    bad = client.get("/api/admin/callbacks", params={"status": "closed"}, headers=ADMIN)
    assert "status" in assert_error(bad, 422, "validation_error")["details"]["fields"]


# --- policies ---------------------------------------------------------------------------------
def test_policies_round_trip_and_shown_by_the_business(client: TestClient) -> None:
    start = client.get("/api/admin/policies", headers=ADMIN)
    assert start.status_code == 200, start.text
    assert set(start.json()) == {"text"}
    assert client.get("/api/business").json()["policies"] == start.json()["text"]

    text = "Please arrive 10 minutes early.\nCancel at least 24 hours ahead."
    saved = client.put("/api/admin/policies", json={"text": text}, headers=ADMIN)
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"text": text}
    assert client.get("/api/admin/policies", headers=ADMIN).json() == {"text": text}
    assert client.get("/api/business").json()["policies"] == text

    cleared = client.put("/api/admin/policies", json={"text": ""}, headers=ADMIN)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json() == {"text": ""}
    assert client.get("/api/business").json()["policies"] == ""


def test_policies_at_most_2000_characters(client: TestClient) -> None:
    longest = client.put("/api/admin/policies", json={"text": "x" * 2000}, headers=ADMIN)
    assert longest.status_code == 200, longest.text
    assert len(longest.json()["text"]) == 2000
    too_long = client.put("/api/admin/policies", json={"text": "x" * 2001}, headers=ADMIN)
    assert "text" in assert_error(too_long, 422, "validation_error")["details"]["fields"]
    assert_error(client.put("/api/admin/policies", json={}, headers=ADMIN), 422, "validation_error")
    # The refused text changed nothing.
    assert client.get("/api/admin/policies", headers=ADMIN).json() == {"text": "x" * 2000}


# --- FAQ --------------------------------------------------------------------------------------
def test_faq_round_trip_in_order_and_shown_by_the_business(client: TestClient) -> None:
    start = client.get("/api/admin/faq", headers=ADMIN)
    assert start.status_code == 200, start.text
    assert set(start.json()) == {"entries"}
    assert client.get("/api/business").json()["faq"] == start.json()["entries"]

    entries = [
        {"question": "Is there parking?", "answer": "Yes, free parking behind the building."},
        {"question": "Can I bring a friend?", "answer": "Yes.\nThe waiting room seats four."},
    ]
    saved = put_faq(client, entries)
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"entries": entries}
    assert client.get("/api/admin/faq", headers=ADMIN).json() == {"entries": entries}
    business = client.get("/api/business").json()
    assert business["faq"] == entries
    assert all(set(e) == {"question", "answer"} for e in business["faq"])

    reordered = put_faq(client, entries[::-1])
    assert reordered.json() == {"entries": entries[::-1]}
    emptied = put_faq(client, [])
    assert emptied.status_code == 200, emptied.text
    assert emptied.json() == {"entries": []}
    assert client.get("/api/business").json()["faq"] == []


def test_faq_limits(client: TestClient) -> None:
    most = faq_entries(20)
    most[0] = {"question": "q" * 200, "answer": "a" * 1000}
    saved = put_faq(client, most)
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"entries": most}

    assert_error(put_faq(client, faq_entries(21)), 422, "validation_error")
    long_question = [{"question": "q" * 201, "answer": "Fine."}]
    error = assert_error(put_faq(client, long_question), 422, "validation_error")
    assert "entries.0.question" in error["details"]["fields"]
    long_answer = [{"question": "Fine?", "answer": "a" * 1001}]
    error = assert_error(put_faq(client, long_answer), 422, "validation_error")
    assert "entries.0.answer" in error["details"]["fields"]
    assert_error(put_faq(client, [{"question": "No answer?"}]), 422, "validation_error")
    assert_error(
        put_faq(client, [{"question": " ", "answer": "Blank question"}]), 422, "validation_error"
    )
    # Nothing refused was stored.
    assert client.get("/api/admin/faq", headers=ADMIN).json() == {"entries": most}


# --- preparation ------------------------------------------------------------------------------
def service_in(client: TestClient, path: str, service_id: int, **kwargs: Any) -> dict[str, Any]:
    response = client.get(path, **kwargs)
    assert response.status_code == 200, response.text
    service: dict[str, Any] = next(s for s in response.json()["services"] if s["id"] == service_id)
    return service


def test_preparation_is_admin_editable_and_listed(client: TestClient) -> None:
    public = service_in(client, "/api/services", BOTOX)
    assert set(public) == PUBLIC_SERVICE_KEYS
    assert (
        set(service_in(client, "/api/admin/services", BOTOX, headers=ADMIN)) == ADMIN_SERVICE_KEYS
    )

    advice = "No alcohol or blood thinners for 24 hours before.\nCome with a clean face."
    patched = client.patch(
        f"/api/admin/services/{BOTOX}", json={"preparation": advice}, headers=ADMIN
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["service"]["preparation"] == advice
    assert service_in(client, "/api/services", BOTOX)["preparation"] == advice
    assert service_in(client, "/api/admin/services", BOTOX, headers=ADMIN)["preparation"] == advice
    # A patch of something else keeps it.
    price = client.patch(f"/api/admin/services/{BOTOX}", json={"price_cents": 36000}, headers=ADMIN)
    assert price.json()["service"]["preparation"] == advice

    created = client.post(
        "/api/admin/services",
        json={"name": "Chemical Peel", "duration_minutes": 45, "preparation": "Skip retinol."},
        headers=ADMIN,
    )
    assert created.status_code == 201, created.text
    assert set(created.json()["service"]) == ADMIN_SERVICE_KEYS
    assert created.json()["service"]["preparation"] == "Skip retinol."
    plain = client.post(
        "/api/admin/services", json={"name": "Brow Tint", "duration_minutes": 15}, headers=ADMIN
    )
    assert plain.json()["service"]["preparation"] == ""

    cleared = client.patch(f"/api/admin/services/{BOTOX}", json={"preparation": ""}, headers=ADMIN)
    assert cleared.json()["service"]["preparation"] == ""


def test_preparation_at_most_1000_characters(client: TestClient) -> None:
    longest = client.patch(
        f"/api/admin/services/{BOTOX}", json={"preparation": "p" * 1000}, headers=ADMIN
    )
    assert longest.status_code == 200, longest.text
    too_long = client.patch(
        f"/api/admin/services/{BOTOX}", json={"preparation": "p" * 1001}, headers=ADMIN
    )
    assert "preparation" in assert_error(too_long, 422, "validation_error")["details"]["fields"]
    created = client.post(
        "/api/admin/services",
        json={"name": "Peel", "duration_minutes": 45, "preparation": "p" * 1001},
        headers=ADMIN,
    )
    assert_error(created, 422, "validation_error")
    assert service_in(client, "/api/services", BOTOX)["preparation"] == "p" * 1000


# --- the admin token --------------------------------------------------------------------------
FRONT_DESK_CALLS = [
    ("GET", "/api/admin/callbacks", None),
    ("POST", "/api/admin/callbacks/1/done", None),
    ("GET", "/api/admin/policies", None),
    ("PUT", "/api/admin/policies", {"text": "Be kind."}),
    ("GET", "/api/admin/faq", None),
    ("PUT", "/api/admin/faq", {"entries": []}),
]


@pytest.mark.parametrize(("method", "path", "body"), FRONT_DESK_CALLS)
def test_front_desk_endpoints_need_the_admin_token(
    client: TestClient, uow: UnitOfWork, method: str, path: str, body: dict[str, Any] | None
) -> None:
    request_callback(uow, "Jane Doe", "(312) 555-0199", "Call me.")
    for headers in (
        None,
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": "Basic abc"},
    ):
        response = client.request(method, path, json=body, headers=headers)
        assert_error(response, 401, "unauthorized")
    # Nothing changed without the token.
    assert [c["status"] for c in callbacks(client)] == ["open"]
    assert client.get("/api/business").json()["policies"] != "Be kind."
