"""The client booking page (/) in Chromium against a started server: the seed's checklist items
1, 2, 6 and 7, the no-services state, time zones and keyboard use."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import timedelta

import pytest
from browser_helpers import (
    BOTOX,
    BUSINESS_PHONE,
    PATEL,
    SLOT_TAKEN,
    LiveServer,
    business_today,
    choose_slot,
    client,
    confirm,
    expect_booked,
    fill_details,
    local_iso,
    times_offered,
    weekday_ahead,
)
from playwright.sync_api import BrowserContext, Page, Route, expect

pytestmark = pytest.mark.browser


def booked_for(server: LiveServer, day, phone_digits: str) -> list[dict]:
    return [
        a
        for a in server.calendar(day)
        if a["client"]["phone"].endswith(phone_digits) and a["status"] == "booked"
    ]


def release(routes: list[Route]) -> None:
    """Settle requests a test held unanswered; playwright must not keep waiting on them after
    the page gave up (a pending route outliving its context breaks the browser connection)."""
    for route in routes:
        with contextlib.suppress(Exception):
            route.abort()


def test_booking_end_to_end_shows_business_time(live_server: LiveServer, page: Page) -> None:
    # The browser is in Tokyo; the page must still show Chicago wall times with CST/CDT.
    day = weekday_ahead(3)
    start = local_iso(day, 10, 30)
    choose_slot(
        page, live_server.url, service="Botox", provider="Dr. Maya Patel", day=day, start=start
    )
    expect(page.get_by_test_id("summary-time")).to_contain_text(
        re.compile(r"10:30 AM – 11:00 AM C[SD]T")
    )
    fill_details(page, "Jane Doe", "(312) 555-0101", email="jane@example.com", notes="First visit")
    confirm(page)

    expect_booked(page)
    expect(page.get_by_test_id("done-service")).to_have_text("Botox")
    expect(page.get_by_test_id("done-provider")).to_have_text("Dr. Maya Patel")
    expect(page.get_by_test_id("done-time")).to_have_text(
        re.compile(r"^10:30 AM – 11:00 AM C[SD]T$")
    )
    link = page.get_by_test_id("manage-link")
    href = link.get_attribute("href") or ""
    [appointment] = booked_for(live_server, day, "0101")
    assert (
        href == f"{live_server.url}/booking/{appointment['id']}#token=" + href.split("#token=")[1]
    )
    assert appointment["source"] == "web"
    assert appointment["start"] == start
    assert appointment["client"]["email"] == "jane@example.com"
    assert appointment["notes"] == "First visit"
    # The manage token travels only in the fragment: never in a query string.
    assert "?" not in href

    # A refresh of the confirmation keeps it on screen.
    page.reload()
    expect_booked(page)
    expect(page.get_by_test_id("manage-link")).to_have_attribute("href", href)


def test_keyboard_only_and_focus_follows_the_steps(live_server: LiveServer, page: Page) -> None:
    page.goto(live_server.url + "/")
    expect(page.get_by_test_id("service").first).to_be_visible()
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # header phone link
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "service":
            break
    assert "Consultation" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    # Focus moves to the new step's heading, so a screen reader announces it.
    expect(page.get_by_test_id("step-heading")).to_have_text("Choose a provider")
    expect(page.get_by_test_id("step-heading")).to_be_focused()
    expect(page.get_by_test_id("provider").first).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").startswith("Any available provider")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("step-heading")).to_have_text("Choose a date and time")
    expect(page.get_by_test_id("zone-note")).to_contain_text(re.compile(r"\(C[SD]T\)"))


def test_same_slot_in_two_tabs_second_gets_alternatives(
    live_server: LiveServer, context: BrowserContext
) -> None:
    """Checklist 1: the second confirmation of the same slot says it was just taken."""
    day = weekday_ahead(3)
    start = local_iso(day, 11, 0)
    first, second = context.new_page(), context.new_page()
    for tab, name, phone in (
        (first, "Ann First", "312-555-0111"),
        (second, "Bea Second", "312-555-0122"),
    ):
        choose_slot(
            tab, live_server.url, service="Botox", provider="Dr. Maya Patel", day=day, start=start
        )
        fill_details(tab, name, phone)

    confirm(first)
    expect_booked(first)
    confirm(second)

    error = second.get_by_test_id("booking-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(SLOT_TAKEN)
    expect(error).to_contain_text("no longer available")
    expect(error).to_be_focused()
    alternatives = second.get_by_test_id("alternative")
    expect(alternatives.first).to_be_visible()
    assert alternatives.count() >= 1
    assert all("Dr. Maya Patel" in text for text in alternatives.all_inner_texts())

    # Picking an alternative keeps the typed details; one more click books it.
    chosen = alternatives.first.get_attribute("data-start")
    alternatives.first.click()
    expect(second.get_by_test_id("booking-error")).to_have_count(0)
    expect(second.get_by_label("Full name")).to_have_value("Bea Second")
    confirm(second)
    expect_booked(second)

    booked = [a for a in live_server.calendar(day) if a["provider_id"] == PATEL]
    assert len(booked) == 2
    assert {a["client"]["name"] for a in booked} == {"Ann First", "Bea Second"}
    assert {a["client"]["name"]: a["start"] for a in booked} == {
        "Ann First": start,
        "Bea Second": chosen,
    }


def test_overlapping_service_for_the_same_provider_is_refused(
    live_server: LiveServer, page: Page
) -> None:
    """Checklist 2: a filler at 10:30 overlaps a Botox at 10:00 (30 min + 15 min buffer)."""
    day = weekday_ahead(3)
    filler_start = local_iso(day, 10, 30)
    choose_slot(
        page,
        live_server.url,
        service="Dermal Filler",
        provider="Dr. Maya Patel",
        day=day,
        start=filler_start,
    )
    fill_details(page, "Cara Overlap", "312-555-0133")

    # Meanwhile someone else books an overlapping Botox with the same provider.
    live_server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=local_iso(day, 10, 0),
        client=client("Dee Web", "312-555-0144"),
    )
    confirm(page)

    error = page.get_by_test_id("booking-error")
    expect(error).to_contain_text("This time slot was just taken")
    expect(error).to_contain_text("no longer available")
    offered = [a.get_attribute("data-start") for a in page.get_by_test_id("alternative").all()]
    assert filler_start not in offered
    calendar = [a for a in live_server.calendar(day) if a["provider_id"] == PATEL]
    assert [(a["service_id"], a["client"]["name"]) for a in calendar] == [(BOTOX, "Dee Web")]

    # The booking page itself no longer offers any filler start overlapping 10:00-10:45.
    offered_now = times_offered(
        page, live_server.url, service="Dermal Filler", provider="Dr. Maya Patel", day=day
    )
    for hour, minute in ((9, 15), (9, 30), (9, 45), (10, 0), (10, 15), (10, 30)):
        assert local_iso(day, hour, minute) not in offered_now
    assert local_iso(day, 10, 45) in offered_now


def test_a_past_time_shows_a_visible_error(live_server: LiveServer, page: Page) -> None:
    """Checklist 6: a past time posted (an old link) is refused with words, not silence."""
    yesterday = business_today() - timedelta(days=1)
    start = local_iso(yesterday, 10, 0)
    page.goto(
        f"{live_server.url}/?service={BOTOX}&provider={PATEL}&date={yesterday}"
        f"&start={start.replace('+', '%2B')}&step=details"
    )
    expect(page.get_by_test_id("step-heading")).to_have_text("Your details")
    fill_details(page, "Eve Past", "312-555-0155")
    confirm(page)
    error = page.get_by_test_id("booking-error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("data-code", "past_time")
    expect(error).to_contain_text("That time cannot be booked")
    expect(error).to_contain_text("past")
    # The way out is offered: choose another time.
    page.get_by_role("button", name="Choose another time").click()
    expect(page.get_by_test_id("step-heading")).to_have_text("Choose a date and time")
    assert live_server.calendar(yesterday) == []


def test_server_error_and_timeout_are_visible_and_retry_works(
    live_server: LiveServer, context: BrowserContext
) -> None:
    """Checklist 6: a 500 and a request that never answers both end in words, never a spinner."""
    context.add_init_script("globalThis.BOOKING_REQUEST_TIMEOUT_MS = 1500;")
    page = context.new_page()
    day = weekday_ahead(4)
    start = local_iso(day, 14, 0)
    choose_slot(
        page, live_server.url, service="Botox", provider="Dr. Maya Patel", day=day, start=start
    )
    fill_details(page, "Fay Errors", "312-555-0166")

    def server_error(route: Route) -> None:
        route.fulfill(
            status=500,
            content_type="application/json",
            body=json.dumps(
                {"error": {"code": "internal_error", "message": "boom", "details": {}}}
            ),
        )

    page.route("**/api/booking/create", server_error)
    confirm(page)
    error = page.get_by_test_id("booking-error")
    expect(error).to_contain_text("Something went wrong on our side")
    expect(error).to_contain_text(BUSINESS_PHONE)
    page.unroute("**/api/booking/create")

    held: list[Route] = []
    page.route("**/api/booking/create", lambda route: held.append(route))  # never answers
    confirm(page)
    expect(page.get_by_role("button", name="Booking…")).to_be_visible()
    expect(error).to_contain_text("No answer from the booking system", timeout=5000)
    expect(page.get_by_role("button", name="Confirm booking")).to_be_enabled()
    release(held)
    page.unroute("**/api/booking/create")

    confirm(page)
    expect_booked(page)
    assert len(booked_for(live_server, day, "0166")) == 1


def test_api_down_shows_a_lost_connection_message(live_server: LiveServer, page: Page) -> None:
    """Checklist 6: the server really goes away between choosing and confirming."""
    day = weekday_ahead(3)
    start = local_iso(day, 15, 0)
    choose_slot(
        page, live_server.url, service="Botox", provider="Dr. Maya Patel", day=day, start=start
    )
    fill_details(page, "Gus Offline", "312-555-0177")
    live_server.stop()
    confirm(page)
    error = page.get_by_test_id("booking-error")
    expect(error).to_contain_text("Connection lost")
    expect(error).to_contain_text("you will not be booked twice")
    expect(page.get_by_role("button", name="Confirm booking")).to_be_enabled()


def test_page_load_with_the_api_down_offers_a_retry(live_server: LiveServer, page: Page) -> None:
    page.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    page.goto(live_server.url + "/")
    error = page.get_by_test_id("load-error")
    expect(error).to_contain_text("Connection lost")
    page.unroute("**/api/**")
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_test_id("service").first).to_be_visible()


def test_refresh_keeps_context_and_the_retry_books_once(
    live_server: LiveServer, page: Page
) -> None:
    """Checklist 7: the answer to the booking is lost (the server did book); after a refresh the
    choices, the typed details and the unseen error are still there, and the retry reuses the
    Idempotency-Key, so there is one booking."""
    day = weekday_ahead(3)
    start = local_iso(day, 13, 0)
    choose_slot(
        page, live_server.url, service="Botox", provider="Dr. Maya Patel", day=day, start=start
    )
    fill_details(page, "Hal Retry", "312-555-0188", notes="Please call first")
    page.reload()
    expect(page.get_by_test_id("step-heading")).to_have_text("Your details")
    expect(page.get_by_test_id("summary-time")).to_contain_text("1:00 PM")
    expect(page.get_by_label("Full name")).to_have_value("Hal Retry")
    expect(page.get_by_label("Notes for your provider (optional)")).to_have_value(
        "Please call first"
    )

    keys: list[str | None] = []
    page.on(
        "request",
        lambda request: (
            keys.append(request.headers.get("idempotency-key"))
            if request.url.endswith("/api/booking/create")
            else None
        ),
    )

    def book_then_lose_the_answer(route: Route) -> None:
        response = route.fetch()  # the server books
        assert response.status == 201
        route.abort("connectionreset")  # ...but the browser never hears back

    page.route("**/api/booking/create", book_then_lose_the_answer)
    confirm(page)
    expect(page.get_by_test_id("booking-error")).to_contain_text("Connection lost")
    assert len(booked_for(live_server, day, "0188")) == 1

    page.reload()  # the error the client may not have read survives the refresh
    expect(page.get_by_test_id("booking-error")).to_contain_text("Connection lost")
    expect(page.get_by_label("Full name")).to_have_value("Hal Retry")
    page.unroute("**/api/booking/create")
    confirm(page)
    expect_booked(page)

    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
    [appointment] = booked_for(live_server, day, "0188")
    assert appointment["start"] == start
    assert page.evaluate("sessionStorage.getItem('book.attempt')") is None


def test_refresh_during_the_request_then_retry_books_once(
    live_server: LiveServer, page: Page
) -> None:
    """Checklist 7: the page is reloaded while the booking request is in flight."""
    day = weekday_ahead(4)
    start = local_iso(day, 9, 30)
    choose_slot(
        page, live_server.url, service="Botox", provider="Dr. Maya Patel", day=day, start=start
    )
    fill_details(page, "Ida Reload", "312-555-0199")

    keys: list[str | None] = []
    held: list[Route] = []

    def book_and_hang(route: Route) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        route.fetch()  # the server books; the browser is left waiting
        held.append(route)

    page.route("**/api/booking/create", book_and_hang)
    confirm(page)
    expect(page.get_by_role("button", name="Booking…")).to_be_visible()
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    page.reload()  # (the route stays until the reload, so the held request dies with the page)
    release(held)
    page.unroute("**/api/booking/create")

    error = page.get_by_test_id("booking-error")
    expect(error).to_contain_text("Your booking was interrupted")
    expect(error).to_contain_text("you will not be booked twice")
    page.on(
        "request",
        lambda request: (
            keys.append(request.headers.get("idempotency-key"))
            if request.url.endswith("/api/booking/create")
            else None
        ),
    )
    confirm(page)
    expect_booked(page)
    assert len(keys) == 2 and keys[0] == keys[1]
    assert len(booked_for(live_server, day, "0199")) == 1


def test_no_services_says_so_and_shows_the_phone(empty_server: LiveServer, page: Page) -> None:
    page.goto(empty_server.url + "/")
    expect(page.get_by_test_id("step-heading")).to_have_text(
        "Online booking is not available right now"
    )
    phone = page.get_by_test_id("no-services-phone").get_by_role("link")
    expect(phone).to_have_text(BUSINESS_PHONE)
    expect(phone).to_have_attribute("href", "tel:+13125550142")


def test_time_formatting_follows_the_business_zone_across_daylight_saving(
    live_server: LiveServer, page: Page
) -> None:
    # The browser is in Tokyo; winter and summer instants must read as Chicago CST and CDT.
    page.goto(live_server.url + "/")
    formatted = page.evaluate(
        """async () => {
            const { businessClock } = await import('/static/js/time.js');
            const clock = businessClock('America/Chicago');
            return [
                clock.timeWithZone('2026-12-01T16:00:00Z'),
                clock.timeWithZone('2027-03-15T15:00:00Z'),
                clock.localDate('2027-03-15T04:30:00Z'),
                clock.range('2027-03-14T07:30:00Z', '2027-03-14T08:30:00Z'),
            ];
        }"""
    )
    assert formatted == ["10:00 AM CST", "10:00 AM CDT", "2027-03-14", "1:30 AM – 3:30 AM CDT"]
