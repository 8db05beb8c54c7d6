"""Admin calendar and business management through HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient
from http_helpers import (
    ADMIN,
    BOTOX,
    CONSULTATION,
    LOPEZ,
    PATEL,
    RIVERA,
    assert_error,
    book,
    starts,
)


def test_public_reads(client: TestClient) -> None:
    business = client.get("/api/business").json()
    assert business["name"] == "Hello Gorgeous Med Spa"
    assert business["timezone"] == "America/Chicago"
    assert business["now"] == "2026-11-30T12:00:00-06:00"
    # Monday: Dr. Patel from 9, Brianna Lopez until 19.
    assert business["hours"][0] == {"weekday": 0, "open": "09:00", "close": "19:00"}
    assert [h["weekday"] for h in business["hours"]] == [0, 1, 2, 3, 4, 5]

    services = client.get("/api/services").json()
    assert [s["id"] for s in services["services"]] == [1, 2, 3, 4, 5]
    assert set(services["services"][1]) == {
        "id",
        "name",
        "description",
        "duration_minutes",
        "price_cents",
        "preparation",
    }
    botox_providers = client.get("/api/providers", params={"service_id": BOTOX}).json()
    assert [p["id"] for p in botox_providers["providers"]] == [PATEL, RIVERA]
    assert botox_providers["providers"][0]["service_ids"] == [1, 2, 3]


def test_availability_over_several_days_sorted_by_start_then_provider(client: TestClient) -> None:
    response = client.get(
        "/api/availability", params={"service_id": CONSULTATION, "date": "2026-12-01", "days": 7}
    )
    body = response.json()
    assert body["timezone"] == "America/Chicago"
    keys = [(s["start"], s["provider_id"]) for s in body["slots"]]
    assert keys == sorted(keys)
    assert {s["provider_id"] for s in body["slots"]} == {1, 2, 3, 4}
    assert keys[0][0].startswith("2026-12-01T09:00:00-06:00")
    assert keys[-1][0] < "2026-12-08"


def test_calendar_lists_every_appointment_with_full_details(client: TestClient) -> None:
    web = book(client, "2026-12-02T11:00").json()["appointment"]
    admin = book(
        client,
        "2026-12-02T10:00",
        provider_id=RIVERA,
        name="Walk In",
        phone="(312) 555-0111",
        email=None,
        headers=ADMIN,
    ).json()["appointment"]
    cancelled = book(client, "2026-12-02T14:00", name="Sam", phone="(312) 555-0122").json()
    client.post(
        "/api/booking/cancel",
        json={
            "appointment_id": cancelled["appointment"]["id"],
            "manage_token": cancelled["manage_token"],
        },
    )
    book(client, "2026-12-03T10:00", name="Next Day", phone="(312) 555-0133")

    calendar = client.get(
        "/api/admin/calendar", params={"date": "2026-12-02"}, headers=ADMIN
    ).json()
    assert calendar["timezone"] == "America/Chicago"
    assert calendar["date"] == "2026-12-02" and calendar["days"] == 1
    assert [p["id"] for p in calendar["providers"]] == [1, 2, 3, 4]
    got = [
        (a["start"], a["provider_id"], a["status"], a["source"]) for a in calendar["appointments"]
    ]
    assert got == [
        (admin["start"], RIVERA, "booked", "admin"),
        (web["start"], PATEL, "booked", "web"),
        ("2026-12-02T14:00:00-06:00", PATEL, "cancelled", "web"),
    ]
    assert calendar["appointments"][1]["client"] == {
        "name": "Jane Doe",
        "phone": "+13125550199",
        "email": "jane@example.com",
    }
    two_days = client.get(
        "/api/admin/calendar",
        params={"date": "2026-12-02", "days": 2, "provider_id": PATEL},
        headers=ADMIN,
    ).json()
    assert [p["id"] for p in two_days["providers"]] == [PATEL]
    assert len(two_days["appointments"]) == 3


def test_status_completed_and_no_show(client: TestClient) -> None:
    appointment = book(client, "2026-12-02T11:00").json()["appointment"]
    url = f"/api/admin/appointments/{appointment['id']}/status"
    done = client.post(url, json={"status": "completed"}, headers=ADMIN)
    assert done.status_code == 200, done.text
    assert done.json()["appointment"]["status"] == "completed"
    assert_error(
        client.post(url, json={"status": "booked"}, headers=ADMIN), 422, "validation_error"
    )
    missing = "/api/admin/appointments/00000000-0000-4000-8000-000000000000/status"
    assert_error(client.post(missing, json={"status": "no_show"}, headers=ADMIN), 404, "not_found")


def test_providers_create_rename_and_deactivate(client: TestClient) -> None:
    created = client.post(
        "/api/admin/providers", json={"name": "Dana Kim", "title": "RN"}, headers=ADMIN
    )
    assert created.status_code == 201, created.text
    provider = created.json()["provider"]
    assert provider == {
        "id": 5,
        "name": "Dana Kim",
        "title": "RN",
        "active": True,
        "service_ids": [],
        "photo_url": "",
        "bio": "",
    }
    services = client.put(
        "/api/admin/providers/5/services",
        json={
            "services": [
                {"service_id": BOTOX},
                {"service_id": CONSULTATION, "duration_minutes": 20},
            ]
        },
        headers=ADMIN,
    )
    assert services.status_code == 200, services.text
    assert {(s["service_id"], s["duration_minutes"]) for s in services.json()["services"]} == {
        (BOTOX, None),
        (CONSULTATION, 20),
    }
    renamed = client.patch("/api/admin/providers/5", json={"name": "Dana Kim-Lee"}, headers=ADMIN)
    assert renamed.json()["provider"]["name"] == "Dana Kim-Lee"
    assert renamed.json()["provider"]["service_ids"] == [1, 2]
    listed = client.get("/api/admin/providers", headers=ADMIN).json()["providers"]
    assert [p["id"] for p in listed] == [1, 2, 3, 4, 5]
    assert_error(
        client.patch("/api/admin/providers/99", json={"title": "x"}, headers=ADMIN),
        404,
        "not_found",
    )
    assert_error(
        client.post("/api/admin/providers", json={"name": " "}, headers=ADMIN),
        422,
        "validation_error",
    )


def test_deactivating_a_provider_with_future_bookings_is_refused(client: TestClient) -> None:
    book(client, "2026-12-02T10:00")
    book(client, "2026-12-03T10:00", name="Sam", phone="(312) 555-0122")
    refused = client.patch(f"/api/admin/providers/{PATEL}", json={"active": False}, headers=ADMIN)
    error = assert_error(refused, 409, "provider_has_future_bookings")
    assert error["details"]["count"] == 2
    assert "2 upcoming" in error["message"]
    free = client.patch(f"/api/admin/providers/{LOPEZ}", json={"active": False}, headers=ADMIN)
    assert free.status_code == 200 and free.json()["provider"]["active"] is False
    public = client.get("/api/providers").json()["providers"]
    assert LOPEZ not in [p["id"] for p in public]


def test_services_create_and_patch(client: TestClient) -> None:
    created = client.post(
        "/api/admin/services",
        json={"name": "Chemical Peel", "description": "A light peel.", "duration_minutes": 45},
        headers=ADMIN,
    )
    assert created.status_code == 201, created.text
    service = created.json()["service"]
    assert service == {
        "id": 6,
        "name": "Chemical Peel",
        "description": "A light peel.",
        "duration_minutes": 45,
        "buffer_minutes": 0,
        "price_cents": 0,
        "active": True,
        "preparation": "",
    }
    patched = client.patch("/api/admin/services/6", json={"price_cents": 12500}, headers=ADMIN)
    assert patched.json()["service"]["price_cents"] == 12500
    bad = client.post(
        "/api/admin/services", json={"name": "Zero", "duration_minutes": 0}, headers=ADMIN
    )
    assert_error(bad, 422, "validation_error")
    assert [
        s["id"] for s in client.get("/api/admin/services", headers=ADMIN).json()["services"]
    ] == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]


def test_working_hours_replace_and_read(client: TestClient) -> None:
    url = f"/api/admin/providers/{LOPEZ}/hours"
    current = client.get(url, headers=ADMIN).json()
    assert current["hours"][0] == {"weekday": 0, "start": "11:00", "end": "19:00"}
    new_hours = [
        {"weekday": 2, "start": "08:00", "end": "12:00"},
        {"weekday": 2, "start": "13:00", "end": "16:30"},
    ]
    saved = client.put(url, json={"hours": new_hours}, headers=ADMIN)
    assert saved.status_code == 200, saved.text
    assert saved.json()["hours"] == new_hours
    wednesday = starts(client, CONSULTATION, "2026-12-02", LOPEZ)
    assert wednesday[0] == "2026-12-02T08:00:00-06:00"
    assert starts(client, CONSULTATION, "2026-12-03", LOPEZ) == []
    overlapping = [
        {"weekday": 1, "start": "09:00", "end": "12:00"},
        {"weekday": 1, "start": "11:00", "end": "13:00"},
    ]
    assert_error(
        client.put(url, json={"hours": overlapping}, headers=ADMIN), 422, "validation_error"
    )
    with_offset = [{"weekday": 1, "start": "09:00Z", "end": "12:00"}]
    assert_error(
        client.put(url, json={"hours": with_offset}, headers=ADMIN), 422, "validation_error"
    )


def test_time_off_add_list_delete(client: TestClient) -> None:
    url = f"/api/admin/providers/{PATEL}/time-off"
    added = client.post(
        url,
        json={"start": "2026-12-02T09:00", "end": "2026-12-02T12:00", "reason": "Training"},
        headers=ADMIN,
    )
    assert added.status_code == 201, added.text
    entry = added.json()["time_off"]
    assert entry["start"] == "2026-12-02T09:00:00-06:00"
    assert entry["end"] == "2026-12-02T12:00:00-06:00"
    assert "2026-12-02T10:00:00-06:00" not in starts(client, BOTOX, "2026-12-02", PATEL)
    listed = client.get(url, headers=ADMIN).json()["time_off"]
    assert [e["id"] for e in listed] == [entry["id"]]
    deleted = client.delete(f"/api/admin/time-off/{entry['id']}", headers=ADMIN)
    assert deleted.json() == {"deleted": True}
    assert "2026-12-02T10:00:00-06:00" in starts(client, BOTOX, "2026-12-02", PATEL)
    again = client.delete(f"/api/admin/time-off/{entry['id']}", headers=ADMIN)
    assert_error(again, 404, "not_found")


def test_closures_add_list_delete(client: TestClient) -> None:
    added = client.post(
        "/api/admin/closures", json={"date": "2026-12-02", "reason": "Staff day"}, headers=ADMIN
    )
    assert added.status_code == 201, added.text
    assert added.json() == {
        "closure": {"date": "2026-12-02", "reason": "Staff day"},
        "overlapping_appointments": [],
    }
    assert starts(client, CONSULTATION, "2026-12-02") == []
    listed = client.get("/api/admin/closures", headers=ADMIN).json()
    assert listed == {"closures": [{"date": "2026-12-02", "reason": "Staff day"}]}
    assert client.delete("/api/admin/closures/2026-12-02", headers=ADMIN).status_code == 200
    assert starts(client, CONSULTATION, "2026-12-02")
    assert_error(client.delete("/api/admin/closures/2026-12-02", headers=ADMIN), 404, "not_found")


def test_time_off_and_closures_report_the_bookings_they_overlap(client):
    """Time off or a closure over a booked appointment leaves it booked and says so."""
    created = client.post(
        "/api/booking/create",
        json={
            "service_id": 2,
            "provider_id": 1,
            "start": "2026-12-02T14:00",
            "client": {"name": "Ann Lee", "phone": "312-555-0100"},
        },
    ).json()["appointment"]
    time_off = client.post(
        "/api/admin/providers/1/time-off",
        json={"start": "2026-12-02T13:00", "end": "2026-12-02T17:00", "reason": "sick"},
        headers=ADMIN,
    )
    assert time_off.status_code == 201
    assert [a["id"] for a in time_off.json()["overlapping_appointments"]] == [created["id"]]
    other = client.post(
        "/api/admin/providers/2/time-off",
        json={"start": "2026-12-02T13:00", "end": "2026-12-02T17:00"},
        headers=ADMIN,
    )
    assert other.json()["overlapping_appointments"] == []
    closure = client.post("/api/admin/closures", json={"date": "2026-12-02"}, headers=ADMIN)
    assert [a["id"] for a in closure.json()["overlapping_appointments"]] == [created["id"]]
