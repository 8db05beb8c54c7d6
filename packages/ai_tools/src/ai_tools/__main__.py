"""``python -m ai_tools``: the MCP tool server over stdio, on the database of BOOKING_DATABASE_URL
(the same default embedded database as ``booking serve``). ``booking mcp`` does the same."""

from __future__ import annotations

import sys

from booking_core import MissingSecretKey

from ai_tools.server import run_stdio


def main() -> None:
    try:
        run_stdio()  # over bootstrap(): the BOOKING_* environment
    except MissingSecretKey as error:
        print(f"ai_tools: {error}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
