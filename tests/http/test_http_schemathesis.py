"""Schemathesis (4.x) against /openapi.json: every operation, generated valid and invalid input.

Checks: no 5xx, every status documented, declared content types, bodies matching their schemas.
(positive_data_acceptance is left out on purpose: booking rules legitimately answer 422 to
well-formed input.) In-process through ASGI on an embedded SQLite database holding the demo
business; the admin operations get the admin token, the public ones none.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from booking_core import BookingSettings, FixedClock
from booking_core.demo import load_demo_business
from booking_core.migrations import upgrade
from http_api.app import create_app
from http_helpers import ADMIN, ADMIN_TOKEN, AI_TOKEN
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: Fuzzing examples per operation (the coverage phase adds its own deterministic cases).
MAX_EXAMPLES = 50

# The schema must exist at import time (schemathesis' lazy fixture loader is broken with pytest
# 9.2), so the app and its database directory are made here and filled by a fixture below.
_DB_DIR = Path(tempfile.mkdtemp(prefix="booking-schemathesis-"))
atexit.register(shutil.rmtree, _DB_DIR, ignore_errors=True)
_SETTINGS = BookingSettings(
    database_url=f"sqlite:///{_DB_DIR / 'booking.db'}",
    admin_token=ADMIN_TOKEN,
    ai_token=AI_TOKEN,
    rate_limit_per_minute=0,  # the fuzzer would otherwise spend its cases on 429s
    notify_background=False,  # the test client runs the lifespan per request
    _env_file=None,  # type: ignore[call-arg]
)
APP = create_app(
    _SETTINGS, clock=FixedClock(datetime(2026, 11, 30, 12, tzinfo=ZoneInfo("America/Chicago")))
)

_CONFIG = schemathesis.Config.from_dict({"generation": {"max-examples": MAX_EXAMPLES}})
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=_CONFIG)
admin_schema = schema.include(path_regex="^/api/admin/")
public_schema = schema.exclude(path_regex="^/api/admin/")

CASES: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def demo_database() -> Iterator[None]:
    upgrade(_SETTINGS.database_url)
    load_demo_business(APP.state.uow)
    yield
    APP.state.uow.engine.dispose()
    print(f"\nschemathesis cases: {sum(CASES.values())} over {len(CASES)} operations")


_SETTINGS_FOR_SPEED = settings(
    deadline=None, suppress_health_check=list(HealthCheck), print_blob=True
)


@public_schema.parametrize()
@_SETTINGS_FOR_SPEED
def test_public_operations(case: schemathesis.Case) -> None:
    CASES[case.operation.label] += 1
    case.call_and_validate(checks=CHECKS)


@admin_schema.parametrize()
@_SETTINGS_FOR_SPEED
def test_admin_operations(case: schemathesis.Case) -> None:
    CASES[case.operation.label] += 1
    case.call_and_validate(headers=ADMIN, checks=CHECKS)


def test_every_operation_is_covered() -> None:
    operations = {
        f"{method.upper()} {path}"
        for path, item in APP.openapi()["paths"].items()
        for method in item
    }
    selected = {op.ok().label for op in admin_schema.get_all_operations()} | {
        op.ok().label for op in public_schema.get_all_operations()
    }
    assert selected == operations
