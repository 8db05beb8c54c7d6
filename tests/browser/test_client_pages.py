"""The client pages against issue 17, in Chromium at 390x844 and 1280x800: closed and full days,
the whole booking horizon, the phone scrolling to the times, a confirmation showing what the
client typed and the policy before Confirm, no online-change promise inside the cutoff, the .ics
and Google Calendar links, server field errors beside their field, the provider's profile, the
stale-link and no-services states, embedding (allowed and refused) and CORS. axe-core checks every
client page on the way (no serious or critical violation)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import icalendar
import pytest
from browser_helpers import (
    BOTOX,
    BUSINESS_PHONE,
    CHICAGO,
    CONSULTATION,
    LOPEZ,
    PATEL,
    LiveServer,
    business_today,
    choose_slot,
    confirm,
    expect_booked,
    fill_details,
    local_iso,
    shot,
    weekday_ahead,
)
from client_helpers import (
    SIZES,
    assert_accessible,
    client_context,
    demo_server,
    embed_page,
    foreign_sites,
    postgres_demo_server,
    weekday_from,
)
from playwright.sync_api import Browser, Frame, Page, expect
from playwright.sync_api import Error as PlaywrightError

pytestmark = pytest.mark.browser

POLICIES = "Please arrive 10 minutes early.\nA missed appointment may be charged."
BOTOX_PREPARATION = "Avoid alcohol for 24 hours before your treatment."


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def client_page(browser: Browser, size: str) -> Iterator[Page]:
    ctx = client_context(browser, size)
    yield ctx.new_page()
    ctx.close()


@pytest.fixture
def server(demo_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    live = demo_server(demo_template, tmp_path)
    yield live
    live.stop()


def admin_ok(server: LiveServer, method: str, path: str, body: dict[str, Any]) -> None:
    response = server.admin(method, path, json=body)
    assert response.status_code in (200, 201), response.text


def ics_events(page: Page) -> list[Any]:
    link = page.get_by_test_id("ics-download")
    expect(link).to_have_attribute("href", re.compile(r"^blob:"))
    with page.expect_download() as download:
        link.click()
    data = Path(download.value.path()).read_bytes()
    calendar = icalendar.Calendar.from_ical(data)
    return list(calendar.walk("VEVENT"))


def in_view(page: Page, selector: str) -> bool:
    return bool(
        page.evaluate(
            """(selector) => {
                const box = document.querySelector(selector).getBoundingClientRect();
                return box.top >= 0 && box.top < window.innerHeight * 0.75;
            }""",
            selector,
        )
    )


# --------------------------------------------------------------------------- days and times
def test_closed_and_full_days_and_times_by_part_of_day(
    server: LiveServer, client_page: Page, size: str
) -> None:
    page = client_page
    closed = weekday_ahead(3)
    full = weekday_ahead(3, skip=1)
    admin_ok(server, "POST", "/api/admin/closures", {"date": str(closed), "reason": "Training"})
    # Dr. Patel is off all day but ten minutes: working time is left, a 30-minute Botox is not.
    admin_ok(
        server,
        "POST",
        f"/api/admin/providers/{PATEL}/time-off",
        {"start": f"{full}T09:00", "end": f"{full}T16:50"},
    )
    page.goto(f"{server.url}/?service={BOTOX}&provider={PATEL}&step=time")
    closed_button = page.locator(f"[data-testid=date][data-date='{closed}']")
    full_button = page.locator(f"[data-testid=date][data-date='{full}']")
    expect(closed_button).to_have_attribute("data-status", "closed")
    expect(closed_button).to_contain_text("Closed")
    expect(closed_button).to_be_disabled()
    expect(full_button).to_have_attribute("data-status", "full")
    expect(full_button).to_contain_text("Full")
    expect(full_button).to_be_disabled()
    # A weekend day (nobody works for Dr. Patel) is closed, not full.
    weekend = page.locator("[data-testid=date]").evaluate_all(
        """(buttons) => buttons.filter(b => [0, 6].includes(new Date(b.dataset.date + 'T12:00Z')
                .getUTCDay())).map(b => b.dataset.status + ' ' + b.textContent)"""
    )
    assert weekend and all(text.startswith("closed") and "Closed" in text for text in weekend)
    assert_accessible(page, "time step")
    shot(page, f"client-{size}-closed-and-full")

    # Brianna Lopez works 11 to 7: her times come as Morning, Afternoon and Evening; on a phone
    # the tapped date brings them into view.
    day = weekday_ahead(3, skip=2)
    page.goto(f"{server.url}/?service={CONSULTATION}&provider={LOPEZ}&step=time")
    last_date = page.locator("[data-testid=date]").last
    expect(last_date).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    page.locator(f"[data-testid=date][data-date='{day}']").click()
    expect(page.locator("#times-title")).to_contain_text(re.compile(r"C[SD]T"))
    groups = page.get_by_test_id("time-group")
    expect(groups).to_have_count(3)
    assert [g.get_attribute("data-period") for g in groups.all()] == [
        "morning",
        "afternoon",
        "evening",
    ]
    expect(groups.nth(0).get_by_role("heading")).to_have_text("Morning")
    expect(groups.nth(2).get_by_test_id("time").first).to_have_text("5:00 PM")
    page.wait_for_function(
        "() => { const t = document.querySelector('#times-title').getBoundingClientRect();"
        " return t.top >= 0 && t.top < innerHeight * 0.75; }"
    )
    if size == "phone":
        assert page.evaluate("window.scrollY") > 0  # the page moved to show the times
    assert in_view(page, "#times-title")
    shot(page, f"client-{size}-times-by-part-of-day", full_page=False)


def test_next_available_jumps_past_empty_weeks(server: LiveServer, client_page: Page) -> None:
    today = business_today()
    # Dr. Patel is away for three weeks: the first two weeks shown have nothing.
    admin_ok(
        server,
        "POST",
        f"/api/admin/providers/{PATEL}/time-off",
        {"start": f"{today}T00:00", "end": f"{today + timedelta(days=21)}T00:00"},
    )
    first_free = weekday_from(21)
    page = client_page
    page.goto(f"{server.url}/?service={BOTOX}&provider={PATEL}&step=time")
    empty = page.get_by_test_id("no-free-here")
    expect(empty).to_contain_text("Next available: " + first_free.strftime("%a %b %-d"))
    assert_accessible(page, "no free times in the window")
    shot(page, "client-next-available")
    empty.get_by_test_id("next-available").click()
    chosen = page.locator(f"[data-testid=date][data-date='{first_free}']")
    expect(chosen).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("time").first).to_have_attribute(
        "data-start", local_iso(first_free, 9)
    )
    expect(page.get_by_test_id("previous-week")).to_be_enabled()


# --------------------------------------------------------------------------- the booking flow
@pytest.fixture
def flow_server(
    engine: str, request: pytest.FixtureRequest, demo_template: Path, tmp_path: Path
) -> Iterator[LiveServer]:
    if engine == "postgresql":
        live = postgres_demo_server(str(request.getfixturevalue("postgres_url")))
    else:
        live = demo_server(demo_template, tmp_path)
    yield live
    live.stop()


@pytest.mark.parametrize(
    ("engine", "size"), [("sqlite", "desktop"), ("sqlite", "phone"), ("postgresql", "desktop")]
)
def test_booking_day_80_policy_typed_contact_and_calendar(
    flow_server: LiveServer, client_page: Page, engine: str, size: str
) -> None:
    server, page = flow_server, client_page
    admin_ok(server, "PUT", "/api/admin/policies", {"text": POLICIES})
    admin_ok(server, "PATCH", f"/api/admin/services/{BOTOX}", {"preparation": BOTOX_PREPARATION})
    target = weekday_from(80)
    start = local_iso(target, 10)

    page.goto(server.url + "/")
    expect(page.get_by_test_id("service").first).to_be_visible()
    assert_accessible(page, "service step")
    page.get_by_test_id("service").filter(has_text="Botox").click()
    expect(page.get_by_test_id("provider").first).to_be_visible()
    assert_accessible(page, "provider step")
    page.get_by_test_id("provider").filter(has_text="Dr. Maya Patel").click()
    expect(page.get_by_test_id("date").first).to_be_visible()
    expect(page.get_by_test_id("previous-week")).to_be_disabled()

    wanted = page.locator(f"[data-testid=date][data-date='{target}']")
    for _ in range(14):
        if wanted.count():
            break
        first = page.get_by_test_id("date").first.get_attribute("data-date")
        page.get_by_test_id("next-week").click()
        expect(page.get_by_test_id("date").first).not_to_have_attribute("data-date", first or "")
    expect(wanted).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    wanted.click()
    page.wait_for_function(
        "() => { const t = document.querySelector('#times-title').getBoundingClientRect();"
        " return t.top >= 0 && t.top < innerHeight * 0.75; }"
    )
    page.locator(f"[data-testid=time][data-start='{start}']").click()

    # Before Confirm: the change cutoff, the owner's policy and how to prepare.
    expect(page.get_by_test_id("step-heading")).to_have_text("Your details")
    policy = page.get_by_test_id("booking-policy")
    expect(policy.get_by_test_id("cutoff-policy")).to_contain_text(
        "You can move or cancel it online up to 24 hours before it starts"
    )
    expect(policy).to_contain_text("A missed appointment may be charged.")
    expect(page.get_by_test_id("preparation")).to_contain_text(BOTOX_PREPARATION)
    fill_details(page, "Kay Eighty", "(312) 555-0180", email="Kay.Eighty@Example.com")
    assert_accessible(page, "details step")
    shot(page, f"client-{engine}-{size}-details-policy")
    confirm(page)
    expect_booked(page)

    # The phone and e-mail exactly as typed, also after a refresh; the API's stay masked.
    for _ in range(2):
        expect(page.get_by_test_id("done-phone")).to_have_text("(312) 555-0180")
        expect(page.get_by_test_id("done-email")).to_have_text("Kay.Eighty@Example.com")
        expect(page.get_by_test_id("change-online")).to_be_visible()
        page.reload()
        expect_booked(page)
    assert_accessible(page, "confirmation")
    shot(page, f"client-{engine}-{size}-confirmation")
    [appointment] = [a for a in server.calendar(target) if a["status"] == "booked"]
    assert appointment["start"] == start

    # Add to calendar: the .ics in business-local time, and Google without the manage link.
    [event] = ics_events(page)
    assert event.decoded("dtstart") == datetime.fromisoformat(start)
    assert event.decoded("dtstart").astimezone(CHICAGO).strftime("%H:%M") == "10:00"
    assert event.decoded("dtend").astimezone(CHICAGO).strftime("%H:%M") == "10:30"
    google = page.get_by_test_id("google-calendar").get_attribute("href") or ""
    assert google.startswith("https://calendar.google.com/calendar/render?")
    query = parse_qs(urlsplit(google).query)
    utc = datetime.fromisoformat(start).astimezone(UTC)
    assert query["action"] == ["TEMPLATE"]
    assert query["dates"][0].startswith(utc.strftime("%Y%m%dT%H%M%SZ") + "/")
    assert "Botox" in query["text"][0]
    assert "token" not in google and "/booking/" not in google
    assert BUSINESS_PHONE in query["details"][0]


# --------------------------------------------------------------------------- inside the cutoff
def test_a_booking_inside_the_cutoff_offers_no_online_change(
    demo_template: Path, tmp_path: Path, client_page: Page
) -> None:
    # A 30-day cutoff: every time the page offers is inside it, whatever today's date.
    server = demo_server(demo_template, tmp_path, change_cutoff_hours=30 * 24)
    page = client_page
    try:
        day = weekday_ahead(3)
        start = local_iso(day, 11)
        choose_slot(
            page, server.url, service="Botox", provider="Dr. Maya Patel", day=day, start=start
        )
        expect(page.get_by_test_id("cutoff-policy")).to_contain_text(
            "cannot be moved or cancelled online"
        )
        fill_details(page, "Lia Late", "312-555-0190")
        confirm(page)
        expect_booked(page)
        by_phone = page.get_by_test_id("change-by-phone")
        expect(by_phone).to_contain_text("cannot be moved or cancelled online")
        expect(by_phone.get_by_role("link", name=BUSINESS_PHONE)).to_have_attribute(
            "href", "tel:+13125550142"
        )
        expect(page.get_by_test_id("change-online")).to_have_count(0)
        shot(page, "client-inside-cutoff-confirmation")
        text = page.locator("main").inner_text()
        assert "Need to cancel or change it?" not in text
        assert "anyone with it can change" not in text

        page.get_by_test_id("manage-link").click()
        expect(page.get_by_test_id("too-late")).to_contain_text("Too late to change online")
        expect(
            page.get_by_test_id("too-late").get_by_role("link", name=BUSINESS_PHONE)
        ).to_be_visible()
        expect(page.get_by_role("button", name="Cancel appointment")).to_have_count(0)
        expect(page.get_by_role("button", name="Pick a new time")).to_have_count(0)
        [event] = ics_events(page)
        assert event.decoded("dtstart").astimezone(CHICAGO).isoformat() == start
        assert_accessible(page, "manage page inside the cutoff")
    finally:
        server.stop()


def test_the_manage_page_browses_the_horizon_and_is_accessible(
    server: LiveServer, client_page: Page
) -> None:
    day = weekday_ahead(3)
    booking = server.book(
        service_id=BOTOX,
        provider_id=PATEL,
        start=local_iso(day, 9),
        client={"name": "Mo Manage", "phone": "312-555-0191"},
    )
    page = client_page
    page.goto(
        f"{server.url}/booking/{booking['appointment']['id']}#token={booking['manage_token']}"
    )
    expect(page.get_by_test_id("appointment-status")).to_have_text("Booked")
    expect(page.get_by_test_id("add-to-calendar")).to_be_visible()
    assert_accessible(page, "manage page")
    page.get_by_role("button", name="Pick a new time").click()
    first = page.get_by_test_id("date").first
    expect(first).to_have_attribute("data-date", str(business_today()))
    page.get_by_test_id("next-week").click()
    expect(page.get_by_test_id("date").first).not_to_have_attribute(
        "data-date", str(business_today())
    )
    expect(page.get_by_test_id("previous-week")).to_be_enabled()
    assert_accessible(page, "manage page, new time")


# --------------------------------------------------------------------------- errors and states
def test_a_server_field_error_is_shown_next_to_its_field(
    server: LiveServer, client_page: Page
) -> None:
    page = client_page
    day = weekday_ahead(3)
    choose_slot(
        page,
        server.url,
        service="Botox",
        provider="Dr. Maya Patel",
        day=day,
        start=local_iso(day, 14),
    )
    fill_details(page, "Ned Number", "(000) 000-0000")  # digits enough for the page, not real
    confirm(page)
    phone = page.get_by_label("Mobile phone")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("field-error-phone")).to_contain_text("valid phone number")
    expect(phone).to_be_focused()
    expect(page.get_by_test_id("booking-error")).to_contain_text("Mobile phone")
    expect(page.get_by_test_id("field-error-name")).to_have_text("")
    assert_accessible(page, "field error")
    assert server.calendar(day) == []


def test_a_stale_link_says_so_before_the_form(server: LiveServer, client_page: Page) -> None:
    page = client_page
    start = local_iso(business_today() - timedelta(days=1), 9).replace("+", "%2B")
    page.goto(f"{server.url}/?service={BOTOX}&provider={PATEL}&start={start}&step=details")
    error = page.get_by_test_id("booking-error")
    expect(error).to_contain_text("has already passed")
    expect(error.get_by_role("button", name="Choose another time")).to_be_visible()
    form = page.get_by_role("form", name="Your details")
    expect(form).to_be_visible()
    error_box, form_box = error.bounding_box(), form.bounding_box()
    assert error_box and form_box and error_box["y"] < form_box["y"]
    assert_accessible(page, "stale link")


def test_the_no_services_page_hides_the_step_bar(
    empty_server: LiveServer, client_page: Page
) -> None:
    page = client_page
    page.goto(empty_server.url + "/")
    expect(page.get_by_test_id("no-services-phone")).to_be_visible()
    expect(page.locator(".steps")).to_have_count(0)
    assert_accessible(page, "no services")


def test_provider_photo_and_bio(server: LiveServer, client_page: Page) -> None:
    bio = "Dr. Patel has led the spa's injectables for ten years."
    admin_ok(
        server,
        "PATCH",
        f"/api/admin/providers/{PATEL}",
        {"photo_url": f"{server.url}/static/favicon.svg", "bio": bio},
    )
    page = client_page
    page.goto(f"{server.url}/?service={BOTOX}&step=provider")
    photo = page.get_by_role("img", name="Photo of Dr. Maya Patel")
    expect(photo).to_be_visible()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=provider-photo]').naturalWidth > 0"
    )
    expect(page.get_by_test_id("provider-bio")).to_have_text(bio)
    button = page.get_by_test_id("provider").filter(has_text="Dr. Maya Patel")
    expect(button).to_have_accessible_description(bio)
    assert_accessible(page, "provider step with a profile")
    shot(page, "client-provider-profile")


# --------------------------------------------------------------------------- embedding and CORS
def test_embedding_is_allowed_from_a_listed_origin_only_and_cors_never_on_admin(
    demo_template: Path, tmp_path: Path, browser: Browser
) -> None:
    with foreign_sites(2) as (listed, other):
        server = demo_server(demo_template, tmp_path, embed_origins=listed.origin)
        ctx = client_context(browser, "desktop", axe=False)  # the CSP is what is tested here
        try:
            listed.page = other.page = embed_page(server.url, BOTOX)

            # The listed site shows the booking page in a frame that sizes itself.
            page = ctx.new_page()
            page.goto(listed.origin + "/")
            frame = page.frame_locator("iframe")
            expect(frame.get_by_test_id("step-heading")).to_have_text("Choose a provider")
            expect(frame.locator(".site-header")).to_be_hidden()
            frame.get_by_test_id("provider").first.click()
            expect(frame.get_by_test_id("date").first).to_be_visible()
            child = next(f for f in page.frames if f.url.startswith(server.url))
            assert "embed=1" in child.url  # an embedded page stays embedded from step to step
            page.wait_for_function(
                """() => {
                    const frame = document.querySelector('iframe');
                    const inner = frame.contentDocument;  // null: another origin
                    return !inner && parseFloat(frame.style.height) > 640;
                }"""
            )
            content = child.evaluate(
                "Math.ceil(document.documentElement.getBoundingClientRect().height)"
            )
            page.wait_for_function(
                "(h) => Math.abs(parseFloat(document.querySelector('iframe').style.height) - h)"
                " < 2",
                arg=content,
            )
            # ...and its scripts may call the public API, never the admin API.
            calls = page.evaluate(
                """async (base) => {
                    const call = (path, headers) => fetch(base + path, {headers})
                        .then(r => r.status, () => 'refused');
                    return [await call('/api/services'),
                            await call('/api/admin/calendar',
                                       {Authorization: 'Bearer admin-token-for-browser-tests'})];
                }""",
                server.url,
            )
            assert calls == [200, "refused"]
            shot(page, "client-embedded")

            # Another site gets no frame (the browser says why) and no API.
            page = ctx.new_page()
            said: list[str] = []
            page.on("console", lambda m: said.append(m.text))
            page.goto(other.origin + "/")
            expect(page.locator("iframe")).to_have_count(1)
            page.wait_for_function(
                "() => document.querySelector('iframe').style.height === ''"
                " || document.querySelector('iframe').style.height === '640px'"
            )
            for _ in range(30):
                if any("frame-ancestors" in text for text in said):
                    break
                page.wait_for_timeout(100)
            assert any("frame-ancestors" in text for text in said), said
            assert not any(_shows_booking(f) for f in page.frames if f != page.main_frame)
            assert (
                page.evaluate(
                    "(base) => fetch(base + '/api/services').then(r => r.status, () => 'refused')",
                    server.url,
                )
                == "refused"
            )

            # The headers behind it.
            policy = httpx.get(server.url + "/").headers
            assert f"frame-ancestors 'self' {listed.origin}" in policy["content-security-policy"]
            assert "x-frame-options" not in policy
            public = httpx.get(server.url + "/api/services", headers={"Origin": listed.origin})
            assert public.headers["access-control-allow-origin"] == listed.origin
            preflight = httpx.options(
                server.url + "/api/admin/calendar",
                headers={
                    "Origin": listed.origin,
                    "Access-Control-Request-Method": "GET",
                    "Access-Control-Request-Headers": "authorization",
                },
            )
            assert "access-control-allow-origin" not in preflight.headers
            stranger = httpx.get(server.url + "/api/services", headers={"Origin": other.origin})
            assert "access-control-allow-origin" not in stranger.headers
        finally:
            ctx.close()
            server.stop()


def _shows_booking(frame: Frame) -> bool:
    try:
        return bool(frame.evaluate("!!document.getElementById('app')"))
    except PlaywrightError:
        return False
