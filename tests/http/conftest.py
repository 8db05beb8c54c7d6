"""Fixtures for the HTTP API tests: the app built by ``create_app`` over the demo business, on
SQLite and on PostgreSQL (the root conftest parametrizes ``database_url``), at the tests' fixed
"now" (Monday 2026-11-30 noon, Chicago)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from booking_core import BookingSettings, FixedClock, UnitOfWork
from fastapi import FastAPI
from fastapi.testclient import TestClient
from http_api.app import create_app
from http_helpers import ADMIN_TOKEN, AI_TOKEN


@pytest.fixture
def http_settings(settings: BookingSettings) -> BookingSettings:
    return settings.model_copy(
        update={"admin_token": ADMIN_TOKEN, "ai_token": AI_TOKEN, "rate_limit_per_minute": 0}
    )


@pytest.fixture
def app(uow: UnitOfWork, http_settings: BookingSettings, clock: FixedClock) -> Iterator[FastAPI]:
    """``uow`` has loaded the demo business; the app gets its own engine."""
    app = create_app(http_settings, clock=clock)
    yield app
    app.state.uow.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    # No `with`: the lifespan (MCP session manager, notification thread) is not needed here.
    return TestClient(app)
