"""The pages a waitlist text links to, in Chromium: claiming an offered time (the first claimer
books it, the second hears it is gone and stays listed) and leaving the waitlist."""

from __future__ import annotations

import time

import httpx
from booking_core import match_waitlist
from booking_core.services.waitlist import claim_token
from browser_helpers import (
    BOTOX,
    PATEL,
    LiveServer,
    local_iso,
    shot,
    sign_in_admin,
    weekday_ahead,
)
from playwright.sync_api import Page, expect


def join(server: LiveServer, phone: str, day: str) -> dict:
    response = httpx.post(
        f"{server.url}/api/waitlist",
        json={
            "service_id": BOTOX,
            "date_from": day,
            "date_to": day,
            "client": {"name": "Wanda Wait", "phone": phone},
        },
        timeout=15,
    )
    assert response.status_code == 201, response.text
    return response.json()


def claim_link(server: LiveServer, secret: bytes, offer_id: int) -> str:
    return f"{server.url}/waitlist/claim/{offer_id}#token={claim_token(secret, offer_id)}"


def test_claim_an_offer_and_leave_the_waitlist(live_server: LiveServer, page: Page) -> None:
    day = weekday_ahead()
    first = join(live_server, "312-555-0101", day.isoformat())
    join(live_server, "312-555-0102", day.isoformat())
    time.sleep(0.01)  # the time frees up after they joined
    booked = live_server.book(
        admin=True,
        service_id=BOTOX,
        provider_id=PATEL,
        start=local_iso(day, 10),
        client={"name": "Booked Already", "phone": "312-555-0199"},
    )
    cancel = live_server.admin(
        "POST", "/api/booking/cancel", json={"appointment_id": booked["appointment"]["id"]}
    )
    assert cancel.status_code == 200, cancel.text
    app = live_server.server.config.app
    match_waitlist(app.state.uow)  # what the dispatcher does every few seconds
    entries = live_server.admin("GET", "/api/admin/waitlist").json()["entries"]
    offers = sorted((o for e in entries for o in e["offers"]), key=lambda o: o["id"])
    assert len(offers) == 2
    secret = app.state.uow.secret

    page.goto(claim_link(live_server, secret, offers[0]["id"]))
    page.get_by_test_id("claim").click()
    expect(page.get_by_role("heading", name="You're booked!")).to_be_visible()
    shot(page, "waitlist-claimed")

    page.goto(claim_link(live_server, secret, offers[1]["id"]))
    page.get_by_test_id("claim").click()
    expect(page.get_by_text("Someone else booked this time first")).to_be_visible()
    expect(page.get_by_text("You are still on the waitlist")).to_be_visible()

    # The calendar page counts this month's bookings from the waitlist.
    sign_in_admin(page, live_server.url, f"?date={day}")
    expect(page.get_by_test_id("waitlist-bookings")).to_contain_text(
        "Bookings from the waitlist this month: 1"
    )

    entry = first["entry"]
    page.goto(f"{live_server.url}/waitlist/{entry['id']}#token={first['manage_token']}")
    page.get_by_test_id("leave").click()
    expect(page.get_by_test_id("left")).to_be_visible()
