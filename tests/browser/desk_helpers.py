"""Helpers for the front-desk calendar tests (test_desk_calendar.py): a server on SQLite or
PostgreSQL, browser contexts at the sizes the desk uses (1280x800 and a 390x844 phone), dragging
a block with the mouse, and the axe-core accessibility check.

The other browser tests run on SQLite only; these add PostgreSQL for booking from the calendar
and dragging, on the session's own PostgreSQL database (tests/conftest.py `postgres_url`),
emptied and given the demo business before each test.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from booking_core import BookingSettings, UnitOfWork
from booking_core.adapters.database import create_database_engine
from booking_core.adapters.tables import metadata
from booking_core.demo import load_demo_business
from browser_helpers import BROWSER_TIMEZONE, LiveServer, business_today, start_server
from playwright.sync_api import Browser, BrowserContext, Locator, Page

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SIZES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
}
PX_PER_MINUTE = 1.6  # admin.js
TOP_PAD = 10  # admin.js


# --------------------------------------------------------------------------- servers
def _demo_postgres(url: str) -> None:
    """Empty the session's PostgreSQL database and load the demo business into it."""
    engine = sa.create_engine(url)
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    engine.dispose()
    settings = BookingSettings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    engine = create_database_engine(url)
    load_demo_business(UnitOfWork(settings, engine=engine))
    engine.dispose()


@contextmanager
def desk_server(
    engine: str, request: pytest.FixtureRequest, demo_template: Path, tmp_path: Path
) -> Iterator[LiveServer]:
    """A started server holding the demo business, on SQLite (a fresh copy) or PostgreSQL."""
    if engine == "postgresql":
        url = str(request.getfixturevalue("postgres_url"))
        _demo_postgres(url)
    else:
        path = tmp_path / "booking.db"
        shutil.copy(demo_template, path)
        url = f"sqlite:///{path}"
    server = start_server(url)
    try:
        yield server
    finally:
        server.stop()


def new_context(browser: Browser, size: str, poll_ms: int | None = None) -> BrowserContext:
    ctx = browser.new_context(
        timezone_id=BROWSER_TIMEZONE,
        locale="en-US",
        # axe-core goes in as an inline script (add_script_tag), which the pages' strict
        # Content-Security-Policy would refuse; the pages' own scripts stay what they are.
        bypass_csp=True,
        **SIZES[size],  # type: ignore[arg-type]
    )
    ctx.set_default_timeout(10_000)
    ctx.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
    if poll_ms:
        ctx.add_init_script(f"globalThis.BOOKING_POLL_MS = {poll_ms};")
    return ctx


# --------------------------------------------------------------------------- dates
def midweek_ahead(min_days: int = 3) -> date:
    """A Tuesday, Wednesday or Thursday at least `min_days` ahead: every demo provider who
    injects works that day and the next, which is in the same week."""
    day = business_today() + timedelta(days=min_days)
    while day.weekday() not in (1, 2, 3):
        day += timedelta(days=1)
    return day


# --------------------------------------------------------------------------- the calendar
def column(page: Page, day: date, provider_id: int) -> Locator:
    return page.locator(f".cal-col[data-date='{day}'][data-provider-id='{provider_id}']")


def appointment(page: Page, appointment_id: str, part: int | None = None) -> Locator:
    selector = f"[data-testid=appointment][data-appointment-id='{appointment_id}']"
    if part is not None:
        selector += f"[data-part-index='{part}']"
    return page.locator(selector)


def minute_y(page: Page, target: Locator, minutes: int) -> float:
    """The page y of local time `minutes` (since midnight) in a calendar column."""
    low = int(page.get_by_test_id("calendar").get_attribute("data-low") or 0)
    box = target.bounding_box()
    assert box is not None
    return float(box["y"]) + TOP_PAD + (minutes - low) * PX_PER_MINUTE


def click_slot(page: Page, target: Locator, minutes: int) -> None:
    """Click an empty slot of a column at a local time."""
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box is not None
    y = minute_y(page, target, minutes) + 4
    page.mouse.click(box["x"] + min(20, box["width"] / 2), y)


def drag_block(page: Page, block: Locator, target: Locator, minutes: int) -> None:
    """Drag a block with the mouse so its top lands at `minutes` in the target column."""
    # In the middle of the window: the target time (often an hour or two below) stays on
    # screen whatever sits above the calendar.
    block.evaluate("node => node.scrollIntoView({block: 'center'})")
    start = block.bounding_box()
    assert start is not None
    grab_x, grab_y = start["x"] + min(12, start["width"] / 2), start["y"] + 6
    page.mouse.move(grab_x, grab_y)
    page.mouse.down()
    box = target.bounding_box()
    assert box is not None
    x = box["x"] + min(15, box["width"] / 2)
    y = minute_y(page, target, minutes) + 6
    viewport = page.viewport_size or {"width": 0, "height": 0}
    assert 0 <= x < viewport["width"] and 0 <= y < viewport["height"], (x, y)
    page.mouse.move(grab_x, grab_y + 8, steps=2)
    page.mouse.move(x, y, steps=8)
    page.mouse.up()


def top_of(block: Locator) -> float:
    return float(block.evaluate("node => node.offsetTop"))


# --------------------------------------------------------------------------- accessibility
def assert_accessible(page: Page, where: str) -> None:
    """axe-core (vendored) finds no serious or critical violation on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                               nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
        }"""
    )
    assert violations == [], f"axe on {where}: {violations}"
