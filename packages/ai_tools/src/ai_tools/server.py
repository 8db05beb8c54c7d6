"""The MCP tool server of the AI receptionist (being built; see issue 4)."""

from __future__ import annotations

from booking_core import UnitOfWork
from mcp.server import MCPServer


def build_server(uow: UnitOfWork) -> MCPServer:
    return MCPServer("hello-gorgeous-booking", log_level="WARNING")
