"""One log line per request: method, path (never the query string), status, duration.

No client data: paths carry ids at most, tokens travel in headers or bodies, never in URLs.
Pure ASGI (not BaseHTTPMiddleware) so it adds no task switch and leaves streamed responses alone.
"""

from __future__ import annotations

import sys
import time

from booking_core import loggable
from loguru import logger
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            logger.info(
                "[http] {} {} {} {:.1f}ms",
                scope["method"],
                loggable(scope["path"], limit=300),  # a %0A in a URL must not forge a line
                status,
                (time.perf_counter() - started) * 1000,
            )


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr only (stdout is reserved for what a command prints, or a protocol)."""
    logger.remove()
    logger.add(
        sys.stderr,
        level=level,
        format="{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <7} | {process} | {message}",
        backtrace=False,
        diagnose=False,  # never print local variables (they may hold client data)
    )
