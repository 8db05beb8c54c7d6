"""What a voice agent can afford: the whole tools/list, as a model receives it, stays within
10,000 characters (about 2,500 tokens, paid on every turn of a call), and stays there as tools
are added. Measured on the wire: the ``tools`` of a raw tools/list answer, serialized as
Python's ``json.dumps`` does with default separators."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ai_tools.server import TOOL_LIST_BUDGET
from mcp import Client
from mcp_helpers import AI_TOKEN, RunningServer, with_mcp

BUDGET = 10_000
HEADERS = {
    "Authorization": f"Bearer {AI_TOKEN}",
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": "2025-11-25",
}


def raw_tools(server: RunningServer) -> list[dict[str, Any]]:
    """The tools of a tools/list answer exactly as they travel (stateless: no session)."""
    with server.api() as api:
        initialized = api.post(
            "/mcp",
            headers=HEADERS,
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "budget-test", "version": "0"},
                },
            },
        )
        assert initialized.status_code == 200, initialized.text
        listed = api.post(
            "/mcp", headers=HEADERS, json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
        )
    assert listed.status_code == 200, listed.text
    tools: list[dict[str, Any]] = listed.json()["result"]["tools"]
    return tools


def test_the_tool_list_fits_a_voice_agents_budget(
    http_server: RunningServer, capsys: pytest.CaptureFixture[str]
):
    tools = raw_tools(http_server)
    size = len(json.dumps(tools))
    with capsys.disabled():
        print(f"\ntools/list: {size:,} characters for {len(tools)} tools (budget {BUDGET:,})")
    assert TOOL_LIST_BUDGET == BUDGET
    assert size <= BUDGET, f"tools/list is {size} characters; the budget is {BUDGET}"
    assert len(tools) >= 10
    for tool in tools:
        # Answers stay structured; the output schemas are what a model did not need.
        assert "outputSchema" not in tool, tool["name"]
        schema = tool["inputSchema"]
        assert set(schema.get("required", [])) <= set(schema["properties"]), tool["name"]
        assert "title" not in schema and all(
            "title" not in prop for prop in schema["properties"].values()
        ), tool["name"]


def test_the_sdk_client_sees_the_same_list(http_server: RunningServer):
    async def scenario(client: Client) -> Any:
        return (await client.list_tools()).tools

    tools = with_mcp(http_server.mcp_url, scenario)
    as_sent = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]
    assert as_sent == raw_tools(http_server)


def test_arguments_are_still_checked_against_the_full_schema(http_server: RunningServer):
    """The published schema leaves out what a model need not read (the id ceiling, titles);
    the server still refuses what does not fit."""

    async def scenario(client: Client) -> Any:
        return (
            await client.call_tool(
                "find_available_slots", {"service_id": 2**40, "date": "2026-12-03"}
            ),
            await client.call_tool("list_providers", {"service_id": 2**40}),
        )

    for result in with_mcp(http_server.mcp_url, scenario):
        assert result.is_error
        assert result.structured_content["error"]["code"] == "validation_error"
