"""Arguments that do not fit a tool's schema are answered like any booking error."""

from __future__ import annotations

import asyncio

import pytest
from ai_tools.server import build_server
from mcp import Client


def call(uow, tool: str, arguments: dict):
    async def run():
        async with Client(build_server(uow)) as client:
            return await client.call_tool(tool, arguments)

    return asyncio.run(run())


@pytest.mark.parametrize(
    ("tool", "arguments", "field"),
    [
        ("find_available_slots", {"service_id": 2, "date": "2026-12-03", "limit": 51}, "limit"),
        ("find_available_slots", {"service_id": 2, "date": "next tuesday"}, "date"),
        (
            "find_available_slots",
            {"service_id": 2, "date": "2026-12-03", "earliest_time": "2pm"},
            "earliest_time",
        ),
        (  # a JSON number would be read as seconds past midnight UTC
            "find_available_slots",
            {"service_id": 2, "date": "2026-12-03", "latest_time": 10},
            "latest_time",
        ),
        (
            "book_appointment",
            {
                "service_id": "abc",
                "start": "2026-12-03T10:00",
                "client_name": "A",
                "client_phone": "3125550100",
            },
            "service_id",
        ),
    ],
)
def test_badly_typed_arguments_give_validation_error_with_the_field(uow, tool, arguments, field):
    result = call(uow, tool, arguments)
    assert result.is_error
    text = result.content[0].text
    assert text.startswith("validation_error: ") and field in text
    error = result.structured_content["error"]
    assert error["code"] == "validation_error" and field in error["details"]["fields"]


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        (
            "find_available_slots",
            {"service_id": 2, "date": "2026-12-03", "earliest_time": "10:00Z"},
        ),
        ("find_available_slots", {"service_id": 2**63, "date": "2026-12-03"}),
        ("find_available_slots", {"service_id": 2, "date": "9999-12-31", "days": 2}),
        (
            "book_appointment",
            {
                "service_id": 2,
                "start": "2026-12-03T10:00",
                "client_name": "A\x00B",
                "client_phone": "3125550100",
            },
        ),
    ],
)
def test_hostile_arguments_are_coded_errors_not_crashes(uow, tool, arguments):
    result = call(uow, tool, arguments)
    assert result.is_error
    assert result.content[0].text.split(":")[0] in {"validation_error", "not_found", "invalid_time"}
    assert result.structured_content["error"]["code"] in {
        "validation_error",
        "not_found",
        "invalid_time",
    }
