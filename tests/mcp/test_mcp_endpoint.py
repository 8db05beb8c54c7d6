"""``ai_tools.http.mcp_http_app`` on its own: the documented FastAPI mounting, the bearer token,
the allowed hosts and a fresh session manager per build (in process, through httpx2's ASGI
transport, which does not run lifespans: the test enters the session manager itself)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2
import pytest
from ai_tools.http import McpHttpApp, mcp_http_app, transport_security
from booking_core import BookingSettings, UnitOfWork
from fastapi import FastAPI
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_helpers import AI_TOKEN, ok


@pytest.fixture
def engine_name() -> str:
    """These check the HTTP wiring, not the database: one engine is enough."""
    return "sqlite"


INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "raw-test", "version": "0"},
    },
}
HEADERS = {"Accept": "application/json, text/event-stream", "Authorization": f"Bearer {AI_TOKEN}"}


def mounted_as_documented(mcp: McpHttpApp) -> FastAPI:
    """Exactly the recipe of the ai_tools.http docstring."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        async with mcp.lifespan():
            yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/health")
    def health() -> dict[str, bool]:
        return {"ok": True}

    app.router.routes.extend(mcp.routes)
    return app


def post_all(
    mcp: McpHttpApp, app: Any, requests: list[tuple[str, dict[str, str]]], host: str = "127.0.0.1"
) -> list[httpx2.Response]:
    async def main() -> list[httpx2.Response]:
        async with (
            mcp.lifespan(),
            httpx2.AsyncClient(
                transport=httpx2.ASGITransport(app=app), base_url=f"http://{host}:8000"
            ) as http,
        ):
            return [await http.post(path, json=INITIALIZE, headers=h) for path, h in requests]

    return anyio.run(main)


def test_the_documented_mounting_answers_at_exactly_mcp(ai_uow: UnitOfWork, ai_settings):
    mcp = mcp_http_app(ai_uow, ai_settings)
    app = mounted_as_documented(mcp)
    exact, slash, nested, anonymous = post_all(
        mcp, app, [("/mcp", HEADERS), ("/mcp/", HEADERS), ("/mcp/mcp", HEADERS), ("/mcp", {})]
    )
    assert exact.status_code == 200, exact.text
    assert exact.json()["result"]["serverInfo"]["name"] == "hello-gorgeous-booking"
    assert slash.status_code in (307, 404)  # FastAPI's slash redirect to /mcp, never a 2nd app
    assert nested.status_code == 404
    assert anonymous.status_code == 401
    assert anonymous.json() == {
        "error": {
            "code": "unauthorized",
            "message": "A valid AI access token is required (Authorization: Bearer <token>).",
            "details": {},
        }
    }
    assert "/mcp" not in app.openapi()["paths"]


def test_the_sdk_client_works_through_the_documented_mounting(ai_uow, ai_settings):
    mcp = mcp_http_app(ai_uow, ai_settings)
    app = mounted_as_documented(mcp)

    async def main() -> Any:
        async with (
            mcp.lifespan(),
            httpx2.AsyncClient(
                transport=httpx2.ASGITransport(app=app),
                base_url="http://127.0.0.1:8000",
                headers={"Authorization": f"Bearer {AI_TOKEN}"},
            ) as http,
            Client(streamable_http_client("http://127.0.0.1:8000/mcp", http_client=http)) as c,
        ):
            return ok(await c.call_tool("list_services", {}))

    services = anyio.run(main)["services"]
    assert [s["name"] for s in services][:2] == ["Consultation", "Botox"]
    assert services[1]["price"] == "$350"


def test_without_an_ai_token_every_request_is_refused(ai_uow, ai_settings):
    settings = ai_settings.model_copy(update={"ai_token": None})
    mcp = mcp_http_app(ai_uow, settings)
    (response,) = post_all(mcp, mcp, [("/mcp", {**HEADERS, "Authorization": "Bearer "})])
    assert response.status_code == 401


def test_allowed_hosts_extend_the_dns_rebinding_allowlist(ai_uow, ai_settings: BookingSettings):
    settings = ai_settings.model_copy(
        update={"allowed_hosts": "booking.example.com, 10.0.0.5:8443"}
    )
    mcp = mcp_http_app(ai_uow, settings)
    listed, foreign = post_all(
        mcp,
        mcp,
        [("/mcp", HEADERS), ("/mcp", {**HEADERS, "Host": "evil.example.com"})],
        host="booking.example.com",
    )
    assert listed.status_code == 200, listed.text
    assert foreign.status_code == 421


def test_a_foreign_origin_is_refused(ai_uow, ai_settings):
    mcp = mcp_http_app(ai_uow, ai_settings)
    good, bad = post_all(
        mcp,
        mcp,
        [
            ("/mcp", {**HEADERS, "Origin": "http://localhost:3000"}),
            ("/mcp", {**HEADERS, "Origin": "https://evil.example.com"}),
        ],
    )
    assert good.status_code == 200
    assert bad.status_code == 403


def test_transport_security_settings():
    local = transport_security("")
    assert local.enable_dns_rebinding_protection
    assert {"127.0.0.1:*", "localhost:*", "[::1]:*", "localhost"} <= set(local.allowed_hosts)
    listed = transport_security(" booking.example.com ,10.0.0.5:8443,")
    assert {"booking.example.com", "booking.example.com:*", "10.0.0.5:8443"} <= set(
        listed.allowed_hosts
    )
    assert "10.0.0.5:8443:*" not in listed.allowed_hosts
    assert "https://booking.example.com" in listed.allowed_origins
    assert not transport_security("*").enable_dns_rebinding_protection


def test_each_build_has_a_fresh_session_manager(ai_uow, ai_settings):
    first = mcp_http_app(ai_uow, ai_settings)
    second = mcp_http_app(ai_uow, ai_settings)
    assert first.session_manager is not second.session_manager
    for mcp in (first, second):
        (response,) = post_all(mcp, mcp, [("/mcp", HEADERS)])
        assert response.status_code == 200
