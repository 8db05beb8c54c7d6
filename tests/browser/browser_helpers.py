"""Helpers for the browser tests: a real server (uvicorn in a thread on a random port, a fresh
SQLite database, the real clock), Chromium settings, and steps that drive the pages.

Chromium is /usr/bin/chromium from Debian's packages (`.ci/install-browser` installs it); never
`playwright install`. The pinned playwright (see pyproject) speaks that Chromium's protocol.
"""

from __future__ import annotations

import concurrent.futures
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import uvicorn
from booking_core import BookingSettings
from http_api.app import create_app
from playwright.sync_api import Page, expect

CHROMIUM = os.environ.get("BOOKING_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # containers run the tests as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
#: The browser pretends to be far from the business: the pages must not use its time zone.
BROWSER_TIMEZONE = "Asia/Tokyo"
CHICAGO = ZoneInfo("America/Chicago")
ADMIN_TOKEN = "admin-token-for-browser-tests"
AI_TOKEN = "ai-token-for-browser-tests"
BUSINESS_PHONE = "+1 (312) 555-0142"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
SLOT_TAKEN = "This time slot was just taken — here are the nearest free times"

# Demo business ids (booking_core/demo.py).
CONSULTATION, BOTOX, FILLER, HYDRAFACIAL, LASER = 1, 2, 3, 4, 5
PATEL, RIVERA, CHEN, LOPEZ = 1, 2, 3, 4


# --------------------------------------------------------------------------- the server
@dataclass
class LiveServer:
    url: str
    settings: BookingSettings
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.url + path, headers=headers, timeout=15, **kwargs)

    def calendar(self, day: date, days: int = 1) -> list[dict[str, Any]]:
        response = self.admin("GET", f"/api/admin/calendar?date={day}&days={days}")
        response.raise_for_status()
        appointments: list[dict[str, Any]] = response.json()["appointments"]
        return appointments

    def free_starts(self, service_id: int, day: date, provider_id: int | None = None) -> list[str]:
        query = f"service_id={service_id}&date={day}"
        if provider_id is not None:
            query += f"&provider_id={provider_id}"
        response = httpx.get(f"{self.url}/api/availability?{query}", timeout=15)
        response.raise_for_status()
        return [slot["start"] for slot in response.json()["slots"]]

    def book(self, *, admin: bool = False, **body: Any) -> dict[str, Any]:
        """Book through the API: as another web visitor, or as the front desk (admin)."""
        if admin:
            response = self.admin("POST", "/api/booking/create", json=body)
        else:
            response = httpx.post(f"{self.url}/api/booking/create", json=body, timeout=15)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(database_url: str, **overrides: Any) -> LiveServer:
    """`http_api.app.create_app(settings)` under uvicorn in a thread, on a free port."""
    settings = BookingSettings(
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        ai_token=AI_TOKEN,
        business_phone=BUSINESS_PHONE,
        _env_file=None,  # type: ignore[call-arg]
        **overrides,
    )
    app = create_app(settings)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return LiveServer(f"http://127.0.0.1:{port}", settings, server, thread)


# --------------------------------------------------------------------------- dates
def business_today() -> date:
    return datetime.now(CHICAGO).date()


def weekday_ahead(min_days: int = 3, skip: int = 0) -> date:
    """A Monday-to-Friday date at least `min_days` ahead (past the 24 h change cutoff and the
    minimum notice, so every demo slot is free) and inside the 14 days the booking page shows.
    The server runs on the real clock, so tests pick dates relative to today."""
    day = business_today() + timedelta(days=min_days)
    found = -1
    while True:
        if day.weekday() < 5:
            found += 1
            if found == skip:
                return day
        day += timedelta(days=1)


def local_iso(day: date, hour: int, minute: int = 0) -> str:
    """A business-local time as the API writes it: 2026-11-27T10:00:00-06:00."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHICAGO).isoformat()


def client(name: str, phone: str) -> dict[str, str]:
    return {"name": name, "phone": phone}


# --------------------------------------------------------------------------- page steps
def choose_slot(
    page: Page,
    base_url: str,
    *,
    service: str,
    provider: str,
    day: date,
    start: str,
) -> None:
    """Click through service -> provider -> date -> time on the booking page."""
    page.goto(base_url + "/")
    page.get_by_test_id("service").filter(has_text=service).click()
    expect(page.get_by_test_id("step-heading")).to_have_text("Choose a provider")
    page.get_by_test_id("provider").filter(has_text=provider).click()
    expect(page.get_by_test_id("step-heading")).to_have_text("Choose a date and time")
    page.locator(f"[data-testid=date][data-date='{day}']").click()
    page.locator(f"[data-testid=time][data-start='{start}']").click()
    expect(page.get_by_test_id("step-heading")).to_have_text("Your details")


def fill_details(page: Page, name: str, phone: str, email: str = "", notes: str = "") -> None:
    # By label: the fields must be labelled for screen readers.
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Mobile phone").fill(phone)
    if email:
        page.get_by_label("E-mail (optional)").fill(email)
    if notes:
        page.get_by_label("Notes for your provider (optional)").fill(notes)


def confirm(page: Page) -> None:
    page.get_by_role("button", name="Confirm booking").click()


def expect_booked(page: Page) -> None:
    expect(page.get_by_test_id("step-heading")).to_have_text("You're booked!")


def times_offered(
    page: Page, base_url: str, *, service: str, provider: str, day: date
) -> list[str]:
    """The start times the booking page offers for that day (by clicking, as a client would)."""
    page.goto(base_url + "/")
    page.get_by_test_id("service").filter(has_text=service).click()
    page.get_by_test_id("provider").filter(has_text=provider).click()
    page.locator(f"[data-testid=date][data-date='{day}']").click()
    expect(page.get_by_test_id("times-area")).to_be_visible()
    return [str(b.get_attribute("data-start")) for b in page.get_by_test_id("time").all()]


def sign_in_admin(page: Page, base_url: str, query: str = "") -> None:
    page.goto(f"{base_url}/admin{query}")
    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("calendar")).to_be_visible()


def in_thread(function: Any, *args: Any) -> Any:
    """Run blocking async-library code (anyio.run) off the playwright thread, whose sync API
    owns an event loop of its own."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result(timeout=60)


def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    """Save a screenshot for a reviewer (test-artifacts/ is gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
