"""Visits of several services on the client pages, in Chromium against a started server: the
booking page's "Add another service", the parts and rooms on the summary and the confirmation, a
taken visit's alternatives, and a visit on the manage page (moved whole, same providers)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from browser_helpers import (
    BOTOX,
    HYDRAFACIAL,
    LASER,
    LOPEZ,
    SLOT_TAKEN,
    LiveServer,
    client,
    confirm,
    expect_booked,
    fill_details,
    local_iso,
    shot,
    weekday_ahead,
)
from playwright.sync_api import Page, Request, expect
from visit_helpers import resource_named, visit_slots

pytestmark = pytest.mark.browser


def first_slot_from(slots: list[dict[str, Any]], start_at_or_after: str) -> dict[str, Any]:
    """The first slot (by start, then first provider) starting at or after a local time."""
    return next(s for s in slots if s["start"] >= start_at_or_after)


def build_visit(page: Page, base_url: str) -> None:
    """Botox, then "Add another service": HydraFacial (a Dermal Filler added and removed)."""
    page.goto(base_url + "/")
    page.get_by_test_id("service").filter(has_text="Botox").click()
    expect(page.get_by_test_id("step-heading")).to_have_text("Choose a provider")
    visit = page.get_by_test_id("visit-service")
    expect(visit).to_have_count(1)
    expect(page.get_by_test_id("remove-service")).to_have_count(0)  # nothing to remove yet

    page.get_by_test_id("add-service").click()
    page.get_by_test_id("add-service-option").filter(has_text="HydraFacial").click()
    expect(visit).to_have_count(2)
    page.get_by_test_id("add-service").click()
    page.get_by_test_id("add-service-option").filter(has_text="Dermal Filler").click()
    expect(visit).to_have_count(3)
    expect(visit.nth(2)).to_contain_text("Dermal Filler")
    page.get_by_role("button", name="Remove Dermal Filler from your visit").click()
    expect(visit).to_have_count(2)
    expect(visit.nth(0)).to_contain_text("Botox")
    expect(visit.nth(1)).to_contain_text("HydraFacial")
    expect(page.get_by_test_id("provider-intro")).to_contain_text("Botox + HydraFacial")
    expect(page.get_by_test_id("visit-total")).to_contain_text("1 h 30 min")
    shot(page, "visit-1-provider-step")
    # The visit is in the URL, in order.
    assert re.search(rf"service={BOTOX}&service={HYDRAFACIAL}", page.url)


def choose_visit_slot(page: Page, slot: dict[str, Any]) -> None:
    page.get_by_test_id("provider").filter(has_text="Any available provider").click()
    expect(page.get_by_test_id("step-heading")).to_have_text("Choose a date and time")
    expect(page.get_by_test_id("zone-note")).to_contain_text("Botox + HydraFacial")
    day = slot["start"][:10]
    page.locator(f"[data-testid=date][data-date='{day}']").click()
    page.locator(f"[data-testid=time][data-start='{slot['start']}']").click()
    expect(page.get_by_test_id("step-heading")).to_have_text("Your details")


def create_bodies(page: Page) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []

    def record(request: Request) -> None:
        if request.url.endswith("/api/booking/create") and request.method == "POST":
            bodies.append(json.loads(request.post_data or "{}"))

    page.on("request", record)
    return bodies


def test_a_two_service_visit_is_booked_with_each_part_and_its_room(
    live_server: LiveServer, page: Page
) -> None:
    day = weekday_ahead(3)
    slot = first_slot_from(visit_slots(live_server, [BOTOX, HYDRAFACIAL], day), local_iso(day, 10))
    first, second = slot["parts"]
    build_visit(page, live_server.url)
    choose_visit_slot(page, slot)

    # The summary: each part with its provider and local time.
    parts = page.get_by_test_id("summary-part")
    expect(parts).to_have_count(2)
    expect(parts.nth(0)).to_contain_text("Botox")
    expect(parts.nth(0)).to_contain_text(f"with {first['provider_name']}")
    expect(parts.nth(1)).to_contain_text("HydraFacial")
    expect(parts.nth(1)).to_contain_text(f"with {second['provider_name']}")
    expect(page.get_by_test_id("summary-time")).to_contain_text(re.compile(r"C[SD]T"))

    shot(page, "visit-2-summary")
    bodies = create_bodies(page)
    fill_details(page, "Vera Visit", "312-555-0711")
    confirm(page)
    expect_booked(page)
    shot(page, "visit-3-confirmation")

    # Exactly the chosen slot was asked for: each part with the slot's provider.
    assert bodies[-1]["services"] == [
        {"service_id": BOTOX, "provider_id": first["provider_id"]},
        {"service_id": HYDRAFACIAL, "provider_id": second["provider_id"]},
    ]
    assert "service_id" not in bodies[-1] and bodies[-1]["start"] == slot["start"]

    [booked] = [a for a in live_server.calendar(day) if a["client"]["name"] == "Vera Visit"]
    assert booked["start"] == slot["start"] and booked["end"] == slot["end"]
    assert [(p["service_id"], p["provider_id"]) for p in booked["parts"]] == [
        (BOTOX, first["provider_id"]),
        (HYDRAFACIAL, second["provider_id"]),
    ]
    facial_rooms = [r["name"] for r in booked["parts"][1]["resources"]]
    assert facial_rooms, "a HydraFacial needs a treatment room"

    # The confirmation: both parts, their times and the room the facial got.
    done = page.get_by_test_id("done-part")
    expect(done).to_have_count(2)
    expect(page.get_by_test_id("done-service")).to_have_text("Botox + HydraFacial")
    expect(done.nth(0)).to_contain_text("Botox")
    expect(done.nth(1)).to_contain_text("HydraFacial")
    expect(done.nth(1)).to_contain_text(re.compile(r"\d:\d\d [AP]M – \d+:\d\d [AP]M C[SD]T"))
    for name in facial_rooms:
        expect(done.nth(1).get_by_test_id("done-part-rooms")).to_contain_text(name)

    page.reload()  # the confirmation survives a refresh
    expect(page.get_by_test_id("done-part")).to_have_count(2)


def test_a_taken_visit_offers_alternatives_for_the_whole_visit(
    live_server: LiveServer, page: Page
) -> None:
    day = weekday_ahead(4)
    slot = first_slot_from(visit_slots(live_server, [BOTOX, HYDRAFACIAL], day), local_iso(day, 14))
    build_visit(page, live_server.url)
    choose_visit_slot(page, slot)
    fill_details(page, "Wes Second", "312-555-0722")

    # Meanwhile someone books the same visit with the same providers.
    live_server.book(
        services=[
            {"service_id": p["service_id"], "provider_id": p["provider_id"]} for p in slot["parts"]
        ],
        start=slot["start"],
        client=client("Xan First", "312-555-0733"),
    )
    confirm(page)
    error = page.get_by_test_id("booking-error")
    expect(error).to_contain_text(SLOT_TAKEN)
    alternatives = page.get_by_test_id("alternative")
    expect(alternatives.first).to_be_visible()
    # Each alternative is a whole visit: both parts and their providers.
    expect(alternatives.first).to_contain_text(re.compile(r"Botox with .+, then HydraFacial with "))
    shot(page, "visit-taken-alternatives")

    alternatives.first.click()
    expect(page.get_by_test_id("summary-part")).to_have_count(2)
    expect(page.get_by_label("Full name")).to_have_value("Wes Second")
    confirm(page)
    expect_booked(page)
    names = sorted(a["client"]["name"] for a in live_server.calendar(day))
    assert names == ["Wes Second", "Xan First"]


def test_a_laser_booking_shows_its_room_and_device(live_server: LiveServer, page: Page) -> None:
    day = weekday_ahead(3)
    room = resource_named(live_server, "laser", "room")
    page.goto(live_server.url + "/")
    page.get_by_test_id("service").filter(has_text="Laser Hair Removal").click()
    page.get_by_test_id("provider").filter(has_text="Brianna Lopez").click()
    page.locator(f"[data-testid=date][data-date='{day}']").click()
    page.locator(f"[data-testid=time][data-start='{local_iso(day, 13)}']").click()
    bodies = create_bodies(page)
    fill_details(page, "Lia Laser", "312-555-0744")
    confirm(page)
    expect_booked(page)
    # A one-service booking keeps today's request shape.
    assert bodies[-1]["service_id"] == LASER and bodies[-1]["provider_id"] == LOPEZ
    assert "services" not in bodies[-1]
    expect(page.get_by_test_id("done-service")).to_have_text("Laser Hair Removal")
    expect(page.get_by_test_id("done-rooms")).to_contain_text(room["name"])
    [booked] = live_server.calendar(day)
    for resource in booked["parts"][0]["resources"]:
        expect(page.get_by_test_id("done-rooms")).to_contain_text(resource["name"])


def test_the_manage_page_shows_the_parts_and_moves_the_whole_visit(
    live_server: LiveServer, page: Page
) -> None:
    day = weekday_ahead(3)
    slots = visit_slots(live_server, [BOTOX, HYDRAFACIAL], day)
    slot = first_slot_from(slots, local_iso(day, 9, 30))
    booking = live_server.book(
        services=[
            {"service_id": p["service_id"], "provider_id": p["provider_id"]} for p in slot["parts"]
        ],
        start=slot["start"],
        client=client("Yara Move", "312-555-0755"),
    )
    appointment = booking["appointment"]
    providers = [p["provider_id"] for p in appointment["parts"]]
    page.goto(f"{live_server.url}/booking/{appointment['id']}#token={booking['manage_token']}")
    parts = page.get_by_test_id("appointment-part")
    expect(parts).to_have_count(2)
    expect(parts.nth(0)).to_contain_text(appointment["parts"][0]["provider_name"])
    expect(parts.nth(1)).to_contain_text("HydraFacial")
    for resource in appointment["parts"][1]["resources"]:
        expect(parts.nth(1)).to_contain_text(resource["name"])

    page.get_by_role("button", name="Pick a new time").click()
    expect(page.get_by_test_id("visit-providers")).to_contain_text("same providers")
    expect(page.locator("#new-provider")).to_have_count(0)  # a visit keeps its providers
    shot(page, "visit-manage-reschedule")
    new_start = next(
        s["start"]
        for s in visit_slots(live_server, [BOTOX, HYDRAFACIAL], day)
        if s["start"] >= local_iso(day, 14) and [p["provider_id"] for p in s["parts"]] == providers
    )
    page.locator(f"[data-testid=date][data-date='{day}']").click()
    bodies: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: (
            bodies.append(json.loads(r.post_data or "{}"))
            if r.url.endswith("/api/booking/reschedule")
            else None
        ),
    )
    page.locator(f"[data-testid=time][data-start='{new_start}']").click()
    page.get_by_role("button", name="Confirm new time").click()
    expect(page.get_by_test_id("message-success")).to_contain_text("Done")
    assert "provider_id" not in bodies[-1] and "parts" not in bodies[-1]

    [moved] = live_server.calendar(day)
    assert moved["start"] == new_start
    assert [p["provider_id"] for p in moved["parts"]] == providers
    expect(page.get_by_test_id("appointment-part")).to_have_count(2)
