"""The client's manage page (/booking/{id}#token=...) in Chromium: checklist item 3 (cancel frees
the slot), rescheduling, a taken slot while moving, the change cutoff and a wrong link."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from browser_helpers import (
    BOTOX,
    BUSINESS_PHONE,
    CHICAGO,
    CONSULTATION,
    LOPEZ,
    PATEL,
    SLOT_TAKEN,
    LiveServer,
    choose_slot,
    client,
    confirm,
    expect_booked,
    fill_details,
    local_iso,
    times_offered,
    weekday_ahead,
)
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = pytest.mark.browser


def manage_url(server: LiveServer, booking: dict) -> str:
    return f"{server.url}/booking/{booking['appointment']['id']}#token={booking['manage_token']}"


def test_cancel_from_the_manage_page_offers_the_slot_again(
    live_server: LiveServer, context: BrowserContext
) -> None:
    """Checklist 3."""
    day = weekday_ahead(3)
    start = local_iso(day, 11, 0)
    page = context.new_page()
    choose_slot(
        page, live_server.url, service="Botox", provider="Dr. Maya Patel", day=day, start=start
    )
    fill_details(page, "Joy Cancel", "312-555-0211")
    confirm(page)
    expect_booked(page)
    link = page.get_by_test_id("manage-link").get_attribute("href") or ""

    other = context.new_page()
    offered = times_offered(
        other, live_server.url, service="Botox", provider="Dr. Maya Patel", day=day
    )
    assert start not in offered

    page.get_by_test_id("manage-link").click()
    assert page.url == link
    expect(page.get_by_test_id("appointment-status")).to_have_text("Booked")
    expect(page.get_by_test_id("appointment-time")).to_have_text(
        re.compile(r"^11:00 AM – 11:30 AM C[SD]T$")
    )
    page.get_by_role("button", name="Cancel appointment").click()
    expect(page.get_by_role("heading", name="Cancel this appointment?")).to_be_focused()
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_test_id("appointment-status")).to_have_text("Cancelled")
    expect(page.get_by_test_id("message-success")).to_have_text("Your appointment is cancelled.")
    [appointment] = live_server.calendar(day)
    assert appointment["status"] == "cancelled"

    offered = times_offered(
        other, live_server.url, service="Botox", provider="Dr. Maya Patel", day=day
    )
    assert start in offered
    page.reload()
    expect(page.get_by_test_id("appointment-status")).to_have_text("Cancelled")
    expect(page.get_by_role("button", name="Cancel appointment")).to_have_count(0)


def test_reschedule_from_the_manage_page_survives_a_refresh(
    live_server: LiveServer, page: Page
) -> None:
    day = weekday_ahead(3)
    new_day = weekday_ahead(3, skip=1)
    old_start, new_start = local_iso(day, 10, 0), local_iso(new_day, 14, 0)
    booking = live_server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=old_start,
        client=client("Kim Move", "312-555-0222"),
    )
    page.goto(manage_url(live_server, booking))
    page.get_by_role("button", name="Pick a new time").click()
    expect(page.get_by_role("heading", name="Pick a new time")).to_be_focused()
    page.locator(f"[data-testid=date][data-date='{new_day}']").click()
    page.locator(f"[data-testid=time][data-start='{new_start}']").click()
    expect(page.get_by_test_id("move-summary")).to_contain_text(re.compile(r"2:00 PM C[SD]T"))

    page.reload()  # the choice is kept
    expect(page.get_by_test_id("move-summary")).to_contain_text(re.compile(r"2:00 PM C[SD]T"))
    page.get_by_role("button", name="Confirm new time").click()
    expect(page.get_by_test_id("message-success")).to_contain_text("Done: your appointment is now")
    expect(page.get_by_test_id("appointment-time")).to_have_text(
        re.compile(r"^2:00 PM – 2:30 PM C[SD]T$")
    )

    assert old_start in live_server.free_starts(BOTOX, day, PATEL)
    assert new_start not in live_server.free_starts(BOTOX, new_day, PATEL)
    [moved] = live_server.calendar(new_day)
    assert moved["id"] == booking["appointment"]["id"] and moved["start"] == new_start


def test_a_slot_taken_while_moving_offers_the_nearest_times(
    live_server: LiveServer, page: Page
) -> None:
    day = weekday_ahead(3)
    booking = live_server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=local_iso(day, 9, 0),
        client=client("Lea Race", "312-555-0233"),
    )
    wanted = local_iso(day, 15, 0)
    page.goto(manage_url(live_server, booking))
    page.get_by_role("button", name="Pick a new time").click()
    page.locator(f"[data-testid=date][data-date='{day}']").click()
    page.locator(f"[data-testid=time][data-start='{wanted}']").click()
    live_server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=wanted,
        client=client("Max Faster", "312-555-0244"),
    )
    page.get_by_role("button", name="Confirm new time").click()

    error = page.get_by_test_id("manage-error")
    expect(error).to_contain_text(SLOT_TAKEN)
    expect(page.get_by_test_id("appointment-time")).to_contain_text("9:00 AM")  # unchanged
    alternative = page.get_by_test_id("alternative").first
    chosen = alternative.get_attribute("data-start")
    alternative.click()
    page.get_by_role("button", name="Confirm new time").click()
    expect(page.get_by_test_id("message-success")).to_contain_text("Done: your appointment is now")
    moved = next(a for a in live_server.calendar(day) if a["id"] == booking["appointment"]["id"])
    assert moved["start"] == chosen


def test_after_the_change_cutoff_the_page_shows_the_phone(
    live_server: LiveServer, page: Page
) -> None:
    # A front-desk walk-in a few hours from now: inside the 24-hour change cutoff.
    soon = datetime.now(CHICAGO).replace(second=0, microsecond=0) + timedelta(hours=3)
    soon = soon.replace(minute=soon.minute - soon.minute % 15)
    booking = live_server.book(
        admin=True,
        service_id=CONSULTATION,
        provider_id=LOPEZ,
        start=soon.isoformat(),
        client=client("Ned Late", "312-555-0255"),
    )
    page.goto(manage_url(live_server, booking))
    expect(page.get_by_test_id("appointment-status")).to_have_text("Booked")
    # The API may or may not tell the cutoff up front; either way the client ends up with the
    # phone number and no buttons that cannot work.
    if page.get_by_role("button", name="Cancel appointment").count():
        page.get_by_role("button", name="Cancel appointment").click()
        page.get_by_role("button", name="Yes, cancel it").click()
        error = page.get_by_test_id("manage-error")
        expect(error).to_contain_text("Too late to change online")
        expect(error).to_contain_text(BUSINESS_PHONE)
    too_late = page.get_by_test_id("too-late")
    expect(too_late).to_contain_text("Too late to change online")
    expect(too_late.get_by_role("link", name=BUSINESS_PHONE)).to_be_visible()
    expect(page.get_by_role("button", name="Cancel appointment")).to_have_count(0)
    expect(page.get_by_role("button", name="Pick a new time")).to_have_count(0)
    page.reload()
    expect(page.get_by_test_id("too-late")).to_be_visible()
    assert live_server.calendar(soon.date())[0]["status"] == "booked"


def test_a_wrong_token_is_answered_like_an_unknown_appointment(
    live_server: LiveServer, page: Page
) -> None:
    day = weekday_ahead(3)
    booking = live_server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=local_iso(day, 9, 0),
        client=client("Ola Link", "312-555-0266"),
    )
    page.goto(f"{live_server.url}/booking/{booking['appointment']['id']}#token=not-the-token")
    error = page.get_by_test_id("manage-error")
    expect(error).to_contain_text("We could not find this appointment")
    expect(error.get_by_role("link", name=BUSINESS_PHONE)).to_be_visible()
    page.goto(f"{live_server.url}/booking/{booking['appointment']['id']}")
    expect(page.get_by_test_id("manage-error")).to_contain_text("We could not find")
