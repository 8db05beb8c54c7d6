"""ai_tools: the AI receptionist's MCP tool server over booking_core.

- ``ai_tools.server.build_server(uow, operator=False)``: the ``MCPServer`` with the booking
  tools (``operator=True``: the caller is the machine's operator, as over stdio);
- ``ai_tools.server.run_stdio(uow)``: serve it over stdio (``booking mcp``, ``python -m ai_tools``);
- ``ai_tools.http.mcp_http_app(uow, settings)``: the streamable HTTP endpoint at ``/mcp``.
"""
