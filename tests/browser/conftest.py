"""Fixtures for the browser tests: a started server per test on a fresh copy of a demo database,
and one Chromium for the session with a desktop and a phone context per test.

Without Debian's Chromium (or the playwright package) the tests that drive a browser skip with
the reason locally, and fail in CI (CI=true), as the PostgreSQL tests do.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

if not IN_CI:
    # playwright is a locked dev dependency; should it be missing anyway, every module here
    # would fail to import: skip the whole folder with the reason instead (CI: fail to import).
    pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is missing: run `uv sync`"
    )

from booking_core import BookingSettings, UnitOfWork  # noqa: E402
from booking_core.adapters.database import create_database_engine  # noqa: E402
from booking_core.demo import load_demo_business  # noqa: E402
from browser_helpers import (  # noqa: E402
    BROWSER_TIMEZONE,
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    LiveServer,
    start_server,
)
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright  # noqa: E402


@pytest.fixture(scope="session")
def demo_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file holding the demo business, copied for each test."""
    path = tmp_path_factory.mktemp("browser-template") / "demo.db"
    shutil.copy(sqlite_template, path)
    settings = BookingSettings(database_url=f"sqlite:///{path}", _env_file=None)  # type: ignore[call-arg]
    engine = create_database_engine(settings.database_url)
    load_demo_business(UnitOfWork(settings, engine=engine))
    engine.dispose()
    return path


@pytest.fixture
def live_server(demo_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """A started server on a fresh copy of the demo database (tests never share slots)."""
    path = tmp_path / "booking.db"
    shutil.copy(demo_template, path)
    server = start_server(f"sqlite:///{path}")
    yield server
    server.stop()


@pytest.fixture
def empty_server(sqlite_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """A started server whose database has no services at all."""
    path = tmp_path / "empty.db"
    shutil.copy(sqlite_template, path)
    server = start_server(f"sqlite:///{path}")
    yield server
    server.stop()


def _chromium_missing() -> None:
    message = (
        f"Chromium is missing at {CHROMIUM}: install Debian's chromium "
        "(`apt-get install -y chromium`, or run .ci/install-browser)"
    )
    if IN_CI:
        pytest.fail(message + " (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK) or not Path(CHROMIUM).is_file():
        _chromium_missing()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _new_context(browser: Browser, options: dict[str, object]) -> BrowserContext:
    ctx = browser.new_context(timezone_id=BROWSER_TIMEZONE, locale="en-US", **options)  # type: ignore[arg-type]
    ctx.set_default_timeout(10_000)
    # The pages must work without the internet: anything not aimed at the test server fails.
    ctx.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
    return ctx


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = _new_context(browser, DESKTOP)
    yield ctx
    ctx.close()


@pytest.fixture
def phone_context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = _new_context(browser, PHONE)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
