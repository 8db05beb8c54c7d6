"""The provider calendar (/admin) in Chromium: checklist items 4 (reschedule from the calendar)
and 5 (an AI booking through the real MCP client appears by itself), sign-in, views, filters,
cancelled appointments, cancel from the dialog and a visible polling failure."""

from __future__ import annotations

import re
from typing import Any

import anyio
import httpx2
import pytest
from browser_helpers import (
    ADMIN_TOKEN,
    AI_TOKEN,
    BOTOX,
    CHEN,
    CONSULTATION,
    HYDRAFACIAL,
    LOPEZ,
    PATEL,
    LiveServer,
    client,
    in_thread,
    local_iso,
    sign_in_admin,
    times_offered,
    weekday_ahead,
)
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.browser

BLOCK = "[data-testid=appointment]"


def block(page: Page, appointment_id: str) -> Any:
    return page.locator(f"{BLOCK}[data-appointment-id='{appointment_id}']")


def test_sign_in_keeps_the_token_for_the_browser_session_only(
    live_server: LiveServer, browser: Browser, page: Page
) -> None:
    page.goto(live_server.url + "/admin")
    expect(page.get_by_label("Admin token")).to_be_focused()
    page.get_by_label("Admin token").fill("not-the-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That admin token was not accepted")).to_be_visible()

    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("calendar")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('admin.token')") == f'"{ADMIN_TOKEN}"'
    assert page.evaluate("localStorage.length") == 0
    assert page.context.cookies() == []
    page.reload()  # same session: still signed in
    expect(page.get_by_test_id("calendar")).to_be_visible()

    other = browser.new_context()  # a new browser session: signed out
    try:
        fresh = other.new_page()
        fresh.goto(live_server.url + "/admin")
        expect(fresh.get_by_label("Admin token")).to_be_visible()
    finally:
        other.close()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Admin token")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('admin.token')") is None


def test_reschedule_from_the_admin_calendar(
    live_server: LiveServer, context: BrowserContext
) -> None:
    """Checklist 4: the old slot frees, the new one is taken, the calendar shows the new time."""
    day = weekday_ahead(3)
    old_start, new_start = local_iso(day, 10, 0), local_iso(day, 14, 0)
    booking = live_server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=old_start,
        client=client("Pia Move", "312-555-0311"),
    )
    appointment_id = booking["appointment"]["id"]
    page = context.new_page()
    sign_in_admin(page, live_server.url, f"?date={day}")
    appointment = block(page, appointment_id)
    expect(appointment).to_contain_text(re.compile(r"10:00 AM–10:30 AM"))
    appointment.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("dialog-when")).to_contain_text(
        re.compile(r"10:00 AM – 10:30 AM C[SD]T")
    )
    dialog.get_by_role("button", name="Move").click()
    dialog.locator(f"[data-testid=move-slot][data-start='{new_start}']").click()
    expect(dialog.get_by_test_id("move-summary")).to_contain_text(re.compile(r"2:00 PM C[SD]T"))
    dialog.get_by_role("button", name="Move here").click()

    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("calendar-success")).to_contain_text("Moved Botox for Pia Move")
    expect(appointment).to_contain_text(re.compile(r"2:00 PM–2:30 PM"))
    expect(appointment).to_be_focused()  # focus returns to the moved appointment
    # The block now sits lower in the Dr. Patel column: 4 hours further down.
    column = page.locator(f".cal-col[data-date='{day}'][data-provider-id='{PATEL}']")
    assert column.locator(BLOCK).count() == 1

    # The old slot is free (on the booking page too), the new one is taken.
    assert old_start in live_server.free_starts(BOTOX, day, PATEL)
    assert new_start not in live_server.free_starts(BOTOX, day, PATEL)
    booking_page = context.new_page()
    offered = times_offered(
        booking_page, live_server.url, service="Botox", provider="Dr. Maya Patel", day=day
    )
    assert old_start in offered and new_start not in offered
    # And in the calendar's own move list the freed time is offered again.
    appointment.click()
    dialog.get_by_role("button", name="Move").click()
    expect(dialog.locator(f"[data-testid=move-slot][data-start='{old_start}']")).to_be_visible()
    [moved] = live_server.calendar(day)
    assert (moved["id"], moved["start"], moved["status"]) == (appointment_id, new_start, "booked")


