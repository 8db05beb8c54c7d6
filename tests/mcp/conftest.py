"""Fixtures for the MCP tool server tests (helpers live in mcp_helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from booking_core import BookingSettings, FixedClock, UnitOfWork
from booking_core.adapters.database import create_database_engine
from booking_core.demo import load_demo_business
from mcp_helpers import ADMIN_TOKEN, AI_TOKEN, RunningServer, build_app, serve


@pytest.fixture
def ai_settings(database_url: str) -> BookingSettings:
    return BookingSettings(
        database_url=database_url,
        timezone="America/Chicago",
        business_name="Hello Gorgeous Med Spa",
        business_phone="+1 (312) 555-0142",
        ai_token=AI_TOKEN,
        admin_token=ADMIN_TOKEN,
        rate_limit_per_minute=0,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def ai_uow(ai_settings: BookingSettings, clock: FixedClock) -> Iterator[UnitOfWork]:
    """The demo business, with the tests' fixed "now" (Monday 2026-11-30 noon, Chicago)."""
    engine = create_database_engine(ai_settings.database_url)
    uow = UnitOfWork(ai_settings, engine=engine, clock=clock)
    load_demo_business(uow)
    yield uow
    engine.dispose()


@pytest.fixture
def http_server(ai_uow: UnitOfWork, ai_settings: BookingSettings) -> Iterator[RunningServer]:
    """A freshly built app (a session manager runs once) serving the demo business."""
    yield from serve(build_app(ai_uow, ai_settings))
