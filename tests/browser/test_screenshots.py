"""Screenshots of every page at desktop and phone size, for a reviewer to look at.

They are written to test-artifacts/browser/ (gitignored, never committed). The test also checks
that nothing overflows sideways on a phone, the usual way a layout breaks on a small screen.
"""

from __future__ import annotations

import pytest
from browser_helpers import (
    BOTOX,
    CHEN,
    CONSULTATION,
    HYDRAFACIAL,
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
    shot,
    sign_in_admin,
    weekday_ahead,
)
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = pytest.mark.browser


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_screenshots_of_every_page(
    size: str, live_server: LiveServer, context: BrowserContext, phone_context: BrowserContext
) -> None:
    ctx = context if size == "desktop" else phone_context
    page = ctx.new_page()
    day = weekday_ahead(3)
    live_server.book(
        admin=True,
        service_id=HYDRAFACIAL,
        provider_id=CHEN,
        start=local_iso(day, 13),
        client=client("Sam Desk", "312-555-0411"),
    )
    gone = live_server.book(
        service_id=CONSULTATION,
        provider_id=LOPEZ,
        start=local_iso(day, 11),
        client=client("Tia Gone", "312-555-0412"),
    )
    live_server.admin(
        "POST", "/api/booking/cancel", json={"appointment_id": gone["appointment"]["id"]}
    )

    page.goto(live_server.url + "/")
    expect(page.get_by_test_id("service").first).to_be_visible()
    no_sideways_scroll(page)
    shot(page, f"{size}-1-book-service")

    choose_slot(
        page,
        live_server.url,
        service="Botox",
        provider="Dr. Maya Patel",
        day=day,
        start=local_iso(day, 10),
    )
    page.go_back()
    expect(page.get_by_test_id("time").first).to_be_visible()
    no_sideways_scroll(page)
    shot(page, f"{size}-2-book-time")
    page.go_forward()
    fill_details(page, "Jane Doe", "(312) 555-0413", email="jane@example.com")
    no_sideways_scroll(page)
    shot(page, f"{size}-3-book-details")

    # A taken slot, as the client sees it.
    live_server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=local_iso(day, 10),
        client=client("Fast Finger", "312-555-0414"),
    )
    confirm(page)
    expect(page.get_by_test_id("booking-error")).to_contain_text(SLOT_TAKEN)
    no_sideways_scroll(page)
    shot(page, f"{size}-4-book-slot-taken")
    page.get_by_test_id("alternative").first.click()
    confirm(page)
    expect_booked(page)
    no_sideways_scroll(page)
    shot(page, f"{size}-5-book-confirmation")

    page.get_by_test_id("manage-link").click()
    expect(page.get_by_test_id("appointment-status")).to_have_text("Booked")
    no_sideways_scroll(page)
    shot(page, f"{size}-6-manage")
    page.get_by_role("button", name="Pick a new time").click()
    expect(page.get_by_test_id("time").first).to_be_visible()
    no_sideways_scroll(page)
    shot(page, f"{size}-7-manage-reschedule")

    admin = ctx.new_page()
    admin.goto(live_server.url + "/admin")
    expect(admin.get_by_label("Admin token")).to_be_visible()
    shot(admin, f"{size}-8-admin-sign-in")
    sign_in_admin(admin, live_server.url, f"?date={day}&cancelled=show")
    expect(admin.locator("[data-testid=appointment]")).to_have_count(4)
    shot(admin, f"{size}-9-admin-day")
    admin.locator("[data-testid=appointment][data-source=admin]").click()
    expect(admin.get_by_role("dialog")).to_be_visible()
    admin.get_by_role("dialog").get_by_role("button", name="Move").click()
    expect(admin.get_by_test_id("move-slot").first).to_be_visible()
    shot(admin, f"{size}-10-admin-move", full_page=False)  # the modal, as seen
    admin.keyboard.press("Escape")
    expect(admin.get_by_role("dialog")).to_be_hidden()
    admin.get_by_role("button", name="Week", exact=True).click()
    expect(admin.get_by_test_id("calendar")).to_have_attribute("data-view", "week")
    shot(admin, f"{size}-11-admin-week")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_screenshot_of_the_no_services_page(
    size: str, empty_server: LiveServer, context: BrowserContext, phone_context: BrowserContext
) -> None:
    page = (context if size == "desktop" else phone_context).new_page()
    page.goto(empty_server.url + "/")
    expect(page.get_by_test_id("no-services-phone")).to_be_visible()
    no_sideways_scroll(page)
    shot(page, f"{size}-0-book-no-services")