def _book_through_mcp(url: str, arguments: dict[str, Any]) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {AI_TOKEN}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=60)) as http,
            Client(streamable_http_client(f"{url}/mcp", http_client=http)) as mcp,
        ):
            result = await mcp.call_tool("book_appointment", arguments)
            assert not result.is_error, result.content
            assert result.structured_content is not None
            return result.structured_content

    return anyio.run(main)


def test_an_ai_booking_appears_on_the_calendar_by_itself(
    live_server: LiveServer, page: Page
) -> None:
    """Checklist 5: booked through the real MCP client over streamable HTTP at /mcp; the open
    calendar shows it within a few seconds, without a reload, with provider, service, start,
    end and the AI badge."""
    day = weekday_ahead(3)
    sign_in_admin(page, live_server.url, f"?date={day}")
    expect(page.get_by_text("No appointments on this day.")).to_be_visible()
    page.evaluate("window.notReloaded = true")

    answer = in_thread(
        _book_through_mcp,
        live_server.url,
        {
            "service_id": HYDRAFACIAL,
            "provider_id": CHEN,
            "start": f"{day}T13:00",
            "client_name": "Quinn Caller",
            "client_phone": "312-555-0322",
        },
    )
    assert answer  # the tool's structured answer

    column = page.locator(f".cal-col[data-date='{day}'][data-provider-id='{CHEN}']")
    appointment = column.locator(BLOCK)
    expect(appointment).to_be_visible(timeout=12_000)  # polling every 5 s
    assert page.evaluate("window.notReloaded") is True
    expect(appointment).to_have_attribute("data-source", "ai")
    expect(appointment.get_by_test_id("source-badge")).to_have_text("AI")
    expect(appointment.get_by_test_id("appt-service")).to_have_text("HydraFacial")
    expect(appointment.get_by_test_id("appt-client")).to_have_text("Quinn Caller")
    expect(appointment).to_contain_text("1:00 PM–2:00 PM")
    appointment.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_test_id("dialog-provider")).to_have_text("Ashley Chen")
    expect(dialog.get_by_test_id("dialog-when")).to_contain_text(
        re.compile(r"1:00 PM – 2:00 PM C[SD]T")
    )
    expect(dialog.get_by_test_id("dialog-source")).to_have_text("the AI receptionist")
    [stored] = live_server.calendar(day)
    assert (stored["source"], stored["provider_id"], stored["service_id"]) == (
        "ai",
        CHEN,
        HYDRAFACIAL,
    )
    assert (stored["start"], stored["end"]) == (local_iso(day, 13), local_iso(day, 14))


