"""The MCP tool server over streamable HTTP, for mounting at exactly ``/mcp`` in the FastAPI app.

How http_api mounts it (in ``http_api.app.create_app``)::

    from contextlib import asynccontextmanager
    from ai_tools.http import mcp_http_app
    from booking_core import bootstrap

    system = bootstrap(settings)                # the one wiring place: engine, uow, dispatcher
    mcp = mcp_http_app(system.uow, system.settings)  # once per app: a fresh session manager

    @asynccontextmanager
    async def lifespan(app):
        async with mcp.lifespan():              # a mounted sub-app's lifespan never runs,
            yield                               # so the parent starts the session manager

    app = FastAPI(lifespan=lifespan)
    ...
    app.router.routes.extend(mcp.routes)        # one Route at exactly "/mcp": no /mcp/mcp, no 307

Do not ``app.mount("/mcp", ...)``: a mount answers at ``/mcp/`` and redirects ``/mcp`` with a
307. ``mcp.routes`` is a plain Starlette ``Route("/mcp")`` whose endpoint is an ASGI app, so it
sits beside the FastAPI routes and is not in the OpenAPI document.

What the route does:
- requires ``Authorization: Bearer <settings.ai_token>`` (constant-time comparison); otherwise
  401 ``{"error": {"code": "unauthorized", "message": ..., "details": {}}}``. With no
  ``ai_token`` configured every request is refused;
- applies the SDK's DNS-rebinding protection: Host headers of localhost / 127.0.0.1 / [::1] (any
  port) are allowed, plus every host in ``settings.allowed_hosts`` (``BOOKING_ALLOWED_HOSTS``,
  comma-separated, e.g. ``booking.example.com,10.0.0.5:8000``; ``*`` turns the check off);
  a foreign Host answers 421, a foreign Origin 403;
- runs stateless with JSON responses: no session state lives in one process, so
  ``booking serve --workers 4`` works, and each POST gets one plain JSON reply;
- the callers are strangers on the phone (``build_server(uow)``, not the operator): the
  caller's number in the header named by ``settings.caller_header`` (``X-Caller-Number``)
  overrides any ``client_phone`` argument and is vouched for; without it, reading or changing
  appointments needs a code texted to the phone (``send_verification_code``); and every tool
  call counts against the caller's per-minute limit (``BOOKING_AI_CALLS_PER_MINUTE``), keyed by
  that number, else the ``Mcp-Session-Id`` header, else the client address (see
  ``ai_tools.server``).

``McpHttpApp`` is also a complete ASGI application (routes plus lifespan), so it can be served
on its own: ``system = bootstrap(); uvicorn.run(mcp_http_app(system.uow, system.settings))``.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from booking_core import BookingSettings, UnitOfWork
from mcp.server import MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ai_tools.server import build_server

#: The one path the endpoint answers at.
MCP_PATH = "/mcp"

_LOCAL_HOSTS = ["127.0.0.1", "localhost", "[::1]"]


class McpHttpApp:
    """The MCP endpoint: ``routes`` to add to the parent app, ``lifespan()`` to enter in its
    lifespan, and itself an ASGI app for serving standalone."""

    def __init__(
        self,
        server: MCPServer,
        session_manager: StreamableHTTPSessionManager,
        routes: list[BaseRoute],
    ) -> None:
        self.server = server
        self.session_manager = session_manager
        self.routes = routes
        self._standalone = Starlette(routes=list(routes), lifespan=lambda _app: self.lifespan())

    def lifespan(self) -> AbstractAsyncContextManager[None]:
        """Runs the session manager; can be entered once per ``mcp_http_app`` build."""
        return _run(self.session_manager)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._standalone(scope, receive, send)


@asynccontextmanager
async def _run(session_manager: StreamableHTTPSessionManager) -> AsyncIterator[None]:
    async with session_manager.run():
        yield


def mcp_http_app(uow: UnitOfWork, settings: BookingSettings) -> McpHttpApp:
    """A fresh MCP server and session manager over ``uow``, guarded by the AI bearer token."""
    server = build_server(uow)  # remote callers: codes for unvouched numbers, calls counted
    # Building the SDK's app creates server.session_manager; we keep that manager and put our
    # own route (with the bearer check) in front of it instead of mounting the SDK's sub-app.
    server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        json_response=True,
        transport_security=transport_security(settings.allowed_hosts),
    )
    session_manager = server.session_manager
    endpoint = BearerTokenGuard(StreamableHTTPASGIApp(session_manager), settings.ai_token)
    # No GET: a GET would open a server-to-client event stream that never ends (nothing here
    # sends one: the tools only answer requests), so it is 405, as the MCP spec allows.
    route = Route(MCP_PATH, endpoint=endpoint, methods=["POST", "DELETE"])
    return McpHttpApp(server, session_manager, [route])


def transport_security(allowed_hosts: str) -> TransportSecuritySettings:
    """DNS-rebinding protection: localhost plus the comma-separated ``allowed_hosts``."""
    extra = [host.strip() for host in (allowed_hosts or "").split(",") if host.strip()]
    if "*" in extra:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    hosts: list[str] = []
    origins: list[str] = []
    for host in _LOCAL_HOSTS + extra:
        # A bare name also matches any port ("name:*"); the SDK's patterns need a port.
        variants = [host] if _has_port(host) else [host, f"{host}:*"]
        hosts.extend(variants)
        origins.extend(
            f"{scheme}://{variant}" for variant in variants for scheme in ("http", "https")
        )
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


def _has_port(host: str) -> bool:
    tail = host.rsplit("]", 1)[-1]  # an IPv6 literal has colons inside its brackets
    return ":" in tail


class BearerTokenGuard:
    """Pure ASGI (safe for streamed responses): pass only requests carrying the AI token."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._authorized(scope):
            response = JSONResponse(
                _unauthorized_body(),
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="mcp"'},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        if self._expected is None:
            return False
        supplied = b""
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                supplied = value
                break
        return hmac.compare_digest(supplied, self._expected)


def _unauthorized_body() -> dict[str, Any]:
    return {
        "error": {
            "code": "unauthorized",
            "message": "A valid AI access token is required (Authorization: Bearer <token>).",
            "details": {},
        }
    }
