"""Embedding the client pages on the spa's own website (``BOOKING_EMBED_ORIGINS``), and
cross-origin calls to the public API from those sites.

With no origins set nothing is embeddable and no cross-origin call is allowed (as before). With
origins set:
- the client pages (booking, manage, their static files) may be framed by this site and those
  origins (CSP ``frame-ancestors``; ``X-Frame-Options`` is then not sent, since it cannot name
  other sites); the admin page never may;
- the public API answers CORS for those origins only on the public paths (business, services,
  providers, availability, booking, waitlist), never on ``/api/admin/*`` or ``/mcp``.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

#: The API paths a client's browser on an embedding site may call.
PUBLIC_API_PREFIXES = (
    "/api/business",
    "/api/services",
    "/api/providers",
    "/api/availability",
    "/api/booking/",
    "/api/waitlist",
)
ALLOWED_HEADERS = ["Content-Type", "Idempotency-Key", "X-Manage-Token"]


def embed_origins(setting: str) -> list[str]:
    return [origin.strip().rstrip("/") for origin in (setting or "").split(",") if origin.strip()]


def is_public_api(path: str) -> bool:
    return any(path == p.rstrip("/") or path.startswith(p) for p in PUBLIC_API_PREFIXES)


class PublicApiCors:
    """Starlette's CORS middleware, on the public API paths only."""

    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=ALLOWED_HEADERS,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_public_api(scope["path"]):
            await self.cors(scope, receive, send)
            return
        await self.app(scope, receive, send)
