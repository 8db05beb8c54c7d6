"""Refusals before a request body is read: bodies over the limit (413 ``payload_too_large``,
from the Content-Length header or while a chunked body arrives) and admin routes without the
admin token (401), so nobody can make the server read and parse megabytes for nothing.
Pure ASGI: streamed responses pass untouched."""

from __future__ import annotations

import hmac
from typing import Any

from booking_core import PayloadTooLarge, Unauthorized
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from http_api.errors import booking_error_response

_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int, admin_token: str | None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self._admin = admin_token.encode() if admin_token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if scope["path"].startswith("/api/admin/") and not self._is_admin(headers):
            refusal = Unauthorized("This needs the admin token: `Authorization: Bearer <token>`.")
            await self._refuse(refusal, scope, receive, send)
            return
        if scope["method"] not in _BODY_METHODS or self.max_body_bytes <= 0:
            await self.app(scope, receive, send)
            return
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            await self._refuse(self._too_large(), scope, receive, send)
            return
        await self._counted(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A body without Content-Length (chunked) is counted as it arrives: past the limit,
        the 413 goes out at once and the application sees the client gone (what it would
        still send is dropped)."""
        received = 0
        refused = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes and not started:
                    refused = True
                    await self._refuse(self._too_large(), scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise

    def _too_large(self) -> PayloadTooLarge:
        kb = self.max_body_bytes // 1024
        return PayloadTooLarge(
            f"The request is too large (at most {kb} KB).", limit_bytes=self.max_body_bytes
        )

    def _is_admin(self, headers: dict[bytes, bytes]) -> bool:
        scheme, _, token = headers.get(b"authorization", b"").partition(b" ")
        if self._admin is None or scheme.lower() != b"bearer" or not token.strip():
            return False
        return hmac.compare_digest(token.strip(), self._admin)

    async def _refuse(self, error: Any, scope: Scope, receive: Receive, send: Send) -> None:
        response = booking_error_response(error)
        if isinstance(error, Unauthorized):
            response.headers["WWW-Authenticate"] = "Bearer"
        await response(scope, receive, send)
