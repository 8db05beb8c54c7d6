"""Fixtures for the HTTP API tests: the app built by ``create_app`` over the demo business, on
SQLite and on PostgreSQL (the root conftest parametrizes ``database_url``), at the tests' fixed
"now" (Monday 2026-11-30 noon, Chicago)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from booking_core import BookingSettings, FixedClock, UnitOfWork
from fastapi import FastAPI
from fastapi.testclient import TestClient
from http_api.app import create_app
from http_helpers import ADMIN_TOKEN, AI_TOKEN

PG_SERVER_URL = os.environ.get(
    "BOOKING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


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


@pytest.fixture
def own_postgres_url() -> Iterator[str]:
    """A brand-new, unmigrated PostgreSQL database for this test only, dropped afterwards."""
    server = sa.create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    name = f"booking_http_{uuid.uuid4().hex[:10]}"
    try:
        with server.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        server.dispose()
        message = f"PostgreSQL unreachable at {PG_SERVER_URL}: {str(error).splitlines()[0]}"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    url = sa.engine.make_url(PG_SERVER_URL).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()
