"""The front desk runs the day from the provider calendar (/admin), in Chromium at 1280x800 and on
a 390x844 phone: booking from the calendar (an empty slot or "New appointment", a client found
by typing, several services, field errors, a taken time's alternatives), dragging a block to
another time, provider or day (a refused move snaps back and offers alternatives), blocked time
drawn and bookings inside it flagged, check-in and outcomes, the week view, and live updates
through the cheap version check. Booking and dragging also run on PostgreSQL. axe-core checks the
calendar, the booking form and the appointment dialog. Screenshots: test-artifacts/browser/desk-*.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    BOTOX,
    CHEN,
    FILLER,
    HYDRAFACIAL,
    PATEL,
    RIVERA,
    LiveServer,
    client,
    local_iso,
    shot,
    sign_in_admin,
)
from desk_helpers import (
    appointment,
    assert_accessible,
    click_slot,
    column,
    desk_server,
    drag_block,
    midweek_ahead,
    new_context,
    top_of,
)
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.browser

BOTH_SIZES = pytest.mark.parametrize("size", ["desktop", "phone"])
ENGINES_AND_SIZES = pytest.mark.parametrize(
    ("engine", "size"),
    [
        ("sqlite", "desktop"),
        ("sqlite", "phone"),
        pytest.param("postgresql", "desktop", marks=pytest.mark.postgres),
    ],
)


@pytest.fixture
def engine() -> str:
    return "sqlite"


@pytest.fixture
def server(
    engine: str, request: pytest.FixtureRequest, demo_template: Path, tmp_path: Path
) -> Iterator[LiveServer]:
    with desk_server(engine, request, demo_template, tmp_path) as started:
        yield started


@pytest.fixture
def desk_page(browser: Browser, server: LiveServer) -> Iterator[Callable[..., Page]]:
    """Open the signed-in calendar at a size (`desktop` 1280x800 or `phone` 390x844)."""
    contexts: list[BrowserContext] = []

    def open_page(size: str, query: str, poll_ms: int = 0) -> Page:
        context = new_context(browser, size, poll_ms or None)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors  # type: ignore[attr-defined]
        sign_in_admin(page, server.url, query)
        return page

    yield open_page
    for context in contexts:
        context.close()


def no_page_errors(page: Page) -> None:
    assert page.errors == []  # type: ignore[attr-defined]


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code < 300, response.text
    result: dict[str, Any] = response.json()
    return result


# ------------------------------------------------------------------ 1. book from the calendar
@ENGINES_AND_SIZES
def test_book_from_the_calendar(
    server: LiveServer, desk_page: Callable[..., Page], size: str
) -> None:
    day = midweek_ahead()
    # A returning client (found by typing) and a booking that makes 11:00 with Dr. Patel taken.
    server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=local_iso(day + timedelta(days=1), 9),
        client={**client("Nora Returning", "312-555-0901"), "email": "nora@example.com"},
    )
    server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=local_iso(day, 11),
        client=client("Olga Taken", "312-555-0902"),
    )
    page = desk_page(size, f"?date={day}")

    # A click on an empty slot opens the form with that provider, date and time.
    click_slot(page, column(page, day, PATEL), 14 * 60)
    form = page.get_by_role("dialog", name="New appointment")
    expect(form).to_be_visible()
    expect(form.get_by_label("Date")).to_have_value(str(day))
    expect(form.get_by_label("Start time")).to_have_value("14:00")
    expect(form.get_by_label("Provider", exact=True)).to_have_value(str(PATEL))
    expect(form).not_to_contain_text("null")

    # The client is found by typing part of the name; choosing fills the details in.
    form.get_by_label("Find a client").press_sequentially("retur", delay=30)
    suggestion = form.get_by_test_id("client-suggestion").filter(has_text="Nora Returning")
    expect(suggestion).to_be_visible()
    expect(suggestion).to_contain_text("+13125550901")
    shot(page, f"desk-{size}-book-client-search", full_page=False)
    assert_accessible(page, "the booking form with client suggestions")
    if size == "desktop":  # by keyboard
        form.get_by_label("Find a client").press("ArrowDown")
        expect(suggestion).to_have_attribute("aria-selected", "true")
        form.get_by_label("Find a client").press("Enter")
    else:
        suggestion.click()
    expect(form.get_by_label("Client name")).to_have_value("Nora Returning")
    expect(form.get_by_label("Phone")).to_have_value("+13125550901")
    expect(form.get_by_label("E-mail (optional)")).to_have_value("nora@example.com")

    # Two services: Botox then Dermal Filler, both with Dr. Patel.
    form.get_by_label("Service", exact=True).select_option(str(BOTOX))
    expect(form.get_by_label("Provider", exact=True)).to_have_value(str(PATEL))
    form.get_by_role("button", name="+ Add another service").click()
    form.get_by_label("Service 2", exact=True).select_option(str(FILLER))
    form.get_by_label("Provider 2", exact=True).select_option(str(PATEL))
    expect(form.get_by_test_id("booking-total")).to_have_text("Total 1 h 30 min")
    shot(page, f"desk-{size}-book-visit-form", full_page=False)
    form.get_by_role("button", name="Book appointment").click()
    expect(form).to_be_hidden()
    expect(page.get_by_test_id("calendar-success")).to_contain_text(
        "Booked Botox + Dermal Filler for Nora Returning"
    )
    visit = next(a for a in server.calendar(day) if a["client"]["name"] == "Nora Returning")
    assert visit["source"] == "admin" and visit["start"] == local_iso(day, 14)
    assert [(p["service_id"], p["provider_id"]) for p in visit["parts"]] == [
        (BOTOX, PATEL),
        (FILLER, PATEL),
    ]
    expect(appointment(page, visit["id"])).to_have_count(2)
    expect(appointment(page, visit["id"], 0)).to_be_focused()

    # "New appointment": a new client; the server's field error shows next to its field.
    page.get_by_role("button", name="New appointment").click()
    expect(form).to_be_visible()
    form.get_by_label("Start time").fill("11:00")
    form.get_by_label("Service", exact=True).select_option(str(BOTOX))
    form.get_by_label("Provider", exact=True).select_option(str(PATEL))
    form.get_by_label("Phone").fill("312-555-0903")
    form.get_by_role("button", name="Book appointment").click()
    name = form.get_by_label("Client name")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_test_id("booking-error")).to_have_attribute("data-code", "validation_error")
    expect(form.locator("#bk-name-error")).to_be_visible()
    expect(name).to_be_focused()
    name.fill("Walker Inn")

    # 11:00 is taken: the server's message and code, and the nearest free times as choices.
    form.get_by_role("button", name="Book appointment").click()
    error = form.get_by_test_id("booking-error")
    expect(error).to_have_attribute("data-code", "slot_unavailable")
    expect(error).to_contain_text("This time slot is no longer available")
    expect(error.get_by_test_id("booking-error-code")).to_have_text("slot_unavailable")
    choices = error.get_by_test_id("alternative")
    expect(choices.first).to_be_visible()
    shot(page, f"desk-{size}-book-taken", full_page=False)
    chosen = str(choices.first.get_attribute("data-start"))
    choices.first.click()
    expect(form.get_by_test_id("booking-chosen")).to_be_visible()
    expect(form.get_by_label("Client name")).to_have_value("Walker Inn")
    form.get_by_role("button", name="Book appointment").click()
    expect(form).to_be_hidden()
    expect(page.get_by_test_id("calendar-success")).to_contain_text("Booked Botox for Walker Inn")
    walk_in = next(a for a in server.calendar(day) if a["client"]["name"] == "Walker Inn")
    assert (walk_in["start"], walk_in["provider_id"], walk_in["source"]) == (chosen, PATEL, "admin")
    expect(appointment(page, walk_in["id"])).to_be_visible()
    shot(page, f"desk-{size}-book-done")
    no_page_errors(page)


# ------------------------------------------------------------------ 2. drag to reschedule
@ENGINES_AND_SIZES
def test_drag_to_reschedule(server: LiveServer, desk_page: Callable[..., Page], size: str) -> None:
    day = midweek_ahead()
    moving = server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=local_iso(day, 10),
        client=client("Dora Drag", "312-555-0911"),
    )["appointment"]
    server.book(
        service_id=BOTOX,
        provider_id=RIVERA,
        start=local_iso(day, 11, 30),
        client=client("Bea Blocking", "312-555-0912"),
    )
    page = desk_page(size, f"?date={day}")
    block = appointment(page, moving["id"])

    # To another provider and time: Dr. Patel 10:00 -> Jessica Rivera 10:30 (snapped to 15 min).
    drag_block(page, block, column(page, day, RIVERA), 10 * 60 + 30)
    expect(page.get_by_test_id("calendar-success")).to_contain_text("Moved Botox for Dora Drag to")
    expect(
        column(page, day, RIVERA).locator(f"[data-appointment-id='{moving['id']}']")
    ).to_be_visible()
    expect(block).to_contain_text("10:30 AM–11:00 AM")
    [stored] = [a for a in server.calendar(day) if a["id"] == moving["id"]]
    assert (stored["start"], stored["provider_id"]) == (local_iso(day, 10, 30), RIVERA)

    # Onto a taken time: refused, the block snaps back, the reason and alternatives are shown.
    before = top_of(block)
    drag_block(page, block, column(page, day, RIVERA), 11 * 60 + 30)
    dialog = page.get_by_role("dialog")
    error = dialog.get_by_test_id("dialog-error")
    expect(error).to_have_attribute("data-code", "slot_unavailable")
    expect(error.get_by_test_id("refused-move")).to_contain_text("It stays where it was")
    expect(error).to_contain_text("This time slot is no longer available")
    assert top_of(block) == pytest.approx(before, abs=1)
    shot(page, f"desk-{size}-drag-refused", full_page=False)
    choice = error.get_by_test_id("alternative").first
    chosen = str(choice.get_attribute("data-start"))
    choice.click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("calendar-success")).to_contain_text("Moved Botox for Dora Drag")
    [stored] = [a for a in server.calendar(day) if a["id"] == moving["id"]]
    assert stored["start"] == chosen

    # In the week (one provider's columns), to the next day: the calendar follows it.
    page.get_by_label("Provider", exact=True).select_option(str(stored["provider_id"]))
    page.get_by_role("button", name="Week", exact=True).click()
    expect(page.get_by_test_id("calendar")).to_have_attribute("data-view", "week")
    next_day = day + timedelta(days=1)
    at = datetime.fromisoformat(stored["start"])
    drag_block(page, block, column(page, next_day, stored["provider_id"]), at.hour * 60 + at.minute)
    expect(page.get_by_test_id("calendar-success")).to_contain_text("Moved Botox for Dora Drag")
    expect(page).to_have_url(re.compile(f"date={next_day}"))
    expect(
        column(page, next_day, stored["provider_id"]).locator(
            f"[data-appointment-id='{moving['id']}']"
        )
    ).to_be_focused()
    [stored] = server.calendar(next_day)
    assert stored["start"] == local_iso(next_day, at.hour, at.minute)
    shot(page, f"desk-{size}-drag-week")
    no_page_errors(page)


def test_drag_one_part_of_a_visit_to_another_provider(
    server: LiveServer, desk_page: Callable[..., Page]
) -> None:
    """The whole visit moves with the dragged part; here only that part changes provider."""
    day = midweek_ahead()
    visit = server.book(
        services=[
            {"service_id": BOTOX, "provider_id": PATEL},
            {"service_id": FILLER, "provider_id": PATEL},
        ],
        start=local_iso(day, 15),
        client=client("Vi Visit", "312-555-0941"),
    )["appointment"]
    page = desk_page("desktop", f"?date={day}")
    drag_block(page, appointment(page, visit["id"], 1), column(page, day, RIVERA), 15 * 60 + 30)
    expect(page.get_by_test_id("calendar-success")).to_contain_text(
        "Moved Botox + Dermal Filler for Vi Visit"
    )
    expect(
        column(page, day, RIVERA).locator(f"[data-appointment-id='{visit['id']}']")
    ).to_have_attribute("data-part-index", "1")
    [moved] = server.calendar(day)
    assert moved["start"] == local_iso(day, 15)
    assert [p["provider_id"] for p in moved["parts"]] == [PATEL, RIVERA]
    no_page_errors(page)


# ------------------------------------------------------------------ 3, 4. blocked time, check-in
@BOTH_SIZES
def test_blocked_time_flags_and_check_in(
    server: LiveServer, desk_page: Callable[..., Page], size: str
) -> None:
    day = midweek_ahead()
    closed_day = day + timedelta(days=1)

    def booked(provider: int, service: int, start: str, name: str, phone: str) -> dict[str, Any]:
        answer = server.book(
            service_id=service, provider_id=provider, start=start, client=client(name, phone)
        )
        result: dict[str, Any] = answer["appointment"]
        return result

    arrives = booked(PATEL, BOTOX, local_iso(day, 10), "Ari Arrives", "312-555-0921")
    no_show = booked(PATEL, BOTOX, local_iso(day, 11), "Nell Noshow", "312-555-0922")
    in_time_off = booked(CHEN, HYDRAFACIAL, local_iso(day, 14), "Tess Timeoff", "312-555-0923")
    on_closed_day = booked(PATEL, BOTOX, local_iso(closed_day, 10), "Cora Closed", "312-555-0924")
    # Time off and a closure added after those bookings (allowed; the calendar flags them).
    ok(
        server.admin(
            "POST",
            f"/api/admin/providers/{CHEN}/time-off",
            json={"start": f"{day}T14:00", "end": f"{day}T15:00", "reason": "Dentist"},
        )
    )
    ok(
        server.admin(
            "POST",
            "/api/admin/closures",
            json={"date": str(closed_day), "reason": "Staff training"},
        )
    )
    laser_room = next(
        r
        for r in ok(server.admin("GET", "/api/admin/resources"))["resources"]
        if r["name"] == "Laser Room"
    )
    ok(
        server.admin(
            "POST",
            f"/api/admin/resources/{laser_room['id']}/time-off",
            json={"start": f"{day}T16:00", "end": f"{day}T17:00", "reason": "Maintenance"},
        )
    )

    page = desk_page(size, f"?date={day}")
    time_off = column(page, day, CHEN).locator("[data-testid=blocked][data-kind=time_off]")
    expect(time_off).to_have_text("Time off: Dentist")
    expect(column(page, day, PATEL).locator("[data-kind=break]")).to_have_text("Break")
    # Hours off: the rows start at 9 (the earliest opening), so only 5 PM on shows for her.
    expect(column(page, day, PATEL).locator("[data-kind=off_hours]")).to_have_count(1)
    assert top_of(time_off) == pytest.approx(top_of(appointment(page, in_time_off["id"])), abs=1)
    flagged = appointment(page, in_time_off["id"])
    expect(flagged).to_have_attribute("data-flagged", "time_off")
    expect(flagged).to_have_accessible_name(
        re.compile(
            r"^Web 2:00 PM–3:00 PM HydraFacial Tess Timeoff"
            r".*Warning: in Ashley Chen's time off \(Dentist\)$"
        )
    )
    expect(appointment(page, arrives["id"])).not_to_have_attribute("data-flagged", re.compile("."))
    shot(page, f"desk-{size}-blocked-day")
    assert_accessible(page, "the day view with blocked time")
    flagged.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_test_id("dialog-flag")).to_contain_text("Ashley Chen's time off (Dentist)")
    dialog.get_by_role("button", name="Close").click()

    # Check-in: arrived (no longer movable), then completed; another one is a no-show.
    appointment(page, arrives["id"]).click()
    dialog.get_by_role("button", name="Mark arrived").click()
    expect(page.get_by_test_id("calendar-success")).to_contain_text(
        "Ari Arrives checked in (arrived)"
    )
    expect(appointment(page, arrives["id"])).to_have_attribute("data-status", "arrived")
    expect(appointment(page, arrives["id"])).to_contain_text("Arrived")
    appointment(page, arrives["id"]).click()
    expect(dialog.get_by_test_id("dialog-status")).to_have_text("Arrived")
    expect(dialog.get_by_role("button", name="Move")).to_have_count(0)
    shot(page, f"desk-{size}-arrived-dialog", full_page=False)
    assert_accessible(page, "the appointment dialog of an arrived client")
    dialog.get_by_role("button", name="Mark completed").click()
    expect(appointment(page, arrives["id"])).to_have_attribute("data-status", "completed")
    appointment(page, no_show["id"]).click()
    dialog.get_by_role("button", name="Mark no-show").click()
    expect(page.get_by_test_id("calendar-success")).to_contain_text("marked no-show")
    expect(appointment(page, no_show["id"])).to_have_attribute("data-status", "no_show")
    statuses = {a["id"]: a["status"] for a in server.calendar(day)}
    assert (statuses[arrives["id"]], statuses[no_show["id"]]) == ("completed", "no_show")

    # Room and device maintenance, in the by-resource view.
    page.get_by_role("button", name="By resource").click()
    room = page.locator(f".cal-col[data-date='{day}'][data-resource-id='{laser_room['id']}']")
    expect(room.locator("[data-kind=resource_time_off]")).to_have_text("Unavailable: Maintenance")
    page.get_by_role("button", name="By provider").click()

    # A closed day: shaded in every column, and the booking on it flagged.
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_test_id("view-title")).to_contain_text(closed_day.strftime("%B %-d"))
    closures = page.locator(f".cal-col[data-date='{closed_day}'] [data-kind=closure]")
    expect(closures).to_have_count(4)
    expect(closures.first).to_have_text("Closed: Staff training")
    expect(appointment(page, on_closed_day["id"])).to_have_attribute("data-flagged", "closure")
    shot(page, f"desk-{size}-closed-day")
    no_page_errors(page)


# ------------------------------------------------------------------ 5, 6. week view, live
@BOTH_SIZES
def test_week_view_and_live_updates(
    server: LiveServer, desk_page: Callable[..., Page], size: str
) -> None:
    day = midweek_ahead()
    rae = server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=local_iso(day, 10),
        client=client("Rae Web", "312-555-0931"),
    )["appointment"]
    gone = server.book(
        service_id=BOTOX,
        provider_id=RIVERA,
        start=local_iso(day, 13),
        client=client("Gus Gone", "312-555-0932"),
    )["appointment"]
    ok(server.admin("POST", "/api/booking/cancel", json={"appointment_id": gone["id"]}))
    page = desk_page(size, f"?date={day}&view=week", poll_ms=600)
    calendar = page.get_by_test_id("calendar")
    expect(calendar).to_have_attribute("data-view", "week")

    # Cancelled blocks are hidden by default; the toggle shows them and stays in the URL.
    expect(appointment(page, rae["id"])).to_be_visible()
    expect(appointment(page, gone["id"])).to_have_count(0)
    page.get_by_label("Show cancelled").check()
    expect(appointment(page, gone["id"])).to_have_attribute("data-status", "cancelled")
    expect(page).to_have_url(re.compile("cancelled=show"))
    page.reload()
    expect(appointment(page, gone["id"])).to_be_visible()
    page.goto(f"{server.url}/admin?date={day}&view=week&cancelled=hide")  # old links still work
    expect(appointment(page, rae["id"])).to_be_visible()
    expect(appointment(page, gone["id"])).to_have_count(0)

    scroller = page.locator(".calendar-scroll")
    expect(page.get_by_test_id("week-day")).to_have_count(7)
    if size == "desktop":
        # Seven days of four providers fit 1280 px: no sideways scrolling.
        assert scroller.evaluate("n => n.scrollWidth <= n.clientWidth + 1")
    shot(page, f"desk-{size}-week-all")

    # One provider: seven readable columns; a 30-minute block shows time and client on one line.
    page.get_by_label("Provider", exact=True).select_option(str(PATEL))
    block = appointment(page, rae["id"])
    main_line = block.locator(".appt-main")
    assert scroller.evaluate("n => n.scrollWidth <= n.clientWidth + 1")
    if size == "desktop":
        expect(main_line).to_have_text("10:00 AM Rae Web", use_inner_text=True)
        assert main_line.evaluate("n => n.scrollWidth <= n.clientWidth")  # not cut off
    else:  # seven days in 390 px: the short time, the client under it
        expect(main_line).to_have_text("10a Rae Web", use_inner_text=True)
    # Details on keyboard focus (and hover).
    block.focus()
    tip = page.get_by_test_id("appt-tip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("Rae Web")
    expect(tip).to_contain_text("with Dr. Maya Patel")
    shot(page, f"desk-{size}-week-one-provider", full_page=False)
    page.keyboard.press("Tab")
    expect(tip).to_be_hidden()
    assert_accessible(page, "the week view")

    # Live: a web booking appears by itself, while the booking form stays open as it was.
    page.get_by_role("button", name="New appointment").click()
    form = page.get_by_role("dialog", name="New appointment")
    form.get_by_label("Client name").fill("Still Typing")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.wait_for_timeout(1500)  # a few polls with nothing new: only the version is asked
    assert any("/api/admin/calendar/version" in url for url in requests)
    assert not any(re.search(r"/api/admin/calendar\?", url) for url in requests)
    fresh = server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=local_iso(day, 15),
        client=client("Neu Web", "312-555-0933"),
    )["appointment"]
    expect(appointment(page, fresh["id"])).to_be_attached(timeout=5_000)
    assert any(re.search(r"/api/admin/calendar\?", url) for url in requests)
    expect(form).to_be_visible()
    expect(form.get_by_label("Client name")).to_have_value("Still Typing")
    expect(page).to_have_url(re.compile(f"provider={PATEL}"))
    expect(calendar).to_have_attribute("data-view", "week")
    form.get_by_role("button", name="Cancel").click()
    expect(form).to_be_hidden()
    no_page_errors(page)
