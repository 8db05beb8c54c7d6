"""The waitlist on the web pages, in Chromium: joining from the booking page when the provider's
day is full (a refusal shown next to its field, the confirmation, "already on the waitlist", and
the entry in the admin API), and the admin Waitlist page listing, filtering, offering a time by
hand (a taken time refused in the server's words) and removing an entry. axe-core finds no
serious or critical violation on either page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_helpers import (
    BOTOX,
    HYDRAFACIAL,
    PATEL,
    LiveServer,
    client,
    local_iso,
    shot,
    sign_in_admin,
    weekday_ahead,
)
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_URL = "/__test-vendor__/axe.min.js"


@pytest.fixture
def checked_page(context: BrowserContext) -> Iterator[Page]:
    """A desktop page that fails the test on a script error or a CSP refusal."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    assert not errors, errors


def assert_accessible(page: Page, where: str) -> None:
    """axe-core served from the server's own origin (the pages' CSP refuses inline scripts)."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.route(
            f"**{AXE_URL}",
            lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"),
        )
        page.add_script_tag(url=AXE_URL)
    violations = page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ["violations"] })).violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.id}: ${v.help} at `
                + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", "))"""
    )
    assert not violations, f"{where}: {violations}"


def fill_day(server: LiveServer, day: date) -> None:
    """Dr. Patel is off all day but ten minutes: the day is full for a 30-minute Botox."""
    response = server.admin(
        "POST",
        f"/api/admin/providers/{PATEL}/time-off",
        json={"start": f"{day}T09:00", "end": f"{day}T16:50"},
    )
    assert response.status_code in (200, 201), response.text


def waitlist(server: LiveServer) -> list[dict[str, Any]]:
    response = server.admin("GET", "/api/admin/waitlist")
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


def open_waitlist_form(page: Page, server: LiveServer, day: date) -> Any:
    page.goto(f"{server.url}/?service={BOTOX}&provider={PATEL}&step=time")
    expect(page.locator(f"[data-testid=date][data-date='{day}']")).to_have_attribute(
        "data-status", "full"
    )
    offer = page.get_by_test_id("waitlist-offer")
    expect(offer).to_contain_text("Botox with Dr. Maya Patel")
    offer.get_by_role("button", name="Join the waitlist").click()
    form = page.get_by_test_id("waitlist-form")
    expect(form.get_by_label("From")).to_be_focused()
    return form


def test_join_the_waitlist_from_a_full_day(live_server: LiveServer, checked_page: Page) -> None:
    page = checked_page
    day = weekday_ahead(3)
    fill_day(live_server, day)
    form = open_waitlist_form(page, live_server, day)
    # The dates default to the days shown, from the business's today.
    shown = page.get_by_test_id("date")
    expect(form.get_by_label("From")).to_have_value(str(shown.first.get_attribute("data-date")))
    expect(form.get_by_label("Until")).to_have_value(str(shown.last.get_attribute("data-date")))
    form.get_by_label("From").fill(str(day))
    form.get_by_label("Until").fill(str(day + timedelta(days=400)))  # past the booking horizon
    form.get_by_label("Earliest start").fill("09:00")
    form.get_by_label("Latest start").fill("13:00")
    form.get_by_label("Full name").fill("Wendy Waiting")
    form.get_by_label("Mobile phone").fill("312-555-0177")
    form.get_by_label("E-mail (optional)").fill("wendy@example.com")
    assert_accessible(page, "booking page with the waitlist form")
    shot(page, "waitlist-join-form")
    form.get_by_role("button", name="Join the waitlist").click()

    until = form.get_by_label("Until")
    expect(until).to_have_attribute("aria-invalid", "true")
    expect(until).to_be_focused()
    expect(page.get_by_test_id("waitlist-error-date_to")).to_contain_text("We book online up to")
    until.fill(str(day))
    form.get_by_role("button", name="Join the waitlist").click()
    joined = page.get_by_test_id("waitlist-joined")
    expect(joined).to_contain_text(f"You're on the waitlist until {day:%A, %B} {day.day}")
    expect(joined).to_contain_text("we'll text you at 312-555-0177")
    expect(joined).to_be_focused()
    assert_accessible(page, "booking page after joining")
    shot(page, "waitlist-joined-booking-page")

    [entry] = waitlist(live_server)
    assert entry["status"] == "active"
    assert entry["service_ids"] == [BOTOX] and entry["provider_id"] == PATEL
    assert (entry["date_from"], entry["date_to"]) == (str(day), str(day))
    assert (entry["earliest_time"], entry["latest_time"]) == ("09:00", "13:00")
    assert entry["client"]["name"] == "Wendy Waiting"
    assert entry["client"]["email"] == "wendy@example.com"

    # The same wishes again: already on the list (the typed details are kept in this tab).
    form = open_waitlist_form(page, live_server, day)
    expect(form.get_by_label("Full name")).to_have_value("Wendy Waiting")
    form.get_by_label("From").fill(str(day))
    form.get_by_label("Until").fill(str(day))
    form.get_by_label("Earliest start").fill("09:00")
    form.get_by_label("Latest start").fill("13:00")
    form.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_test_id("waitlist-joined")).to_contain_text(
        "You're already on the waitlist for this"
    )
    assert len(waitlist(live_server)) == 1


