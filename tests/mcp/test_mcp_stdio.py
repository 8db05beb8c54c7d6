"""The MCP tools over stdio: ``booking mcp`` (or ``python -m ai_tools`` until the CLI has it)
spawned as a subprocess on the test database, driven by the SDK's real client.

The subprocess runs on the system clock, so dates are taken from its own get_business_info.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp_helpers import error_code, ok, text_of

ANN = "(312) 555-0199"
BOTOX = 2
PATEL = 1


@cache
def stdio_command() -> tuple[str, ...]:
    """``booking mcp`` once the CLI offers it, else this package's own ``python -m ai_tools``."""
    booking = Path(sys.executable).with_name("booking")
    if booking.exists():
        probe = subprocess.run(
            [str(booking), "mcp", "--help"], capture_output=True, timeout=120, check=False
        )
        if probe.returncode == 0:
            return (str(booking), "mcp")
    return (sys.executable, "-m", "ai_tools")


def server_env(database_url: str) -> dict[str, str]:
    # StdioServerParameters.env is laid over a bare environment (PATH, HOME, ...), not ours:
    # pass what the server needs.
    env = {"BOOKING_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    if not database_url.startswith("sqlite"):  # required there; SQLite keeps its own
        env["BOOKING_SECRET_KEY"] = os.environ["BOOKING_SECRET_KEY"]
    return env


def with_stdio(database_url: str, scenario: Any) -> Any:
    command, *args = stdio_command()
    params = StdioServerParameters(command=command, args=args, env=server_env(database_url))

    async def main() -> Any:
        async with Client(params) as client:
            return await scenario(client)

    return anyio.run(main)


def a_working_day_ahead(today: str) -> date:
    """A weekday at least three days ahead: clear of the notice and change cut-offs."""
    day = date.fromisoformat(today) + timedelta(days=3)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_stdio_books_finds_moves_and_cancels(ai_uow, database_url):
    async def scenario(client: Client) -> Any:
        names = {tool.name for tool in (await client.list_tools()).tools}
        info = ok(await client.call_tool("get_business_info", {}))
        day = a_working_day_ahead(info["today"]).isoformat()
        slots = ok(
            await client.call_tool(
                "find_available_slots",
                {"service_id": BOTOX, "date": day, "provider_id": PATEL, "limit": 50},
            )
        )["slots"]
        first, later = slots[0], slots[-1]
        booking = {
            "service_id": BOTOX,
            "start": first["start"],
            "client_name": "Ann Example",
            "client_phone": ANN,
            "provider_id": PATEL,
        }
        booked = ok(await client.call_tool("book_appointment", booking))
        taken = await client.call_tool(
            "book_appointment", {**booking, "client_phone": "(312) 555-0111"}
        )
        found = ok(await client.call_tool("find_appointments", {"client_phone": "+13125550199"}))
        stranger = await client.call_tool(
            "cancel_appointment", {"appointment_id": booked["id"], "client_phone": "3125550100"}
        )
        moved = ok(
            await client.call_tool(
                "reschedule_appointment",
                {"appointment_id": booked["id"], "client_phone": ANN, "new_start": later["start"]},
            )
        )
        cancelled = ok(
            await client.call_tool(
                "cancel_appointment", {"appointment_id": booked["id"], "client_phone": ANN}
            )
        )
        again = ok(
            await client.call_tool(
                "find_available_slots",
                {"service_id": BOTOX, "date": day, "provider_id": PATEL, "limit": 50},
            )
        )["slots"]
        return names, first, later, booked, taken, found, stranger, moved, cancelled, again

    names, first, later, booked, taken, found, stranger, moved, cancelled, again = with_stdio(
        database_url, scenario
    )
    assert len(names) == 11 and "book_appointment" in names
    # The operator's machine: found, moved and cancelled by the number given, with no code.
    assert booked["start"] == first["start"] and booked["readable"] == first["readable"]
    assert error_code(taken) == "slot_unavailable"
    assert "no longer available" in text_of(taken)
    assert [a["id"] for a in found["appointments"]] == [booked["id"]]
    assert error_code(stranger) == "not_found"
    assert moved["start"] == later["start"]
    assert cancelled["status"] == "cancelled"
    assert {first["start"], later["start"]} <= {slot["start"] for slot in again}


def test_stdio_readable_errors_for_bad_times(ai_uow, database_url):
    async def scenario(client: Client) -> Any:
        booking = {"service_id": BOTOX, "client_name": "Ann", "client_phone": ANN}
        past = await client.call_tool("book_appointment", {**booking, "start": "2020-01-06T10:00"})
        skipped = await client.call_tool(
            "book_appointment", {**booking, "start": "2030-03-10T02:30"}
        )
        return past, skipped

    past, skipped = with_stdio(database_url, scenario)
    assert error_code(past) == "past_time" and "in the past" in text_of(past)
    assert error_code(skipped) == "invalid_time" and "does not exist" in text_of(skipped)


# --- nothing but the protocol on stdout -------------------------------------------------------


def _read_message(process: subprocess.Popen[bytes], timeout: float = 60) -> dict[str, Any]:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if selector.select(timeout=0.5):
                line = process.stdout.readline()
                assert line, "the server closed stdout"
                return json.loads(line)  # anything but JSON-RPC on stdout fails here
    finally:
        selector.close()
    raise AssertionError("no answer from the stdio server")


def test_stdout_carries_only_the_protocol_and_logs_go_to_stderr(ai_uow, database_url, tmp_path):
    errors = tmp_path / "stderr.txt"
    env = {**os.environ, **server_env(database_url)}
    with errors.open("wb") as stderr:
        process = subprocess.Popen(
            list(stdio_command()),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
        )
        assert process.stdin is not None

        def send(message: dict[str, Any]) -> None:
            process.stdin.write(json.dumps(message).encode() + b"\n")
            process.stdin.flush()

        try:
            send(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {
                        "protocolVersion": "2025-11-25",
                        "capabilities": {},
                        "clientInfo": {"name": "raw", "version": "0"},
                    },
                }
            )
            assert _read_message(process)["id"] == 1
            send({"jsonrpc": "2.0", "method": "notifications/initialized"})
            send(
                {
                    "jsonrpc": "2.0",
                    "id": 2,
                    "method": "tools/call",
                    "params": {
                        "name": "book_appointment",
                        "arguments": {
                            "service_id": BOTOX,
                            "start": "2020-01-06T10:00",
                            "client_name": "Ann",
                            "client_phone": ANN,
                        },
                    },
                }
            )
            answer = _read_message(process)
            assert answer["id"] == 2 and answer["result"]["isError"] is True
            process.stdin.close()
            rest = process.stdout.read()
            assert process.wait(timeout=60) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    for line in rest.splitlines():
        if line.strip():
            assert json.loads(line)["jsonrpc"] == "2.0"
    # The booking log line (loguru) was written, to stderr.
    assert "[booking/create]" in errors.read_text()


@pytest.mark.parametrize("engine_name", ["sqlite"])
def test_the_stdio_command_starts_on_an_empty_environment(database_url, ai_uow):
    async def scenario(client: Client) -> Any:
        return client.server_info.name, client.instructions

    name, instructions = with_stdio(database_url, scenario)
    assert name == "hello-gorgeous-booking"
    assert "get_business_info" in instructions