def test_views_filters_and_cancelled_appointments(live_server: LiveServer, page: Page) -> None:
    day = weekday_ahead(3)
    web = live_server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=local_iso(day, 10),
        client=client("Rae Web", "312-555-0331"),
    )
    admin = live_server.book(
        admin=True,
        service_id=HYDRAFACIAL,
        provider_id=CHEN,
        start=local_iso(day, 13),
        client=client("Sam Desk", "312-555-0332"),
    )
    gone = live_server.book(
        service_id=CONSULTATION,
        provider_id=LOPEZ,
        start=local_iso(day, 11),
        client=client("Tia Gone", "312-555-0333"),
    )
    response = live_server.admin(
        "POST", "/api/booking/cancel", json={"appointment_id": gone["appointment"]["id"]}
    )
    assert response.status_code == 200

    # Cancelled appointments are hidden unless asked for (cancelled=show).
    sign_in_admin(page, live_server.url, f"?date={day}&cancelled=show")
    heads = page.locator(".cal-head")
    expect(heads).to_have_text(["Dr. Maya Patel", "Jessica Rivera", "Ashley Chen", "Brianna Lopez"])
    expect(page.locator(BLOCK)).to_have_count(3)
    expect(block(page, web["appointment"]["id"]).get_by_test_id("source-badge")).to_have_text("Web")
    expect(block(page, admin["appointment"]["id"]).get_by_test_id("source-badge")).to_have_text(
        "Admin"
    )
    # Placed at their local times: 13:00 is three hours (at 1.6 px a minute) below 10:00.
    top = lambda i: block(page, i).evaluate("node => node.offsetTop")  # noqa: E731
    assert top(admin["appointment"]["id"]) - top(web["appointment"]["id"]) == pytest.approx(
        3 * 60 * 1.6, abs=1
    )

    cancelled = block(page, gone["appointment"]["id"])
    expect(cancelled).to_have_attribute("data-status", "cancelled")
    expect(cancelled).to_contain_text("Cancelled")
    struck = cancelled.get_by_test_id("appt-service").evaluate(
        "n => getComputedStyle(n).textDecorationLine"
    )
    assert struck == "line-through"

    page.get_by_label("Show cancelled").uncheck()
    expect(page.locator(BLOCK)).to_have_count(2)
    assert "cancelled=" not in page.url  # hidden is the default
    page.reload()  # the view is in the URL
    expect(page.locator(BLOCK)).to_have_count(2)
    page.get_by_label("Show cancelled").check()
    expect(page.locator(BLOCK)).to_have_count(3)
    assert "cancelled=show" in page.url

    page.get_by_label("Provider").select_option(label="Ashley Chen")
    expect(heads).to_have_text(["Ashley Chen"])
    expect(page.locator(BLOCK)).to_have_count(1)
    page.get_by_label("Provider").select_option(label="All providers")

    page.get_by_role("button", name="Week", exact=True).click()
    expect(page.locator(".cal-head.day-head").first).to_be_visible()
    expect(page.get_by_test_id("calendar")).to_have_attribute("data-view", "week")
    expect(page.locator(f".cal-col[data-date='{day}'] {BLOCK}")).to_have_count(3)
    assert page.locator(".cal-col").count() == 7 * 4
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("No appointments this week.")).to_be_visible()
    page.get_by_label("Date").fill(str(day))
    expect(page.locator(BLOCK)).to_have_count(3)


def test_cancel_from_the_admin_dialog(live_server: LiveServer, page: Page) -> None:
    day = weekday_ahead(3)
    start = local_iso(day, 9, 30)
    booking = live_server.book(
        service_id=BOTOX, provider_id=PATEL, start=start, client=client("Uma Stop", "312-555-0341")
    )
    sign_in_admin(page, live_server.url, f"?date={day}")
    appointment = block(page, booking["appointment"]["id"])
    appointment.click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel appointment").click()
    page.get_by_role("dialog").get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_test_id("calendar-success")).to_contain_text("Cancelled Botox for Uma Stop")
    expect(appointment).to_have_count(0)  # cancelled ones are hidden by default
    page.get_by_label("Show cancelled").check()
    expect(appointment).to_have_attribute("data-status", "cancelled")
    assert start in live_server.free_starts(BOTOX, day, PATEL)


def test_a_failing_refresh_is_shown_and_recovers(
    live_server: LiveServer, context: BrowserContext
) -> None:
    context.add_init_script("globalThis.BOOKING_POLL_MS = 700;")
    page = context.new_page()
    sign_in_admin(page, live_server.url)
    page.route("**/api/admin/calendar**", lambda route: route.abort("internetdisconnected"))
    error = page.get_by_test_id("calendar-error")
    expect(error).to_contain_text("Could not refresh the calendar")
    expect(page.get_by_test_id("calendar")).to_be_visible()  # the last good view stays
    page.unroute("**/api/admin/calendar**")
    expect(error).to_have_count(0)
