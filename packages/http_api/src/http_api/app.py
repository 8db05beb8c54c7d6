"""The FastAPI application factory.

``create_app`` builds a fresh app each call over booking_core's ``bootstrap`` (the one place that
wires the settings, engine, unit of work and dispatcher); everything it needs lives on
``app.state`` (``system``, ``settings``, ``uow``) and reaches the routes through
``Depends`` providers (``http_api.deps``). Routes are thin: parse, call booking_core, map the
error, return.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import sqlalchemy as sa
from ai_tools.http import mcp_http_app
from booking_core import BookingSettings, Clock, bootstrap, system_clock
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path

from http_api import web
from http_api.embedding import PublicApiCors, embed_origins
from http_api.errors import install_error_handlers, normalize_openapi
from http_api.guards import RequestGuard
from http_api.rendered import RenderedAnswers
from http_api.request_log import RequestLogMiddleware, configure_logging
from http_api.routes import (
    admin,
    booking,
    clients,
    front_desk,
    notifications,
    public,
    resources,
    waitlist,
)

MCP_PATH = "/mcp"

DESCRIPTION = """
The booking API of Hello Gorgeous Med Spa: the one path for the website, the AI receptionist and
the provider calendar.

* Times are ISO 8601 with the business offset (America/Chicago); a `start` without an offset is
  business-local time.
* Every error is `{"error": {"code", "message", "details"}}`; the message can be shown as is.
* Admin endpoints (and admin use of the booking endpoints) need
  `Authorization: Bearer <BOOKING_ADMIN_TOKEN>`.
* Manage tokens travel in the request body or the `X-Manage-Token` header, never in a URL.
"""

OPENAPI_TAGS = [
    {"name": "public", "description": "The business, services, providers and free times."},
    {"name": "booking", "description": "Create, cancel, reschedule and view an appointment."},
    {"name": "admin", "description": "Provider calendar and business management (admin token)."},
]


def create_app(
    settings: BookingSettings | None = None,
    clock: Clock | None = None,
    engine: sa.Engine | None = None,
) -> FastAPI:
    """The app over ``bootstrap(settings, engine=engine, clock=clock)``; an ``engine`` passed in
    stays the caller's to dispose. Raises ``MissingSecretKey`` on PostgreSQL without
    ``BOOKING_SECRET_KEY``."""
    system = bootstrap(settings, engine=engine, clock=clock or system_clock)
    settings, uow = system.settings, system.uow
    mcp = McpEndpoint(lambda: mcp_http_app(uow, settings))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            # A route's ASGI app has no lifespan of its own: the parent runs the MCP session
            # manager.
            await stack.enter_async_context(mcp.running())
            stop = system.start_dispatcher()
            stack.push_async_callback(run_in_threadpool, stop)
            yield
        system.close()

    app = FastAPI(
        title="Hello Gorgeous Med Spa — booking API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
        docs_url=None,  # served below from local files: nothing loads from a CDN at run time
        redoc_url=None,
    )
    app.state.system = system
    app.state.settings = settings
    app.state.uow = uow
    app.state.rendered = RenderedAnswers()

    install_error_handlers(app)
    app.add_middleware(RequestLogMiddleware)
    # JSON answers compressed when the client accepts it (availability is tens of kB); level 5
    # compresses a week's availability nearly as well as 9 in a fraction of the time.
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=5)
    origins = embed_origins(settings.embed_origins)
    if origins:
        app.add_middleware(PublicApiCors, origins=origins)
    # Outermost: oversized bodies and admin calls without the token are refused unread.
    app.add_middleware(
        RequestGuard, max_body_bytes=settings.max_body_bytes, admin_token=settings.admin_token
    )

    app.include_router(public.router)
    app.include_router(booking.router)
    app.include_router(admin.router)
    app.include_router(resources.router)
    app.include_router(front_desk.router)
    app.include_router(clients.router)
    app.include_router(waitlist.router)
    app.include_router(waitlist.admin_router)
    app.include_router(waitlist.pages)
    app.include_router(notifications.router)
    # One plain Route at exactly /mcp (not a mount: that would redirect /mcp to /mcp/), first:
    # routing tries the routes in order, and every tool call comes this way.
    app.router.routes.insert(0, Route(MCP_PATH, endpoint=mcp, methods=mcp.methods))
    _add_offline_docs(app)
    app.include_router(web.router)  # last: the web pages may own broad paths

    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = normalize_openapi(generate_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def create_app_from_env() -> FastAPI:
    """The uvicorn factory (``http_api.app:create_app_from_env``): settings from BOOKING_* in the
    environment, which is how ``booking serve --workers N`` hands generated tokens to workers."""
    configure_logging()
    return create_app()


class McpEndpoint:
    """The ``/mcp`` route's ASGI app, forwarding to ``ai_tools.http.mcp_http_app``.

    An MCP session manager can run only once, but an app's lifespan may run several times (test
    clients enter it per use): each lifespan after the first gets a freshly built MCP app.
    """

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._app = build()
        self._used = False
        self.methods = sorted(set().union(*(r.methods or set() for r in self._app.routes)))

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        if self._used:
            self._app = self._build()
        self._used = True
        async with self._app.lifespan():
            yield

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def _add_offline_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the files of the swagger-ui-bundle package."""
    app.mount("/docs-assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} — docs",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )
