"""Shared constants and small request helpers for the HTTP API tests."""

from __future__ import annotations

from typing import Any

import httpx

ADMIN_TOKEN = "test-admin-token"
AI_TOKEN = "test-ai-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

# Demo business (booking_core/demo.py): services and providers by id.
CONSULTATION, BOTOX, FILLER, HYDRAFACIAL, LASER = 1, 2, 3, 4, 5
PATEL, RIVERA, CHEN, LOPEZ = 1, 2, 3, 4


def booking_body(
    start: str,
    service_id: int = BOTOX,
    provider_id: int | None = PATEL,
    name: str = "Jane Doe",
    phone: str = "(312) 555-0199",
    email: str | None = "jane@example.com",
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service_id": service_id,
        "start": start,
        "client": {"name": name, "phone": phone, "email": email},
        **extra,
    }
    if provider_id is not None:
        body["provider_id"] = provider_id
    return body


def book(client: Any, start: str, **kwargs: Any) -> httpx.Response:
    headers = kwargs.pop("headers", None)
    return client.post("/api/booking/create", json=booking_body(start, **kwargs), headers=headers)


def starts(client: Any, service_id: int, day: str, provider_id: int | None = None) -> list[str]:
    params: dict[str, Any] = {"service_id": service_id, "date": day}
    if provider_id is not None:
        params["provider_id"] = provider_id
    response = client.get("/api/availability", params=params)
    assert response.status_code == 200, response.text
    return [slot["start"] for slot in response.json()["slots"]]


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The one error shape, with this status and code; returns the error object."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    return error
