"""The admin "Clients" and "Settings" pages in Chromium, at 1280x800 and 390x844: finding a client
by phone or e-mail, their visits and counts, editing their notes and contact details (a phone
another client has is refused next to the phone field); creating a service, giving a provider a
break in their weekly hours, closing a day. Every page passes axe-core (no serious or critical
violation)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    ADMIN_TOKEN,
    BOTOX,
    BROWSER_TIMEZONE,
    CHICAGO,
    CONSULTATION,
    PATEL,
    RIVERA,
    LiveServer,
    client,
    local_iso,
    shot,
    weekday_ahead,
)
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_URL = "/__test-vendor__/axe.min.js"
SCREENS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
}


@pytest.fixture(params=sorted(SCREENS))
def screen(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[str, Page]]:
    """A page at 1280x800 or 390x844 (the browser far from the business, offline but for the
    test server)."""
    ctx: BrowserContext = browser.new_context(
        timezone_id=BROWSER_TIMEZONE, locale="en-US", **SCREENS[request.param]
    )
    ctx.set_default_timeout(10_000)
    ctx.route(lambda url: not url.startswith("http://127.0.0.1"), lambda route: route.abort())
    page = ctx.new_page()
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
    yield request.param, page
    ctx.close()
    assert not errors, errors


def open_admin(page: Page, url: str, query: str, heading: str) -> None:
    page.goto(f"{url}/admin{query}")
    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def assert_accessible(page: Page) -> None:
    """axe-core, served from the tests' vendored copy on the page's own origin (the pages'
    Content-Security-Policy allows only their own scripts, so an inline copy would be refused)."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.route(
            f"**{AXE_URL}",
            lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"),
        )
        page.add_script_tag(url=AXE_URL)
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
            }));
        }"""
    )
    bad = [v for v in violations if v["impact"] in {"serious", "critical"}]
    assert not bad, bad


def api(server: LiveServer, method: str, path: str, **kwargs: Any) -> Any:
    response = server.admin(method, path, **kwargs)
    assert response.status_code < 300, response.text
    return response.json()


def client_id(server: LiveServer, query: str) -> int:
    found = api(server, "GET", f"/api/admin/clients?query={query}")["clients"]
    assert len(found) == 1, found
    return int(found[0]["id"])


# --------------------------------------------------------------------------- clients
def test_clients_search_open_and_edit(live_server: LiveServer, screen: tuple[str, Page]) -> None:
    name, page = screen
    day = weekday_ahead(3)
    maria = client("Maria Gonzalez", "312-555-0101") | {"email": "maria@example.com"}
    upcoming = live_server.book(
        service_id=BOTOX, provider_id=PATEL, start=local_iso(day, 10), client=maria
    )["appointment"]
    missed = live_server.book(
        service_id=CONSULTATION, provider_id=PATEL, start=local_iso(day, 14), client=maria
    )["appointment"]
    api(
        live_server,
        "POST",
        f"/api/admin/appointments/{missed['id']}/status",
        json={"status": "no_show"},
    )
    # Cancelled by the desk less than the 24-hour cutoff before it starts: a late cancellation.
    soon = (datetime.now(CHICAGO) + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    late = live_server.book(
        admin=True,
        service_id=CONSULTATION,
        provider_id=RIVERA,
        start=soon.isoformat(),
        client=maria,
    )["appointment"]
    api(live_server, "POST", "/api/booking/cancel", json={"appointment_id": late["id"]})
    live_server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=local_iso(day, 11),
        client=client("Mark Twain", "312-555-0102"),
    )
    live_server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=local_iso(day, 15),
        client=client("Zoe Quinn", "312-555-0103"),
    )

    open_admin(page, live_server.url, "?page=clients", "Clients")
    rows = page.get_by_test_id("client-row")
    expect(rows).to_have_count(3)
    search = page.get_by_label("Search by name, phone or e-mail")
    search.fill("0102")  # phone digits
    expect(rows).to_have_count(1)
    expect(rows.get_by_test_id("client-link")).to_have_text("Mark Twain")
    expect(rows.get_by_test_id("client-phone")).to_have_text("(312) 555-0102")
    assert "q=0102" in page.url
    search.fill("MARIA@exam")  # any part of the e-mail, any case
    expect(rows.get_by_test_id("client-link")).to_have_text("Maria Gonzalez")
    expect(rows).to_have_count(1)
    search.fill("nobody-here")
    expect(page.get_by_test_id("client-count")).to_contain_text("No client matches")
    search.fill("gonz")
    assert_accessible(page)
    shot(page, f"admin-clients-list-{name}")

    rows.get_by_test_id("client-link").click()
    expect(page.get_by_test_id("client-name")).to_have_text("Maria Gonzalez")
    maria_id = client_id(live_server, "maria@")
    assert f"client={maria_id}" in page.url
    expect(page.get_by_test_id("no-show-count")).to_have_text("1")
    expect(page.get_by_test_id("late-cancel-count")).to_have_text("1")
    upcoming_list = page.get_by_test_id("upcoming-visits").get_by_test_id("client-visit")
    expect(upcoming_list).to_have_count(1)
    expect(upcoming_list).to_have_attribute("data-appointment-id", upcoming["id"])
    expect(upcoming_list).to_contain_text("Botox with Dr. Maya Patel")
    expect(upcoming_list.get_by_test_id("visit-status")).to_have_text("Booked")
    past = page.get_by_test_id("past-visits")
    expect(
        past.locator(f"[data-appointment-id='{missed['id']}'] [data-testid=visit-status]")
    ).to_have_text("No-show")
    expect(
        past.locator(f"[data-appointment-id='{late['id']}'] [data-testid=visit-status]")
    ).to_have_text("Cancelled")

    # Private notes.
    notes = page.get_by_label("Notes", exact=True)
    notes.fill("Allergic to lidocaine. Prefers afternoons.")
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_test_id("client-notes-form").get_by_test_id("message-success")).to_have_text(
        "Notes saved."
    )
    record = api(live_server, "GET", f"/api/admin/clients/{maria_id}")
    assert record["notes"] == "Allergic to lidocaine. Prefers afternoons."

    # Another client's phone: refused next to the phone field.
    form = page.get_by_test_id("client-edit-form")
    phone = form.get_by_label("Phone")
    phone.fill("(312) 555-0102")
    form.get_by_role("button", name="Save details").click()
    phone_error = form.get_by_test_id("error-phone")
    expect(phone_error).to_have_text("Another client already has that phone number.")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_be_focused()
    assert "client-edit-phone-error" in (phone.get_attribute("aria-describedby") or "")
    assert_accessible(page)
    shot(page, f"admin-client-phone-in-use-{name}")

    # A bad e-mail: refused next to the e-mail field; the phone error is gone.
    phone.fill("(312) 555-0199")
    form.get_by_label("E-mail").fill("maria-at-example")
    form.get_by_role("button", name="Save details").click()
    expect(form.get_by_test_id("error-email")).to_have_text("Please enter a valid e-mail address.")
    expect(phone_error).to_be_hidden()
    expect(phone).not_to_have_attribute("aria-invalid", "true")

    form.get_by_label("E-mail").fill("maria.g@example.com")
    form.get_by_label("Name").fill("Maria G. Gonzalez")
    form.get_by_role("button", name="Save details").click()
    expect(form.get_by_test_id("message-success")).to_have_text("Contact details saved.")
    expect(page.get_by_test_id("client-name")).to_have_text("Maria G. Gonzalez")
    expect(page.get_by_test_id("summary-phone")).to_have_text("(312) 555-0199")
    record = api(live_server, "GET", f"/api/admin/clients/{maria_id}")
    assert (record["name"], record["phone"], record["email"]) == (
        "Maria G. Gonzalez",
        "+13125550199",
        "maria.g@example.com",
    )
    assert {a["id"] for a in record["appointments"]} == {upcoming["id"], missed["id"], late["id"]}

    page.reload()  # the client is in the URL
    expect(page.get_by_test_id("client-name")).to_have_text("Maria G. Gonzalez")
    expect(page.get_by_label("Notes", exact=True)).to_have_value(
        "Allergic to lidocaine. Prefers afternoons."
    )
    page.get_by_test_id("back-to-clients").click()
    search = page.get_by_label("Search by name, phone or e-mail")
    expect(search).to_be_focused()
    expect(search).to_have_value("gonz")  # the last search is kept
    expect(page.get_by_test_id("client-link")).to_have_text(["Maria G. Gonzalez"])


# --------------------------------------------------------------------------- settings
def test_settings_service_hours_with_a_break_and_a_closure(
    live_server: LiveServer, screen: tuple[str, Page]
) -> None:
    name, page = screen
    open_admin(page, live_server.url, "?page=settings", "Settings")

    # A new service; the server's refusals appear next to their fields.
    page.get_by_role("button", name="Add a service").click()
    editor = page.get_by_test_id("service-editor")
    expect(editor.get_by_role("heading", name="New service")).to_be_focused()
    editor.get_by_label("Name").fill("Chemical Peel")
    editor.get_by_label("Length (minutes)").fill("3")
    editor.get_by_label("Price (USD)").fill("12x")
    editor.get_by_role("button", name="Add service").click()
    expect(editor.get_by_test_id("error-price_cents")).to_be_visible()
    duration_error = editor.get_by_test_id("error-duration_minutes")
    expect(editor.get_by_label("Price (USD)")).to_have_attribute("aria-invalid", "true")
    editor.get_by_label("Price (USD)").fill("125")
    editor.get_by_role("button", name="Add service").click()
    expect(duration_error).to_have_text("Must be between 5 and 480.")
    expect(editor.get_by_label("Length (minutes)")).to_be_focused()
    assert_accessible(page)
    shot(page, f"admin-settings-service-error-{name}")
    editor.get_by_label("Length (minutes)").fill("45")
    editor.get_by_label("Buffer after (minutes)").fill("15")
    editor.get_by_label("How to prepare").fill("Stop retinol products 5 days before.")
    editor.get_by_role("button", name="Add service").click()
    expect(page.get_by_test_id("services-card").get_by_test_id("message-success")).to_contain_text(
        "Added Chemical Peel."
    )
    services = api(live_server, "GET", "/api/admin/services")["services"]
    peel = next(s for s in services if s["name"] == "Chemical Peel")
    assert (
        peel["duration_minutes"],
        peel["buffer_minutes"],
        peel["price_cents"],
        peel["active"],
    ) == (
        45,
        15,
        12500,
        True,
    )
    assert peel["preparation"] == "Stop retinol products 5 days before."
    editor = page.get_by_test_id("service-editor")
    expect(editor.get_by_role("heading", name="Edit Chemical Peel")).to_be_visible()
    expect(editor.get_by_test_id("service-requirements")).to_contain_text("No room or device")
    assert f"edit=service-{peel['id']}" in page.url

    # Jessica Rivera offers it, and her Tuesday gets a lunch break.
    page.get_by_role("button", name="Providers").click()
    page.get_by_role("button", name="Edit Jessica Rivera").click()
    expect(page.get_by_test_id("provider-editor-title")).to_have_text("Jessica Rivera")
    offerings = page.get_by_test_id("offerings-card")
    offerings.get_by_role("checkbox", name="Chemical Peel").check()
    offerings.get_by_role("button", name="Save services").click()
    expect(offerings.get_by_test_id("message-success")).to_contain_text("offers 4 services")
    rivera = next(
        p for p in api(live_server, "GET", "/api/admin/providers")["providers"] if p["id"] == RIVERA
    )
    assert peel["id"] in rivera["service_ids"]

    tuesday = page.locator("[data-testid=hours-day][data-weekday='1']")
    intervals = tuesday.get_by_test_id("hours-interval")
    expect(intervals).to_have_count(1)
    intervals.first.get_by_label("Tuesday, hours 1, until").fill("13:00")
    tuesday.get_by_role("button", name="Add hours after a break on Tuesday").click()
    expect(intervals).to_have_count(2)
    expect(tuesday.get_by_label("Tuesday, hours 2, from")).to_be_focused()
    page.get_by_role("button", name="Save hours").click()  # the new interval is still empty
    second = intervals.nth(1)
    expect(second.locator(".field-error")).to_be_visible()
    expect(second.get_by_label("Tuesday, hours 2, from")).to_have_attribute("aria-invalid", "true")
    tuesday.get_by_label("Tuesday, hours 2, from").fill("14:00")
    tuesday.get_by_label("Tuesday, hours 2, until").fill("18:00")
    page.get_by_role("button", name="Save hours").click()
    expect(page.get_by_test_id("hours-card").get_by_test_id("message-success")).to_have_text(
        "Saved Jessica Rivera's weekly hours."
    )
    expect(tuesday.get_by_test_id("hours-break")).to_have_text("Break 1:00 PM – 2:00 PM")
    hours = api(live_server, "GET", f"/api/admin/providers/{RIVERA}/hours")["hours"]
    assert [(h["start"], h["end"]) for h in hours if h["weekday"] == 1] == [
        ("10:00", "13:00"),
        ("14:00", "18:00"),
    ]
    assert len(hours) == 6  # the other days are unchanged
    assert_accessible(page)
    shot(page, f"admin-settings-provider-{name}")

    # A closed day.
    page.get_by_role("button", name="Closures").click()
    closures = page.get_by_test_id("closures-card")
    closures.get_by_role("button", name="Close this day").click()  # no date
    expect(closures.get_by_test_id("error-date")).to_be_visible()
    closed = weekday_ahead(6)
    closures.get_by_label("Date").fill(closed.isoformat())
    closures.get_by_label("Reason (optional)").fill("Staff training")
    closures.get_by_role("button", name="Close this day").click()
    row = closures.locator(f"[data-testid=closure-row][data-date='{closed}']")
    expect(row).to_contain_text("Staff training")
    expect(closures.get_by_test_id("message-success")).to_contain_text("is closed")
    assert {"date": closed.isoformat(), "reason": "Staff training"} in api(
        live_server, "GET", "/api/admin/closures"
    )["closures"]
    assert_accessible(page)
    shot(page, f"admin-settings-closures-{name}")

    page.reload()  # the tab is in the URL
    expect(page.get_by_test_id("closures-card")).to_be_visible()
