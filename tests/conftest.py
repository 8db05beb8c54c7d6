"""Shared fixtures: a fresh, migrated database per test on SQLite and on PostgreSQL.

PostgreSQL: one database per test session (so parallel runs never share one), migrated once
with Alembic, emptied between tests. When the server cannot be reached the PostgreSQL tests
skip with the reason locally, and fail in CI (CI=true).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from booking_core import BookingSettings, FixedClock, UnitOfWork
from booking_core.adapters.database import create_database_engine
from booking_core.adapters.tables import metadata
from booking_core.demo import load_demo_business
from booking_core.migrations import upgrade

CHICAGO = ZoneInfo("America/Chicago")
PG_SERVER_URL = os.environ.get(
    "BOOKING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# The server secret PostgreSQL requires (SQLite keeps one beside the database file); the
# servers the tests start inherit it. tests/core/test_secret_key.py covers both cases.
os.environ.setdefault("BOOKING_SECRET_KEY", "test-secret-key-not-for-production")
#: Monday 30 November 2026, noon in Chicago: the default "now" of the tests.
DEFAULT_NOW = datetime(2026, 11, 30, 12, 0, tzinfo=CHICAGO)

ENGINES = ["sqlite", "postgresql"]


def _postgres_unreachable(reason: str) -> None:
    message = f"PostgreSQL unreachable at {PG_SERVER_URL}: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true: PostgreSQL tests must run)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database of this test session's own."""
    server = sa.create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    name = f"booking_test_{uuid.uuid4().hex[:10]}"
    try:
        with server.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        server.dispose()
        _postgres_unreachable(str(error).splitlines()[0])
    url = sa.engine.make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with server.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    server.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating every time would be slow)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _empty_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    engine.dispose()


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(
    engine_name: str, request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> str:
    """A fresh, migrated, empty database on the engine of the test's parameter."""
    if engine_name == "postgresql":
        url = str(request.getfixturevalue("postgres_url"))
        _empty_postgres(url)
        return url
    path = tmp_path / "booking.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEFAULT_NOW)


@pytest.fixture
def settings(database_url: str) -> BookingSettings:
    return BookingSettings(
        database_url=database_url,
        timezone="America/Chicago",
        business_name="Hello Gorgeous Med Spa",
        business_phone="+1 (312) 555-0142",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def empty_uow(settings: BookingSettings, clock: FixedClock) -> Iterator[UnitOfWork]:
    """A unit of work on an empty database (no business loaded)."""
    engine = create_database_engine(settings.database_url)
    yield UnitOfWork(settings, engine=engine, clock=clock)
    engine.dispose()


@pytest.fixture
def uow(empty_uow: UnitOfWork) -> UnitOfWork:
    """A unit of work on a database holding the demo business."""
    load_demo_business(empty_uow)
    return empty_uow
