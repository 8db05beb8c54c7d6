"""``Depends`` providers: the unit of work, the settings, who is calling, and the rate limit.

They are ``async def`` because they only read the request and the app's state: FastAPI runs a
plain ``def`` dependency in the thread pool, a hop that costs more than the work (the rate limit's
database count alone goes to a thread)."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from booking_core import BookingSettings, Unauthorized, UnitOfWork, count_request
from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from starlette.concurrency import run_in_threadpool

from http_api.rendered import RenderedAnswers

#: Documents the admin bearer token in OpenAPI; the check itself is ``is_admin`` below, which also
#: refuses a malformed Authorization header instead of silently ignoring it.
admin_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="AdminToken",
    description="`Authorization: Bearer <BOOKING_ADMIN_TOKEN>`.",
)

#: OpenAPI for endpoints where the admin token is optional (it turns a client call into an admin
#: call): "no security" or the bearer token.
OPTIONAL_ADMIN: dict[str, Any] = {"security": [{}, {"AdminToken": []}]}


async def get_uow(request: Request) -> UnitOfWork:
    uow: UnitOfWork = request.app.state.uow
    return uow


async def get_rendered(request: Request) -> RenderedAnswers:
    rendered: RenderedAnswers = request.app.state.rendered
    return rendered


async def get_settings(request: Request) -> BookingSettings:
    settings: BookingSettings = request.app.state.settings
    return settings


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("The Authorization header must be `Bearer <token>`.")
    return token.strip()


def token_matches(given: str, expected: str | None) -> bool:
    """Constant-time comparison; an unset expected token matches nothing."""
    if not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


async def caller_is_admin(request: Request) -> bool:
    """True with the right admin token, False with none; a wrong token is refused (401)."""
    token = _bearer(request)
    if token is None:
        return False
    if not token_matches(token, request.app.state.settings.admin_token):
        raise Unauthorized("The admin token is missing or wrong.")
    return True


async def require_admin(request: Request) -> None:
    if not await caller_is_admin(request):
        raise Unauthorized("This needs the admin token: `Authorization: Bearer <token>`.")


def client_ip(request: Request) -> str:
    # uvicorn's --proxy-headers (on by default for trusted proxies) already resolved
    # X-Forwarded-For into request.client when the server sits behind a proxy.
    return request.client.host if request.client else "unknown"


async def public_write(
    request: Request, is_admin: Annotated[bool, Depends(caller_is_admin)]
) -> bool:
    """For public POSTs: resolves the caller and applies the per-IP limit to non-admin callers,
    counted in the database so that every worker process shares it."""
    settings: BookingSettings = request.app.state.settings
    if not is_admin and settings.rate_limit_per_minute > 0:
        key = f"ip:{client_ip(request)}"
        uow = request.app.state.uow
        await run_in_threadpool(count_request, uow, key, settings.rate_limit_per_minute)
    return is_admin


UowDep = Annotated[UnitOfWork, Depends(get_uow)]
SettingsDep = Annotated[BookingSettings, Depends(get_settings)]
RenderedDep = Annotated[RenderedAnswers, Depends(get_rendered)]
AdminCaller = Annotated[bool, Depends(caller_is_admin)]
PublicWriteCaller = Annotated[bool, Depends(public_write)]
