"""``python -m ai_tools``: the MCP tool server over stdio, on the database of BOOKING_DATABASE_URL
(the same default embedded database as ``booking serve``). ``booking mcp`` does the same."""

from __future__ import annotations

from booking_core import BookingSettings, open_unit_of_work

from ai_tools.server import run_stdio


def main() -> None:
    run_stdio(open_unit_of_work(BookingSettings()))


if __name__ == "__main__":
    main()
