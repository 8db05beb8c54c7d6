"""Rooms and devices (resources) through the admin API, and what they do to bookings, on SQLite
and PostgreSQL.

"Now" is Monday 2026-11-30 12:00 Chicago. Each test makes the resources it needs (the demo's own
stay as they are, and the services it touches get these instead): Ashley Chen (3) does
HydraFacial on Wednesday 9-12 and 13-17, Brianna Lopez (4) laser hair removal 11-19.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from http_helpers import (
    ADMIN,
    CHEN,
    CONSULTATION,
    HYDRAFACIAL,
    LASER,
    LOPEZ,
    assert_error,
    book,
    starts,
)

WED = "2026-12-02"


def new_resource(client: TestClient, name: str, kind: str = "room") -> dict[str, Any]:
    response = client.post("/api/admin/resources", json={"name": name, "kind": kind}, headers=ADMIN)
    assert response.status_code == 201, response.text
    resource: dict[str, Any] = response.json()["resource"]
    return resource


def require(client: TestClient, service_id: int, groups: list[list[int]]) -> None:
    response = client.put(
        f"/api/admin/services/{service_id}/resources", json={"groups": groups}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"groups": groups}


def book_facial(client: TestClient, start: str, **kwargs: Any) -> dict[str, Any]:
    response = book(client, start, service_id=HYDRAFACIAL, provider_id=CHEN, **kwargs)
    assert response.status_code == 201, response.text
    appointment: dict[str, Any] = response.json()["appointment"]
    return appointment


def test_create_list_and_patch_a_resource(client: TestClient) -> None:
    created = client.post(
        "/api/admin/resources", json={"name": "Treatment Room 9", "kind": "room"}, headers=ADMIN
    )
    assert created.status_code == 201, created.text
    assert set(created.json()) == {"resource"}
    resource = created.json()["resource"]
    assert set(resource) == {"id", "name", "kind", "active"}
    assert (resource["name"], resource["kind"], resource["active"]) == (
        "Treatment Room 9",
        "room",
        True,
    )
    rid = resource["id"]
    device = new_resource(client, "Spare Laser", "device")
    assert device["kind"] == "device" and device["id"] != rid

    listed = client.get("/api/admin/resources", headers=ADMIN)
    assert listed.status_code == 200, listed.text
    assert set(listed.json()) == {"resources"}
    by_id = {r["id"]: r for r in listed.json()["resources"]}
    assert by_id[rid] == resource and by_id[device["id"]] == device
    assert all(set(r) == {"id", "name", "kind", "active"} for r in by_id.values())

    url = f"/api/admin/resources/{rid}"
    renamed = client.patch(url, json={"name": "Treatment Room 10"}, headers=ADMIN)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json() == {"resource": {**resource, "name": "Treatment Room 10"}}
    off = client.patch(url, json={"active": False}, headers=ADMIN)
    assert off.json()["resource"]["active"] is False
    on = client.patch(url, json={"active": True}, headers=ADMIN)
    assert on.json()["resource"]["active"] is True
    same_kind = client.patch(url, json={"kind": "room"}, headers=ADMIN)
    assert same_kind.status_code == 200, same_kind.text

    assert_error(client.patch(url, json={"kind": "device"}, headers=ADMIN), 422, "validation_error")
    assert client.get("/api/admin/resources", headers=ADMIN).json()["resources"] == [
        r if r["id"] != rid else {**resource, "name": "Treatment Room 10"}
        for r in listed.json()["resources"]
    ]
    assert_error(
        client.post("/api/admin/resources", json={"name": "Chair", "kind": "chair"}, headers=ADMIN),
        422,
        "validation_error",
    )
    assert_error(
        client.post(
            "/api/admin/resources", json={"name": "Room", "kind": "provider"}, headers=ADMIN
        ),
        422,
        "validation_error",
    )
    assert_error(
        client.post("/api/admin/resources", json={"name": " ", "kind": "room"}, headers=ADMIN),
        422,
        "validation_error",
    )
    assert_error(
        client.patch("/api/admin/resources/99999", json={"name": "x"}, headers=ADMIN),
        404,
        "not_found",
    )


def test_resource_routes_need_the_admin_token(client: TestClient) -> None:
    for method, url in [
        ("GET", "/api/admin/resources"),
        ("POST", "/api/admin/resources"),
        ("PATCH", "/api/admin/resources/1"),
        ("GET", "/api/admin/services/1/resources"),
        ("PUT", "/api/admin/services/1/resources"),
        ("GET", "/api/admin/resources/1/time-off"),
        ("POST", "/api/admin/resources/1/time-off"),
        ("DELETE", "/api/admin/resource-time-off/1"),
    ]:
        assert_error(client.request(method, url, json={}), 401, "unauthorized")


def test_service_requirements_round_trip_and_show_on_the_booking(client: TestClient) -> None:
    room_a = new_resource(client, "Facial Room A")
    room_b = new_resource(client, "Facial Room B")
    steamer = new_resource(client, "Steamer", "device")
    url = f"/api/admin/services/{HYDRAFACIAL}/resources"
    groups = [[room_a["id"], room_b["id"]], [steamer["id"]]]
    require(client, HYDRAFACIAL, groups)
    assert client.get(url, headers=ADMIN).json() == {"groups": groups}

    appointment = book_facial(client, "2026-12-02T10:00")
    (part,) = appointment["parts"]
    held = sorted((r["id"], r["name"], r["kind"]) for r in part["resources"])
    assert held in (
        sorted([(room_a["id"], "Facial Room A", "room"), (steamer["id"], "Steamer", "device")]),
        sorted([(room_b["id"], "Facial Room B", "room"), (steamer["id"], "Steamer", "device")]),
    )

    require(client, CONSULTATION, [])
    assert client.get(f"/api/admin/services/{CONSULTATION}/resources", headers=ADMIN).json() == {
        "groups": []
    }
    assert_error(client.get("/api/admin/services/99999/resources", headers=ADMIN), 404, "not_found")
    unknown = client.put(url, json={"groups": [[99999]]}, headers=ADMIN)
    assert unknown.status_code in {404, 422}, unknown.text
    assert client.get(url, headers=ADMIN).json() == {"groups": groups}


def test_a_resource_taken_by_one_booking_is_not_offered_to_another(client: TestClient) -> None:
    room = new_resource(client, "The Only Facial Room")
    require(client, HYDRAFACIAL, [[room["id"]]])
    # Brianna Lopez does HydraFacial too (only that, here): two providers, one room.
    services = client.put(
        f"/api/admin/providers/{LOPEZ}/services",
        json={"services": [{"service_id": HYDRAFACIAL}]},
        headers=ADMIN,
    )
    assert services.status_code == 200, services.text
    book_facial(client, "2026-12-02T14:00")
    assert "2026-12-02T14:00:00-06:00" not in starts(client, HYDRAFACIAL, WED, LOPEZ)
    taken = book(
        client,
        "2026-12-02T14:00",
        service_id=HYDRAFACIAL,
        provider_id=LOPEZ,
        name="Second Client",
        phone="(312) 555-0171",
    )
    assert_error(taken, 409, "slot_unavailable")


def test_resource_time_off_add_list_delete(client: TestClient) -> None:
    room = new_resource(client, "Facial Room M")
    require(client, HYDRAFACIAL, [[room["id"]]])
    url = f"/api/admin/resources/{room['id']}/time-off"
    ten = "2026-12-02T10:00:00-06:00"
    assert ten in starts(client, HYDRAFACIAL, WED, CHEN)

    added = client.post(
        url,
        json={"start": "2026-12-02T09:00", "end": "2026-12-02T12:00", "reason": "Maintenance"},
        headers=ADMIN,
    )
    assert added.status_code == 201, added.text
    assert set(added.json()) == {"time_off"}
    entry = added.json()["time_off"]
    assert entry == {
        "id": entry["id"],
        "resource_id": room["id"],
        "start": "2026-12-02T09:00:00-06:00",
        "end": "2026-12-02T12:00:00-06:00",
        "reason": "Maintenance",
    }
    assert ten not in starts(client, HYDRAFACIAL, WED, CHEN)
    assert client.get(url, headers=ADMIN).json() == {"time_off": [entry]}
    no_reason = client.post(
        url, json={"start": "2026-12-03T09:00", "end": "2026-12-03T10:00"}, headers=ADMIN
    )
    assert no_reason.status_code == 201, no_reason.text
    assert no_reason.json()["time_off"]["reason"] == ""

    deleted = client.delete(f"/api/admin/resource-time-off/{entry['id']}", headers=ADMIN)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"deleted": True}
    assert ten in starts(client, HYDRAFACIAL, WED, CHEN)
    assert [e["id"] for e in client.get(url, headers=ADMIN).json()["time_off"]] == [
        no_reason.json()["time_off"]["id"]
    ]
    assert_error(
        client.delete(f"/api/admin/resource-time-off/{entry['id']}", headers=ADMIN),
        404,
        "not_found",
    )
    assert_error(
        client.post(url, json={"start": "tomorrow", "end": "later"}, headers=ADMIN),
        422,
        "invalid_time",
    )
    assert_error(client.get("/api/admin/resources/99999/time-off", headers=ADMIN), 404, "not_found")


def test_deactivating_a_resource_with_future_bookings_is_refused_with_the_list(
    client: TestClient,
) -> None:
    room = new_resource(client, "Busy Room")
    require(client, HYDRAFACIAL, [[room["id"]]])
    appointment = book_facial(client, "2026-12-02T10:00")
    refused = client.patch(
        f"/api/admin/resources/{room['id']}", json={"active": False}, headers=ADMIN
    )
    error = assert_error(refused, 409, "resource_has_future_bookings")
    assert error["details"]["count"] == 1
    (listed,) = error["details"]["appointments"]
    assert set(listed) >= {"id", "start", "end", "service_name", "provider_name"}
    assert listed["id"] == appointment["id"]
    assert listed["service_name"] == "HydraFacial"
    assert listed["provider_name"] == "Ashley Chen"
    still = client.get("/api/admin/resources", headers=ADMIN).json()["resources"]
    assert [r["active"] for r in still if r["id"] == room["id"]] == [True]
    # A rename is fine while booked.
    renamed = client.patch(
        f"/api/admin/resources/{room['id']}", json={"name": "Busy Room 1"}, headers=ADMIN
    )
    assert renamed.status_code == 200, renamed.text


def test_time_off_over_a_booking_is_refused_with_the_list(client: TestClient) -> None:
    room = new_resource(client, "Booked Room")
    require(client, HYDRAFACIAL, [[room["id"]]])
    appointment = book_facial(client, "2026-12-02T14:00")
    url = f"/api/admin/resources/{room['id']}/time-off"
    refused = client.post(
        url, json={"start": "2026-12-02T13:00", "end": "2026-12-02T17:00"}, headers=ADMIN
    )
    error = assert_error(refused, 409, "resource_has_future_bookings")
    assert error["details"]["count"] == 1
    assert [a["id"] for a in error["details"]["appointments"]] == [appointment["id"]]
    assert client.get(url, headers=ADMIN).json() == {"time_off": []}
    # Beside the booking is fine.
    beside = client.post(
        url, json={"start": "2026-12-02T09:00", "end": "2026-12-02T12:00"}, headers=ADMIN
    )
    assert beside.status_code == 201, beside.text


def test_two_providers_one_laser_the_second_booking_at_that_time_is_refused(
    client: TestClient,
) -> None:
    laser = new_resource(client, "GentleMax Test Laser", "device")
    require(client, LASER, [[laser["id"]]])
    # Ashley Chen learns laser hair removal: two providers, one laser.
    services = client.put(
        f"/api/admin/providers/{CHEN}/services",
        json={
            "services": [
                {"service_id": CONSULTATION},
                {"service_id": HYDRAFACIAL},
                {"service_id": LASER},
            ]
        },
        headers=ADMIN,
    )
    assert services.status_code == 200, services.text
    two = "2026-12-02T14:00:00-06:00"
    assert two in starts(client, LASER, WED, CHEN) and two in starts(client, LASER, WED, LOPEZ)

    first = book(client, "2026-12-02T14:00", service_id=LASER, provider_id=LOPEZ)
    assert first.status_code == 201, first.text
    (part,) = first.json()["appointment"]["parts"]
    assert part["resources"] == [
        {"id": laser["id"], "name": "GentleMax Test Laser", "kind": "device"}
    ]

    second = book(
        client,
        "2026-12-02T14:00",
        service_id=LASER,
        provider_id=CHEN,
        name="Second Client",
        phone="(312) 555-0172",
    )
    assert_error(second, 409, "slot_unavailable")
    # Chen is free but the laser is not: 14:00-14:45 plus its 15-minute buffer.
    chen = starts(client, LASER, WED, CHEN)
    assert two not in chen and "2026-12-02T14:30:00-06:00" not in chen
    assert "2026-12-02T15:00:00-06:00" in chen
    later = book(
        client,
        "2026-12-02T15:00",
        service_id=LASER,
        provider_id=CHEN,
        name="Second Client",
        phone="(312) 555-0172",
    )
    assert later.status_code == 201, later.text
    calendar = client.get("/api/admin/calendar", params={"date": WED}, headers=ADMIN).json()
    assert sorted((a["start"], a["provider_id"]) for a in calendar["appointments"]) == [
        (two, LOPEZ),
        ("2026-12-02T15:00:00-06:00", CHEN),
    ]
