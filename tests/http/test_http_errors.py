"""The one error shape for everything, the rate limit, and the OpenAPI declarations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from booking_core import BookingSettings, FixedClock, UnitOfWork
from booking_core.errors import ERROR_HTTP_STATUS
from booking_core.migrations import upgrade
from fastapi import FastAPI
from fastapi.testclient import TestClient
from http_api.app import create_app
from http_api.errors import MCP_ONLY_CODES
from http_helpers import ADMIN, CONSULTATION, assert_error, book, booking_body


def test_unknown_route_and_wrong_method(client: TestClient) -> None:
    assert_error(client.get("/api/nothing-here"), 404, "not_found")
    wrong_method = client.delete("/api/services")
    assert_error(wrong_method, 405, "method_not_allowed")
    assert wrong_method.headers["allow"] == "GET"


def test_malformed_json_is_a_validation_error(client: TestClient) -> None:
    response = client.post(
        "/api/booking/create",
        content=b'{"service_id": 2,',
        headers={"content-type": "application/json"},
    )
    error = assert_error(response, 422, "validation_error")
    assert error["details"]["fields"] == {"body": "not valid JSON"}


def test_missing_and_wrong_fields_are_named_not_echoed(client: TestClient) -> None:
    response = client.post(
        "/api/booking/create",
        json={"service_id": "two", "start": "2026-12-02T10:00", "client": {"name": "Jane"}},
    )
    error = assert_error(response, 422, "validation_error")
    assert set(error["details"]["fields"]) == {"service_id", "client.phone"}
    assert "two" not in response.text  # submitted values are never echoed back


@pytest.mark.parametrize(
    "query",
    [
        "service_id=2",
        "service_id=2&date=2026-13-01",
        "service_id=2&date=2026-12-02&days=0",
        "service_id=2&date=2026-12-02&days=32",
        "service_id=0&date=2026-12-02",
        "service_id=99999999999&date=2026-12-02",
        "service_id=2&date=9999-12-31&days=31",
    ],
)
def test_bad_availability_queries_are_validation_errors(client: TestClient, query: str) -> None:
    assert_error(client.get(f"/api/availability?{query}"), 422, "validation_error")


def test_unknown_service_is_not_found(client: TestClient) -> None:
    assert_error(client.get("/api/availability?service_id=77&date=2026-12-02"), 404, "not_found")


def test_text_the_database_cannot_store_is_refused(client: TestClient) -> None:
    response = book(client, "2026-12-02T10:00", name="Jane\x00Doe")
    assert_error(response, 422, "validation_error")
    too_long = client.post(
        "/api/admin/providers", json={"name": "Dana", "title": "x" * 500}, headers=ADMIN
    )
    assert_error(too_long, 422, "validation_error")


def test_database_unreachable_is_503(settings: BookingSettings, clock: FixedClock) -> None:
    unreachable = settings.model_copy(
        update={"database_url": "postgresql+psycopg://postgres@127.0.0.1:9/nowhere"}
    )
    app = create_app(unreachable, clock=clock)
    client = TestClient(app)
    error = assert_error(client.get("/api/services"), 503, "service_unavailable")
    assert "try again" in error["message"].lower()
    created = client.post("/api/booking/create", json=booking_body("2026-12-02T10:00"))
    assert_error(created, 503, "service_unavailable")
    app.state.uow.engine.dispose()


def test_no_active_service_still_gives_the_phone(client: TestClient) -> None:
    for service in client.get("/api/admin/services", headers=ADMIN).json()["services"]:
        response = client.patch(
            f"/api/admin/services/{service['id']}", json={"active": False}, headers=ADMIN
        )
        assert response.status_code == 200, response.text
    body = client.get("/api/services").json()
    assert body == {"services": [], "phone": "+1 (312) 555-0142"}


# --- rate limit ---------------------------------------------------------------------------------
@pytest.fixture
def limited_app(
    uow: UnitOfWork, http_settings: BookingSettings, clock: FixedClock
) -> Iterator[FastAPI]:
    app = create_app(http_settings.model_copy(update={"rate_limit_per_minute": 3}), clock=clock)
    yield app
    app.state.uow.engine.dispose()


@pytest.fixture
def limited_client(limited_app: FastAPI) -> TestClient:
    return TestClient(limited_app)


def test_public_posts_over_the_limit_get_429_with_retry_after(limited_client: TestClient) -> None:
    statuses = [
        book(limited_client, f"2026-12-0{day}T10:00", service_id=CONSULTATION).status_code
        for day in (2, 3, 4)
    ]
    assert statuses == [201, 201, 201]
    refused = book(limited_client, "2026-12-07T10:00", service_id=CONSULTATION)
    error = assert_error(refused, 429, "rate_limited")
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert error["details"]["retry_after"] == retry_after
    # Cancel and reschedule count too; reads do not.
    assert_error(
        limited_client.post("/api/booking/cancel", json={"appointment_id": "x"}),
        429,
        "rate_limited",
    )
    assert limited_client.get("/api/services").status_code == 200


def test_admin_requests_are_not_limited(limited_client: TestClient) -> None:
    for day in (2, 3, 4, 7, 8):
        response = book(
            limited_client, f"2026-12-0{day}T10:00", service_id=CONSULTATION, headers=ADMIN
        )
        assert response.status_code == 201, response.text


def test_the_limit_is_shared_by_every_worker_and_renews_each_minute(
    limited_app: FastAPI, http_settings: BookingSettings, clock: FixedClock
) -> None:
    """Two apps on one database stand for two worker processes: they count together."""
    other = create_app(http_settings.model_copy(update={"rate_limit_per_minute": 3}), clock=clock)
    try:
        first, second = TestClient(limited_app), TestClient(other)
        for client in (first, second, first):
            assert book(client, "2026-12-02T10:00", service_id=CONSULTATION).status_code in (
                201,
                409,
            )
        assert_error(book(second, "2026-12-03T10:00"), 429, "rate_limited")
        clock.advance(minutes=1)
        assert book(second, "2026-12-03T10:00").status_code == 201
    finally:
        other.state.uow.engine.dispose()


# --- OpenAPI --------------------------------------------------------------------------------------
def test_openapi_declares_the_error_schema_for_every_error_status(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if path.startswith("/api/")
    ]
    assert len(operations) >= 25
    for path, method, operation in operations:
        responses = operation["responses"]
        assert "503" in responses, (method, path)
        for status, response in responses.items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
    create = document["paths"]["/api/booking/create"]["post"]["responses"]
    assert {"201", "401", "404", "409", "422", "429", "503"} <= set(create)
    assert "slot_unavailable" in create["409"]["description"]
    assert create["409"]["content"]["application/json"]["example"]["error"]["details"][
        "alternatives"
    ]
    http_statuses = {s for c, s in ERROR_HTTP_STATUS.items() if c not in MCP_ONLY_CODES}
    assert http_statuses <= {401, 404, 409, 410, 413, 422, 429, 503} | {400}
    assert (
        "verification_required"
        not in document["paths"]["/api/admin/faq"]["get"]["responses"]["401"]["description"]
    )


def test_openapi_has_examples_for_every_operation(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]

    def has_example(media: dict) -> bool:
        if "example" in media or "examples" in media:
            return True
        ref = media.get("schema", {}).get("$ref", "")
        return "examples" in schemas.get(ref.rsplit("/", 1)[-1], {})

    for path, item in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in item.items():
            success = next(r for s, r in operation["responses"].items() if s.startswith("2"))
            # JSON, or a file (an appointment's .ics), each with its example.
            media = next(iter(success["content"].values()))
            assert has_example(media), (method, path)
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert has_example(response["content"]["application/json"]), (path, status)


def test_an_exhausted_connection_pool_is_503(clock: FixedClock, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pool.db'}"
    upgrade(url)
    engine = sa.create_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.1)
    settings = BookingSettings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, clock=clock, engine=engine)
    held = engine.connect()  # the pool's only connection
    try:
        response = TestClient(app).get("/api/services")
    finally:
        held.close()
        engine.dispose()
    assert_error(response, 503, "service_unavailable")


@pytest.mark.parametrize(
    "path", ["/static/%00", "/static/" + "a" * 300 + ".js", "/static/../app.py", "/static/"]
)
def test_odd_static_paths_are_not_found_not_500(client: TestClient, path: str) -> None:
    # A NUL byte or a name too long for the file system used to escape as a 500.
    assert_error(client.get(path), 404, "not_found")


def test_a_line_break_in_a_request_cannot_forge_a_log_line(client: TestClient) -> None:
    """The request log writes the path, and the booking log the appointment id as given: a
    %0A (or a \\n in a JSON string) must come out escaped, inside the one line."""
    from loguru import logger

    forged = "[booking/cancel] outcome=ok appointment=FORGED"
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), format="{message}")
    try:
        assert_error(client.get(f"/api/x%0A{forged}"), 404, "not_found")
        answer = client.post(
            "/api/booking/cancel", json={"appointment_id": f"x\n{forged}", "manage_token": "t"}
        )
        assert_error(answer, 404, "not_found")
    finally:
        logger.remove(sink)
    written = "".join(lines).splitlines()
    assert len(written) == len(lines) >= 3  # one line per message
    assert not [line for line in written if line.startswith(forged)]
    assert any("\\n[booking/cancel]" in line for line in written)


def test_openapi_publishes_the_text_limits_booking_core_applies(client: TestClient) -> None:
    """A form or an agent built from the schema refuses what the booking would refuse."""
    from booking_core.domain.text import MAX_CATALOG_NAME, MAX_CLIENT_NAME, MAX_EMAIL, MAX_NOTES

    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    def max_length(model: str, field: str) -> int:
        found = schemas[model]["properties"][field]
        limits = [found.get("maxLength")] + [a.get("maxLength") for a in found.get("anyOf", [])]
        return next(limit for limit in limits if limit is not None)

    assert max_length("ClientIn", "name") == MAX_CLIENT_NAME
    assert max_length("ClientIn", "email") == MAX_EMAIL
    assert max_length("CreateBookingIn", "notes") == MAX_NOTES
    assert max_length("ProviderCreateIn", "name") == MAX_CATALOG_NAME
    assert max_length("ServiceCreateIn", "name") == MAX_CATALOG_NAME
    too_long = book(client, "2026-12-02T10:00", name="x" * (MAX_CLIENT_NAME + 1))
    assert_error(too_long, 422, "validation_error")
    assert list(too_long.json()["error"]["details"]["fields"]) == ["client.name"]
