"""``python -m booking_core.notify run [--once]``: the dispatcher without the HTTP server.

The ``booking notify run`` command does the same; this entry point needs only booking_core.
SIGTERM and Ctrl-C stop it after the message being sent (claims not yet started are given
back).
"""

from __future__ import annotations

import argparse
import sys

from booking_core.bootstrap import bootstrap
from booking_core.notify.senders import NotifyConfigError
from booking_core.secret_key import MissingSecretKey


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m booking_core.notify")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="send due notifications")
    run.add_argument("--once", action="store_true", help="send what is due now, then exit")
    args = parser.parse_args(argv)

    try:
        system = bootstrap()
    except MissingSecretKey as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        # The dispatcher stops cleanly on SIGTERM / Ctrl-C by itself.
        report = system.run_dispatcher(once=args.once)
    except NotifyConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        system.close()
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
