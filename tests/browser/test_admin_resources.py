"""Rooms and devices in the admin (/admin) in Chromium: the by-resource calendar view, a visit's
parts drawn as linked blocks, and the "Rooms & devices" page (add, rename, deactivate with the
bookings in the way, time off, a service's requirements)."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import (
    BOTOX,
    HYDRAFACIAL,
    LASER,
    LOPEZ,
    LiveServer,
    client,
    local_iso,
    shot,
    sign_in_admin,
    weekday_ahead,
)
from playwright.sync_api import Page, expect
from visit_helpers import resource_named, resources, service_groups, visit_slots

pytestmark = pytest.mark.browser

BLOCK = "[data-testid=appointment]"


def block(page: Page, appointment_id: str) -> Any:
    return page.locator(f"{BLOCK}[data-appointment-id='{appointment_id}']")


def test_the_by_resource_view_shows_a_laser_booking_in_the_laser_room(
    live_server: LiveServer, page: Page
) -> None:
    day = weekday_ahead(3)
    booking = live_server.book(
        service_id=LASER,
        provider_id=LOPEZ,
        start=local_iso(day, 13),
        client=client("Zoe Laser", "312-555-0811"),
    )
    appointment = booking["appointment"]
    laser_room = resource_named(live_server, "laser", "room")
    held = {r["id"] for r in appointment["parts"][0]["resources"]}
    assert laser_room["id"] in held

    sign_in_admin(page, live_server.url, f"?date={day}")
    expect(block(page, appointment["id"])).to_have_count(1)  # by provider: Lopez's column
    page.get_by_role("button", name="By resource").click()
    calendar = page.get_by_test_id("calendar")
    expect(calendar).to_have_attribute("data-by", "resource")
    assert "by=resource" in page.url

    # Rooms and devices are the columns; the booking sits in each one it holds.
    names = [r["name"] for r in resources(live_server) if r["active"]]
    expect(page.locator(".cal-head")).to_have_count(len(names))
    room_column = page.locator(
        f".cal-col[data-date='{day}'][data-resource-id='{laser_room['id']}']"
    )
    in_room = room_column.locator(f"{BLOCK}[data-appointment-id='{appointment['id']}']")
    expect(in_room).to_be_visible()
    expect(in_room).to_contain_text("1:00 PM–1:45 PM")
    expect(in_room.get_by_test_id("appt-service")).to_have_text("Laser Hair Removal")
    expect(in_room.get_by_test_id("appt-provider")).to_have_text("Brianna Lopez")
    shot(page, "admin-by-resource")
    expect(block(page, appointment["id"])).to_have_count(len(held))
    for resource_id in held:
        column = page.locator(f".cal-col[data-date='{day}'][data-resource-id='{resource_id}']")
        expect(column.locator(BLOCK)).to_have_count(1)

    in_room.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_test_id("dialog-rooms")).to_contain_text(laser_room["name"])
    dialog.get_by_role("button", name="Close").click()

    page.reload()  # the view is in the URL
    expect(in_room).to_be_visible()
    page.get_by_role("button", name="By provider").click()
    column = page.locator(f".cal-col[data-date='{day}'][data-provider-id='{LOPEZ}']")
    expect(column.locator(BLOCK)).to_have_count(1)


def test_a_visit_is_drawn_as_linked_parts(live_server: LiveServer, page: Page) -> None:
    day = weekday_ahead(3)
    slot = next(
        s
        for s in visit_slots(live_server, [BOTOX, HYDRAFACIAL], day)
        if s["start"] >= local_iso(day, 10)
        and s["parts"][0]["provider_id"] != s["parts"][1]["provider_id"]
    )
    booking = live_server.book(
        services=[
            {"service_id": p["service_id"], "provider_id": p["provider_id"]} for p in slot["parts"]
        ],
        start=slot["start"],
        client=client("Ada Visit", "312-555-0821"),
    )
    appointment = booking["appointment"]
    sign_in_admin(page, live_server.url, f"?date={day}")

    blocks = block(page, appointment["id"])
    expect(blocks).to_have_count(2)
    for index, part in enumerate(appointment["parts"]):
        column = page.locator(
            f".cal-col[data-date='{day}'][data-provider-id='{part['provider_id']}']"
        )
        piece = column.locator(f"{BLOCK}[data-appointment-id='{appointment['id']}']")
        expect(piece).to_have_attribute("data-part-index", str(index))
        expect(piece.get_by_test_id("part-label")).to_have_text(f"{index + 1}/2")
        expect(piece.get_by_test_id("appt-service")).to_have_text(part["service_name"])
    # Linked: the same visit colour on both blocks, and each at its own time.
    colours = [blocks.nth(i).evaluate("n => getComputedStyle(n).outlineColor") for i in range(2)]
    assert colours[0] == colours[1]
    tops = sorted(blocks.nth(i).evaluate("n => n.offsetTop") for i in range(2))
    assert tops[1] - tops[0] == pytest.approx(30 * 1.6, abs=1)  # Botox is 30 minutes

    shot(page, "admin-visit-linked-parts")
    page.locator(f"{BLOCK}[data-appointment-id='{appointment['id']}'][data-part-index='1']").click()
    shot(page, "admin-visit-dialog", full_page=False)
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_test_id("dialog-service")).to_have_text("Botox + HydraFacial")
    parts = dialog.get_by_test_id("dialog-part")
    expect(parts).to_have_count(2)
    for resource in appointment["parts"][1]["resources"]:
        expect(parts.nth(1)).to_contain_text(resource["name"])

    # Moving the visit from the dialog keeps each part's provider.
    dialog.get_by_role("button", name="Move").click()
    expect(dialog.get_by_test_id("move-visit-note")).to_be_visible()
    expect(dialog.locator("#move-provider")).to_have_count(0)
    providers = [p["provider_id"] for p in appointment["parts"]]
    new_start = next(
        s["start"]
        for s in visit_slots(live_server, [BOTOX, HYDRAFACIAL], day)
        if s["start"] >= local_iso(day, 14) and [p["provider_id"] for p in s["parts"]] == providers
    )
    dialog.locator(f"[data-testid=move-slot][data-start='{new_start}']").click()
    dialog.get_by_role("button", name="Move here").click()
    expect(page.get_by_test_id("calendar-success")).to_contain_text("Moved Botox + HydraFacial")
    [moved] = live_server.calendar(day)
    assert moved["start"] == new_start
    assert [p["provider_id"] for p in moved["parts"]] == providers


def open_resources_page(page: Page) -> None:
    page.get_by_role("button", name="Rooms & devices").click()
    expect(page.get_by_role("heading", name="Rooms & devices", level=1)).to_be_visible()
    expect(page.get_by_test_id("resource-list")).to_be_visible()
    assert "page=resources" in page.url


def test_create_a_resource_and_make_a_service_need_it(live_server: LiveServer, page: Page) -> None:
    sign_in_admin(page, live_server.url)
    open_resources_page(page)
    before = len(resources(live_server))
    rows = page.get_by_test_id("resource-row")
    expect(rows).to_have_count(before)

    add = page.get_by_test_id("add-resource")
    add.get_by_label("Name").fill("Treatment Room 3")
    add.get_by_label("Kind").select_option("room")
    add.get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("resource-success")).to_contain_text("Added Treatment Room 3")
    expect(rows).to_have_count(before + 1)
    [created] = [r for r in resources(live_server) if r["name"] == "Treatment Room 3"]
    assert (created["kind"], created["active"]) == ("room", True)

    # Rename it.
    row = page.locator(f"[data-testid=resource-row][data-resource-id='{created['id']}']")
    row.get_by_role("button", name="Rename Treatment Room 3").click()
    row.get_by_label("New name for Treatment Room 3").fill("Treatment Room 3 (new wing)")
    row.get_by_role("button", name="Save").click()
    expect(row.get_by_test_id("resource-name")).to_have_text("Treatment Room 3 (new wing)")

    # HydraFacial: its treatment-room group gains the new room; then a second requirement.
    old_groups = service_groups(live_server, HYDRAFACIAL)
    page.get_by_label("Service", exact=True).select_option(label="HydraFacial")
    groups = page.get_by_test_id("requirement-group")
    expect(groups).to_have_count(len(old_groups))
    if not old_groups:
        page.get_by_test_id("add-group").click()
        expect(groups).to_have_count(1)
    first_group = groups.first
    first_group.locator(f"input[data-resource-id='{created['id']}']").check()
    expect(page.get_by_test_id("requirements-summary")).to_contain_text("not saved yet")
    page.get_by_test_id("save-requirements").click()
    expect(page.get_by_test_id("resource-success")).to_contain_text("Saved: HydraFacial needs")
    saved = service_groups(live_server, HYDRAFACIAL)
    assert created["id"] in saved[0]
    shot(page, "admin-resources-page")
    assert sorted(saved[0]) == sorted({*(old_groups[0] if old_groups else []), created["id"]})

    # A refresh shows what is saved; removing the requirement again saves too.
    page.reload()
    page.get_by_label("Service", exact=True).select_option(label="HydraFacial")
    expect(
        page.get_by_test_id("requirement-group").first.locator(
            f"input[data-resource-id='{created['id']}']"
        )
    ).to_be_checked()
    page.get_by_test_id("requirement-group").first.locator(
        f"input[data-resource-id='{created['id']}']"
    ).uncheck()
    page.get_by_test_id("save-requirements").click()
    expect(page.get_by_test_id("resource-success")).to_contain_text("Saved")
    assert service_groups(live_server, HYDRAFACIAL) == old_groups


def test_a_booked_resource_cannot_be_deactivated_and_time_off_is_managed(
    live_server: LiveServer, page: Page
) -> None:
    day = weekday_ahead(3)
    booking = live_server.book(
        service_id=LASER,
        provider_id=LOPEZ,
        start=local_iso(day, 13),
        client=client("Bo Booked", "312-555-0831"),
    )
    laser_room = resource_named(live_server, "laser", "room")
    sign_in_admin(page, live_server.url)
    open_resources_page(page)
    row = page.locator(f"[data-testid=resource-row][data-resource-id='{laser_room['id']}']")
    row.get_by_test_id("deactivate").click()
    error = page.get_by_test_id("resource-error")
    expect(error).to_have_attribute("data-code", "resource_has_future_bookings")
    listed = error.get_by_test_id("blocking-appointment")
    expect(listed).to_have_count(1)
    expect(listed).to_have_attribute("data-appointment-id", booking["appointment"]["id"])
    expect(listed).to_contain_text("Laser Hair Removal")
    expect(row.get_by_test_id("resource-status")).to_have_text("Active")

    # Time off over the booking is refused with the booking; elsewhere it is added and deleted.
    row.get_by_test_id("open-time-off").click()
    panel = page.get_by_test_id("time-off-panel")
    expect(panel.get_by_role("heading")).to_have_text(f"Time off: {laser_room['name']}")
    expect(panel.get_by_test_id("time-off-entry")).to_have_count(0)
    panel.get_by_label("From").fill(f"{day}T12:00")
    panel.get_by_label("Until").fill(f"{day}T14:00")
    panel.get_by_label("Reason (optional)").fill("Laser service")
    panel.get_by_role("button", name="Add time off").click()
    refused = panel.get_by_test_id("resource-error")
    expect(refused).to_have_attribute("data-code", "resource_has_future_bookings")
    expect(refused.get_by_test_id("blocking-appointment")).to_have_count(1)
    shot(page, "admin-resource-time-off-refused")

    panel.get_by_label("From").fill(f"{day}T08:00")
    panel.get_by_label("Until").fill(f"{day}T10:00")
    panel.get_by_label("Reason (optional)").fill("Laser service")
    panel.get_by_role("button", name="Add time off").click()
    expect(panel.get_by_test_id("resource-success")).to_contain_text("Time off added")
    entry = panel.get_by_test_id("time-off-entry")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("8:00 AM")
    expect(entry).to_contain_text("Laser service")
    listed_off = live_server.admin("GET", f"/api/admin/resources/{laser_room['id']}/time-off")
    [stored] = listed_off.json()["time_off"]
    assert stored["start"] == local_iso(day, 8) and stored["end"] == local_iso(day, 10)
    entry.get_by_role("button", name="Delete").click()
    expect(panel.get_by_test_id("time-off-entry")).to_have_count(0)

    # Once the booking is cancelled the room can be deactivated (and activated again).
    live_server.admin(
        "POST", "/api/booking/cancel", json={"appointment_id": booking["appointment"]["id"]}
    )
    row.get_by_test_id("deactivate").click()
    expect(row.get_by_test_id("resource-status")).to_have_text("Inactive")
    row.get_by_test_id("activate").click()
    expect(row.get_by_test_id("resource-status")).to_have_text("Active")
