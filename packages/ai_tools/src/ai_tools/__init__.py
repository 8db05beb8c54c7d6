"""ai_tools: the AI receptionist's MCP tool server over booking_core.

- ``ai_tools.server.build_server(uow)``: the ``MCPServer`` with the booking tools;
- ``ai_tools.server.run_stdio(uow)``: serve it over stdio (``booking mcp``, ``python -m ai_tools``);
- ``ai_tools.http.mcp_http_app(uow, settings)``: the streamable HTTP endpoint at ``/mcp``.
"""
