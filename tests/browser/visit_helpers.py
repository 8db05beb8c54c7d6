"""Helpers for the browser tests of visits (several services in one booking) and resources
(rooms and devices): reads through the HTTP API of the started test server."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from browser_helpers import LiveServer


def visit_slots(
    server: LiveServer, service_ids: list[int], day: date, provider_id: int | None = None
) -> list[dict[str, Any]]:
    """The free slots of a visit (service_id repeated, in visit order) on one local date."""
    params: list[tuple[str, str | int]] = [("service_id", i) for i in service_ids]
    params.append(("date", str(day)))
    if provider_id is not None:
        params.append(("provider_id", provider_id))
    response = httpx.get(f"{server.url}/api/availability", params=params, timeout=15)
    response.raise_for_status()
    slots: list[dict[str, Any]] = response.json()["slots"]
    return slots


def resources(server: LiveServer) -> list[dict[str, Any]]:
    response = server.admin("GET", "/api/admin/resources")
    response.raise_for_status()
    found: list[dict[str, Any]] = response.json()["resources"]
    return found


def resource_named(server: LiveServer, words: str, kind: str) -> dict[str, Any]:
    """The one active resource of that kind whose name contains `words` (case-insensitive)."""
    matches = [
        r
        for r in resources(server)
        if r["kind"] == kind and r["active"] and words.lower() in r["name"].lower()
    ]
    assert len(matches) == 1, (words, kind, resources(server))
    return matches[0]


def service_groups(server: LiveServer, service_id: int) -> list[list[int]]:
    response = server.admin("GET", f"/api/admin/services/{service_id}/resources")
    response.raise_for_status()
    groups: list[list[int]] = response.json()["groups"]
    return groups
