"""The front desk in Chromium: the booking page shows the owner's policies, the FAQ and how to
prepare for the chosen service; the admin calendar lists callback requests (one left while the
page is open appears by itself) and marks one done; the "Policies & FAQ" page edits the policy
text, the FAQ and a service's preparation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from booking_core import Callback, UnitOfWork, request_callback
from booking_core.adapters.database import create_database_engine
from browser_helpers import (
    BOTOX,
    CONSULTATION,
    LiveServer,
    choose_slot,
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

POLICIES = "Please arrive 10 minutes early.\nCancellations need 24 hours' notice."
FAQ = [
    {"question": "Is there parking?", "answer": "Yes, free parking behind the building."},
    {"question": "Can I bring a friend?", "answer": "Yes, the waiting room seats four."},
]
BOTOX_PREPARATION = "Avoid alcohol and blood thinners for 24 hours before your treatment."


@pytest.fixture
def server_uow(live_server: LiveServer) -> Iterator[UnitOfWork]:
    """booking_core on the started server's database (as the AI receptionist would use it)."""
    engine = create_database_engine(live_server.settings.database_url)
    yield UnitOfWork(live_server.settings, engine=engine)
    engine.dispose()


def admin_ok(server: LiveServer, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = server.admin(method, path, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def callbacks(server: LiveServer, status: str) -> list[dict[str, Any]]:
    response = server.admin("GET", f"/api/admin/callbacks?status={status}")
    response.raise_for_status()
    found: list[dict[str, Any]] = response.json()["callbacks"]
    return found


def test_the_booking_page_shows_the_policies_faq_and_preparation(
    live_server: LiveServer, page: Page
) -> None:
    admin_ok(live_server, "PUT", "/api/admin/policies", {"text": POLICIES})
    admin_ok(live_server, "PUT", "/api/admin/faq", {"entries": FAQ})
    admin_ok(
        live_server, "PATCH", f"/api/admin/services/{BOTOX}", {"preparation": BOTOX_PREPARATION}
    )
    admin_ok(live_server, "PATCH", f"/api/admin/services/{CONSULTATION}", {"preparation": ""})

    page.goto(live_server.url + "/")
    policies = page.get_by_test_id("policies")
    expect(policies.get_by_role("heading")).to_have_text("Our policies")
    expect(policies).to_contain_text("Please arrive 10 minutes early.")
    expect(policies).to_contain_text("Cancellations need 24 hours' notice.")
    faq = page.get_by_test_id("faq")
    expect(faq.get_by_role("heading")).to_have_text("Frequently asked questions")
    expect(faq.get_by_test_id("faq-question")).to_have_text([e["question"] for e in FAQ])
    answer = faq.get_by_test_id("faq-answer").first
    expect(answer).to_be_hidden()  # a question opens its answer
    faq.get_by_text("Is there parking?").click()
    expect(answer).to_be_visible()
    expect(answer).to_have_text(FAQ[0]["answer"])
    shot(page, "booking-policies-faq")

    # A service without preparation says nothing about it; Botox says how to prepare.
    page.get_by_test_id("service").filter(has_text="Consultation").click()
    expect(page.get_by_test_id("step-heading")).to_have_text("Choose a provider")
    expect(page.get_by_test_id("preparation")).to_have_count(0)
    day = weekday_ahead(3)
    start = local_iso(day, 10, 30)
    choose_slot(
        page, live_server.url, service="Botox", provider="Dr. Maya Patel", day=day, start=start
    )
    preparation = page.get_by_test_id("preparation")
    expect(preparation.get_by_role("heading")).to_have_text("How to prepare")
    expect(preparation).to_contain_text(BOTOX_PREPARATION)
    expect(page.get_by_test_id("policies")).to_be_visible()  # on every step

    fill_details(page, "Prue Pared", "(312) 555-0161")
    confirm(page)
    expect_booked(page)
    expect(page.get_by_test_id("preparation")).to_contain_text(BOTOX_PREPARATION)
    shot(page, "booking-done-preparation")


def leave_callback(uow: UnitOfWork, name: str, phone: str, reason: str) -> Callback:
    return request_callback(uow, name, phone, reason)


def test_admin_sees_callbacks_and_marks_one_done(
    live_server: LiveServer, context: BrowserContext, server_uow: UnitOfWork
) -> None:
    context.add_init_script("globalThis.BOOKING_POLL_MS = 700;")
    page = context.new_page()
    jane = leave_callback(
        server_uow, "Jane Caller", "(312) 555-0177", "Asks about a package price."
    )
    sign_in_admin(page, live_server.url)

    section = page.get_by_test_id("callbacks")
    expect(section.get_by_role("heading", name="Callbacks")).to_be_visible()
    row = section.locator(f"[data-testid=callback][data-callback-id='{jane.id}']")
    expect(row.get_by_test_id("callback-name")).to_have_text("Jane Caller")
    expect(row.get_by_test_id("callback-phone")).to_have_text("+13125550177")
    expect(row.get_by_test_id("callback-reason")).to_have_text("Asks about a package price.")
    expect(row.get_by_test_id("callback-when")).to_contain_text("asked ")
    expect(row).to_have_attribute("data-status", "open")
    expect(section.get_by_test_id("callbacks-count")).to_have_text("1 open")

    # A caller who asks while the calendar is open appears with the next poll, no reload.
    page.evaluate("window.notReloaded = true")
    ravi = leave_callback(server_uow, "Ravi Shah", "312-555-0178", "Wants a person to call.")
    other = section.locator(f"[data-testid=callback][data-callback-id='{ravi.id}']")
    expect(other).to_be_visible(timeout=10_000)
    assert page.evaluate("window.notReloaded") is True
    expect(section.get_by_test_id("callbacks-count")).to_have_text("2 open")
    expect(section.get_by_test_id("callback")).to_have_count(2)
    shot(page, "admin-callbacks")

    row.get_by_role("button", name="Done: call back Jane Caller").click()
    expect(section.get_by_test_id("callbacks-success")).to_contain_text(
        "Marked done: the callback to Jane Caller."
    )
    expect(row).to_have_count(0)
    expect(other).to_be_visible()
    expect(section.get_by_test_id("callbacks-count")).to_have_text("1 open")
    assert [c["id"] for c in callbacks(live_server, "done")] == [jane.id]
    assert [c["id"] for c in callbacks(live_server, "open")] == [ravi.id]

    section.get_by_test_id("callbacks-done").click()
    expect(row).to_have_attribute("data-status", "done")
    expect(row.get_by_test_id("callback-status")).to_have_text("Done")
    expect(row.get_by_role("button")).to_have_count(0)
    expect(other).to_have_count(0)
    shot(page, "admin-callbacks-done")
    section.get_by_test_id("callbacks-open").click()
    expect(other).to_be_visible()


def test_admin_edits_the_policies_faq_and_preparation(live_server: LiveServer, page: Page) -> None:
    admin_ok(live_server, "PUT", "/api/admin/faq", {"entries": []})
    sign_in_admin(page, live_server.url)
    page.get_by_role("button", name="Policies & FAQ").click()
    expect(page.get_by_role("heading", name="Policies & FAQ", level=1)).to_be_visible()
    assert "page=info" in page.url

    page.get_by_label("Policy text").fill(POLICIES)
    page.get_by_role("button", name="Save policies").click()
    policies_card = page.get_by_test_id("policies-card")
    expect(policies_card.get_by_test_id("info-success")).to_contain_text("Policies saved")

    faq_card = page.get_by_test_id("faq-card")
    expect(faq_card.get_by_test_id("no-faq")).to_be_visible()
    page.get_by_role("button", name="+ Add a question").click()
    expect(page.get_by_label("Question 1", exact=True)).to_be_focused()
    page.get_by_label("Question 1", exact=True).fill(FAQ[0]["question"])
    # Half an entry: the server refuses it and the page says so.
    page.get_by_role("button", name="Save FAQ").click()
    expect(faq_card.get_by_test_id("info-error")).to_contain_text("Could not save the FAQ")
    page.get_by_label("Answer 1", exact=True).fill(FAQ[0]["answer"])
    page.get_by_role("button", name="+ Add a question").click()
    page.get_by_label("Question 2", exact=True).fill(FAQ[1]["question"])
    page.get_by_label("Answer 2", exact=True).fill(FAQ[1]["answer"])
    page.get_by_role("button", name="Save FAQ").click()
    expect(faq_card.get_by_test_id("info-success")).to_contain_text("FAQ saved: 2 questions.")

    page.locator("#preparation-service").select_option(label="Botox")
    page.locator("#preparation-text").fill(BOTOX_PREPARATION)
    expect(page.locator("#preparation-text-count")).to_have_text(
        f"{len(BOTOX_PREPARATION)} / 1,000 characters"
    )
    page.get_by_role("button", name="Save preparation").click()
    expect(page.get_by_test_id("preparation-card").get_by_test_id("info-success")).to_contain_text(
        "Saved how to prepare for Botox."
    )
    shot(page, "admin-policies-faq")

    business = live_server.admin("GET", "/api/business").json()
    assert business["policies"] == POLICIES
    assert business["faq"] == FAQ
    services = live_server.admin("GET", "/api/services").json()["services"]
    assert next(s for s in services if s["id"] == BOTOX)["preparation"] == BOTOX_PREPARATION

    page.reload()  # the page is in the URL; what was saved is shown again
    expect(page.get_by_label("Policy text")).to_have_value(POLICIES)
    expect(page.get_by_label("Question 2", exact=True)).to_have_value(FAQ[1]["question"])
    page.locator("#preparation-service").select_option(label="Botox")
    expect(page.locator("#preparation-text")).to_have_value(BOTOX_PREPARATION)
