"""Helpers for the client-page tests (test_client_pages.py): browser contexts at the two sizes the
issue names, servers with settings of their own (change cutoff, embedding origins) or on
PostgreSQL, the vendored axe-core check, and a tiny "foreign site" HTTP server for embedding."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from booking_core import BookingSettings, UnitOfWork
from booking_core.adapters.database import create_database_engine
from booking_core.adapters.tables import metadata
from booking_core.demo import load_demo_business
from browser_helpers import BROWSER_TIMEZONE, LiveServer, business_today, start_server
from playwright.sync_api import Browser, BrowserContext, Page

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SIZES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
}


def client_context(browser: Browser, size: str, *, axe: bool = True) -> BrowserContext:
    """A context like conftest's (Tokyo zone, nothing but 127.0.0.1 reachable). With `axe`, the
    pages' CSP is bypassed so axe-core can be injected (the CSP forbids inline scripts); the
    embedding test keeps the CSP, since it is what it tests."""
    ctx = browser.new_context(
        timezone_id=BROWSER_TIMEZONE, locale="en-US", bypass_csp=axe, **SIZES[size]
    )
    ctx.set_default_timeout(10_000)
    ctx.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
    return ctx


def assert_accessible(page: Page, where: str) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id} (${v.impact}): ${v.help} at `
                      + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"""
    )
    assert not violations, f"{where}: " + "; ".join(violations)


def demo_server(template: Path, tmp_path: Path, **overrides: Any) -> LiveServer:
    """A started server on a fresh copy of the demo SQLite database, with settings overridden."""
    path = tmp_path / "client-pages.db"
    shutil.copy(template, path)
    return start_server(f"sqlite:///{path}", **overrides)


def postgres_demo_server(url: str, **overrides: Any) -> LiveServer:
    """A started server on the session's PostgreSQL database, emptied and given the demo."""
    engine = sa.create_engine(url)
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    engine.dispose()
    settings = BookingSettings(database_url=url, _env_file=None)
    engine = create_database_engine(url)
    load_demo_business(UnitOfWork(settings, engine=engine))
    engine.dispose()
    return start_server(url, **overrides)


def weekday_from(days_ahead: int) -> date:
    """The first Monday-to-Friday date at least `days_ahead` from the business's today."""
    day = business_today() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


# --------------------------------------------------------------------------- a foreign site
class ForeignSite:
    """Another website on its own port (so another origin): it serves one page at `/`."""

    def __init__(self) -> None:
        self.page = "<!doctype html><title>empty</title>"
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def foreign_sites(count: int) -> Iterator[list[ForeignSite]]:
    sites = [ForeignSite() for _ in range(count)]
    try:
        yield sites
    finally:
        for site in sites:
            site.stop()


def embed_page(booking_url: str, service_id: int) -> str:
    """The spa's own web page with the documented snippet."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Our spa</title></head>"
        "<body><h1>Book with us</h1>"
        f"<script src='{booking_url}/embed.js' data-service='{service_id}' async></script>"
        "<p id='after'>Below the booking page</p></body></html>"
    )