def test_admin_waitlist_page_lists_offers_and_removes(
    live_server: LiveServer, checked_page: Page
) -> None:
    page = checked_page
    day = weekday_ahead(3)
    for service, phone in ((BOTOX, "312-555-0181"), (HYDRAFACIAL, "312-555-0182")):
        response = httpx.post(
            f"{live_server.url}/api/waitlist",
            json={
                "service_id": service,
                **({"provider_id": PATEL} if service == BOTOX else {}),
                "date_from": str(day),
                "date_to": str(day + timedelta(days=2)),
                "client": client(f"Client {phone[-2:]}", phone),
            },
            timeout=15,
        )
        assert response.status_code == 201, response.text
    live_server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=local_iso(day, 10),
        client=client("Already Booked", "312-555-0183"),
    )

    sign_in_admin(page, live_server.url)
    page.get_by_role("button", name="Waitlist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Waitlist")
    expect(page.get_by_test_id("waitlist-booked")).to_have_text(
        "Bookings from the waitlist this month: 0"
    )
    rows = page.get_by_test_id("waitlist-entry")
    expect(rows).to_have_count(2)
    page.get_by_label("Service").select_option(label="Botox")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text("Client 81")
    expect(row.get_by_test_id("waitlist-wants")).to_have_text("Botox with Dr. Maya Patel")
    expect(row.get_by_test_id("waitlist-status")).to_have_text("Active")
    page.get_by_label("Date").fill(str(day + timedelta(days=3)))
    expect(page.get_by_test_id("waitlist-count")).to_have_text(
        "No active entries matching the filters."
    )
    page.get_by_label("Date").fill(str(day + timedelta(days=1)))
    expect(rows).to_have_count(1)
    assert_accessible(page, "admin waitlist page")

    # A taken time is refused in the server's words, next to the field; a free one is offered.
    row.get_by_role("button", name="Offer a time").click()
    start = row.get_by_label("Start (our local time)")
    expect(start).to_be_focused()
    start.fill(f"{day}T10:00")
    row.get_by_role("button", name="Send offer").click()
    expect(row.get_by_test_id("waitlist-offer-error")).to_have_text(
        "That time is not free for this waitlist entry's services."
    )
    expect(start).to_have_attribute("aria-invalid", "true")
    start.fill(f"{day}T11:00")
    row.get_by_role("button", name="Send offer").click()
    expect(page.get_by_test_id("message-success")).to_contain_text("Offer made to Client 81")
    expect(row.get_by_test_id("waitlist-offer")).to_have_count(1)
    expect(row.get_by_test_id("waitlist-offer")).to_contain_text("11:00 AM")
    assert_accessible(page, "admin waitlist page with an offer")
    shot(page, "admin-waitlist")

    row.get_by_role("button", name="Remove").click()
    page.get_by_role("button", name="Yes, remove").click()
    expect(page.get_by_test_id("message-success")).to_contain_text(
        "Client 81 was removed from the waitlist."
    )
    expect(rows).to_have_count(0)
    statuses = {e["client"]["name"]: e["status"] for e in waitlist(live_server)}
    assert statuses == {"Client 81": "removed", "Client 82": "active"}
