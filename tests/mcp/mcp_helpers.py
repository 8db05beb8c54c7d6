"""Helpers for the MCP tool server tests: a started HTTP server and the SDK's real clients.

The HTTP server is uvicorn on a random free port, in a thread, serving
``http_api.app.create_app``: the real app, with /api and /mcp, as ``booking serve`` runs it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import httpx
import httpx2
import uvicorn
from booking_core import BookingSettings, UnitOfWork
from http_api.app import create_app
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, TextContent

AI_TOKEN = "ai-test-token"
ADMIN_TOKEN = "admin-test-token"
CALLER = "+13125550177"  # E.164 of (312) 555-0177

T = TypeVar("T")


def build_app(uow: UnitOfWork, settings: BookingSettings) -> Any:
    """A fresh app (a session manager runs once) on the test's engine and fixed clock."""
    return create_app(settings=settings, clock=uow.clock, engine=uow.engine)


@dataclass
class RunningServer:
    base_url: str

    @property
    def mcp_url(self) -> str:
        return self.base_url + "/mcp"

    def api(self, admin: bool = False) -> httpx.Client:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"} if admin else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)


def serve(app: Any) -> Iterator[RunningServer]:
    """Serve ``app`` with uvicorn on a random free port in a thread, until the test ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield RunningServer(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@asynccontextmanager
async def mcp_client(
    url: str, *, token: str | None = AI_TOKEN, caller: str | None = None
) -> AsyncIterator[Client]:
    """The SDK's high-level client over streamable HTTP; ``caller`` is sent as the
    caller-number header (as a voice platform does)."""
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if caller:
        headers["X-Caller-Number"] = caller
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=60)) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


def with_mcp(
    url: str,
    scenario: Callable[[Client], Awaitable[T]],
    *,
    token: str | None = AI_TOKEN,
    caller: str | None = None,
) -> T:
    """Run ``scenario`` with the SDK's high-level client connected over streamable HTTP."""

    async def main() -> T:
        async with mcp_client(url, token=token, caller=caller) as client:
            return await scenario(client)

    return anyio.run(main)


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def ok(result: CallToolResult) -> dict[str, Any]:
    """The structured answer of a successful call (fails the test with the error text)."""
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return result.structured_content


def error_code(result: CallToolResult) -> str:
    assert result.is_error, f"expected a tool error, got {result.structured_content}"
    assert result.structured_content is not None, text_of(result)
    return str(result.structured_content["error"]["code"])
