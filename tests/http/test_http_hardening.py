"""What the HTTP surface refuses, on SQLite and PostgreSQL: oversized bodies before reading them,
admin calls without the token before reading their body, lax JSON types, invisible or
right-to-left-overridden names; and 405 answers naming every method the path accepts."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient
from http_helpers import ADMIN, BOTOX, assert_error, booking_body


def test_an_oversized_body_is_refused_unread(client: TestClient) -> None:
    big = {"service_id": BOTOX, "notes": "x" * 100_000}
    assert_error(client.post("/api/booking/create", json=big), 413, "payload_too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"notes": "'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"}'

    chunked = client.post(
        "/api/booking/create", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_error(chunked, 413, "payload_too_large")
    assert_error(client.post("/mcp", content=b"x" * 70_000), 413, "payload_too_large")


def test_admin_routes_check_the_token_before_the_body(client: TestClient) -> None:
    response = client.post("/api/admin/closures", content=b"{" * 50_000)
    assert_error(response, 401, "unauthorized")
    wrong = client.get("/api/admin/calendar?date=2026-12-02", headers={"Authorization": "Bearer x"})
    assert_error(wrong, 401, "unauthorized")


def test_json_types_are_strict(client: TestClient) -> None:
    assert_error(
        client.patch("/api/admin/providers/1", json={"active": 0}, headers=ADMIN),
        422,
        "validation_error",
    )
    assert_error(
        client.post(
            "/api/booking/create", json={**booking_body("2026-12-02T10:00"), "service_id": True}
        ),
        422,
        "validation_error",
    )
    assert_error(client.get("/api/availability?service_id=2&date=0"), 422, "validation_error")
    assert_error(
        client.post("/api/admin/closures", json={"date": -6.6e-155}, headers=ADMIN),
        422,
        "validation_error",
    )
    # The ordinary forms still pass.
    assert (
        client.patch("/api/admin/providers/1", json={"active": True}, headers=ADMIN).status_code
        == 200
    )
    assert client.get("/api/availability?service_id=2&date=2026-12-02").status_code == 200


def test_names_must_show_as_something(client: TestClient) -> None:
    for name in ("\u200b\u200b", "\u2060", "Ann \u202eeeL"):
        body = booking_body("2026-12-02T10:00", name=name)
        assert_error(client.post("/api/booking/create", json=body), 422, "validation_error")


def test_405_names_every_method_of_the_path(client: TestClient) -> None:
    response = client.delete("/api/admin/providers", headers=ADMIN)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    response = client.delete("/api/admin/policies", headers=ADMIN)
    assert response.headers["allow"] == "GET, PUT"
