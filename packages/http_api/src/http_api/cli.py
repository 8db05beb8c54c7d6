"""The ``booking`` command: serve the API, migrate, load the demo, run the MCP and notify workers.

Settings come from ``BOOKING_*`` environment variables (see docs/http_api.md). Without
``BOOKING_DATABASE_URL`` everything runs on the embedded SQLite database in the user's data
directory, migrated and seeded with the demo business on first start.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Sequence
from typing import TextIO

import sqlalchemy as sa
from ai_tools.server import run_stdio
from booking_core import (
    BookingSettings,
    BookingSystem,
    MissingSecretKey,
    bootstrap,
    current_revision,
    head_revision,
    is_empty,
    is_up_to_date,
    load_demo_business,
    upgrade,
)
from pydantic import ValidationError

from http_api.request_log import configure_logging

APP_FACTORY = "http_api.app:create_app_from_env"
GENERATE_SECRET = '`python -c "import secrets; print(secrets.token_urlsafe(32))"`'
#: Seconds a worker of `booking serve --workers N` may take to start before uvicorn gives up on it.
WORKER_HEALTHCHECK_TIMEOUT = 30


class CommandError(Exception):
    """A refusal with a message for the operator (exit status 2)."""


# --- helpers ----------------------------------------------------------------------------------
def _settings() -> BookingSettings:
    try:
        return BookingSettings()
    except ValidationError as error:
        problems = "; ".join(
            f"BOOKING_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in error.errors()
        )
        raise CommandError(f"invalid settings: {problems}") from None


def _system(settings: BookingSettings, require_secret: bool = True) -> BookingSystem:
    """``bootstrap(settings)``; a missing ``BOOKING_SECRET_KEY`` (PostgreSQL) is a refusal.
    ``require_secret=False``: maintenance that derives no token (schema, demo business)."""
    try:
        return bootstrap(settings, require_secret=require_secret)
    except MissingSecretKey as error:
        raise CommandError(str(error)) from None


def _database_path(settings: BookingSettings) -> str:
    return sa.engine.make_url(settings.database_url).database or ":memory:"


def _describe(settings: BookingSettings) -> str:
    return sa.engine.make_url(settings.database_url).render_as_string(hide_password=True)


def _prepare_embedded(settings: BookingSettings, out: TextIO) -> None:
    """SQLite: migrate, and load the demo business into an empty database."""
    upgrade(settings.database_url)
    # Also makes the server secret kept beside the database file, once, before any worker starts.
    with _system(settings) as system:
        if is_empty(system.uow):
            load_demo_business(system.uow)
            print("Loaded the demo business into the empty database.", file=out)
    print(f"Embedded database: {_database_path(settings)}", file=out)


def _check_schema(settings: BookingSettings, migrate: bool, out: TextIO) -> None:
    """PostgreSQL: refuse an unmigrated or outdated schema unless asked to migrate."""
    with _system(settings, require_secret=False) as system:
        try:
            current_ok = is_up_to_date(system.engine)
            current = current_revision(system.engine)
        except sa.exc.OperationalError as error:
            raise CommandError(
                f"cannot reach the database {_describe(settings)}: "
                f"{str(error.orig or error).splitlines()[0]}"
            ) from None
    if current_ok:
        return
    head = head_revision(settings.database_url)
    if not migrate:
        raise CommandError(
            f"the database schema is {'not migrated' if current is None else 'outdated'} "
            f"(revision {current or 'none'}, this version needs {head}). "
            "Run `booking db upgrade` first, or start with --migrate."
        )
    upgrade(settings.database_url)
    print(f"Migrated the database schema to {head}.", file=out)


def _prepare_database(settings: BookingSettings, migrate: bool, out: TextIO) -> None:
    if settings.is_sqlite:
        _prepare_embedded(settings, out)
    else:
        _check_schema(settings, migrate, out)


def _ensure_tokens(settings: BookingSettings, out: TextIO) -> None:
    """Embedded demo: generate missing tokens and print them once. PostgreSQL: require them."""
    missing = [
        (name, env)
        for name, env in (("admin_token", "BOOKING_ADMIN_TOKEN"), ("ai_token", "BOOKING_AI_TOKEN"))
        if not getattr(settings, name)
    ]
    if not missing:
        return
    if not settings.is_sqlite:
        names = " and ".join(env for _, env in missing)
        raise CommandError(
            f"{names} must be set to serve on PostgreSQL (generate one with {GENERATE_SECRET})."
        )
    print(
        "Generated access tokens for this run (set them in the environment to keep them):",
        file=out,
    )
    for name, env in missing:
        token = secrets.token_urlsafe(32)
        # Workers are separate processes that read settings from the environment.
        os.environ[env] = token
        setattr(settings, name, token)
        print(f"  {env}={token}", file=out)


def _ensure_secret_key(settings: BookingSettings) -> None:
    """PostgreSQL: require BOOKING_SECRET_KEY. The embedded database keeps a generated one in
    ``<database file>.secret`` (made by ``_prepare_embedded``)."""
    if settings.is_sqlite or settings.secret_key:
        return
    raise CommandError(
        "BOOKING_SECRET_KEY must be set to serve on PostgreSQL: clients' manage links are derived "
        "from it, so keep the same one across restarts and workers (generate one with "
        f"{GENERATE_SECRET})."
    )


def _http_url(host: str, port: int) -> str:
    """``http://host:port``, with an IPv6 address in brackets."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _local_base_url(host: str, port: int) -> str:
    """The server's URL for a browser on this machine: a wildcard address becomes 127.0.0.1."""
    return _http_url("127.0.0.1" if host in ("0.0.0.0", "::", "") else host, port)


# --- commands ---------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    base_url = _local_base_url(args.host, args.port)
    if not os.environ.get("BOOKING_PUBLIC_BASE_URL"):
        # Links in messages and feed URLs point at this server unless told otherwise; workers
        # inherit the environment.
        os.environ["BOOKING_PUBLIC_BASE_URL"] = base_url
    # Each worker sizes its database pool to its share of BOOKING_DB_MAX_CONNECTIONS.
    os.environ["BOOKING_WORKERS"] = str(args.workers)
    settings = _settings()
    _prepare_database(settings, args.migrate, sys.stdout)
    _ensure_tokens(settings, sys.stdout)
    _ensure_secret_key(settings)
    print(
        f"Serving on {_http_url(args.host, args.port)} with {args.workers} worker(s):\n"
        f"  booking page  {base_url}/\n"
        f"  admin         {base_url}/admin\n"
        f"  API docs      {base_url}/docs\n"
        f"  MCP endpoint  {base_url}/mcp",
        flush=True,
    )
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,  # our own request log line leaves the query string out
        log_level="info",
        proxy_headers=True,
        # uvicorn kills a worker that has not answered its start-up health check in 5 s; under
        # load (or with several workers on few cores) importing the app takes longer.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_TIMEOUT,
    )


def cmd_db_upgrade(_args: argparse.Namespace) -> None:
    settings = _settings()
    upgrade(settings.database_url)
    print(f"Database {_describe(settings)} is at revision {head_revision(settings.database_url)}.")


def cmd_demo_load(_args: argparse.Namespace) -> None:
    settings = _settings()
    _prepare_database(settings, migrate=False, out=sys.stdout)
    if settings.is_sqlite:
        return  # _prepare_embedded loaded it if the database was empty
    with _system(settings, require_secret=False) as system:
        if not is_empty(system.uow):
            print("The database already holds a business; nothing loaded.")
            return
        load_demo_business(system.uow)
        print(f"Loaded the demo business into {_describe(settings)}.")


def cmd_mcp(_args: argparse.Namespace) -> None:
    # stdout carries the MCP protocol only: every message of ours goes to stderr.
    settings = _settings()
    _prepare_database(settings, migrate=False, out=sys.stderr)
    with _system(settings) as system:
        run_stdio(system.uow)


def cmd_notify_run(args: argparse.Namespace) -> None:
    settings = _settings()
    if not settings.is_sqlite:
        _check_schema(settings, migrate=False, out=sys.stdout)
    else:
        _prepare_embedded(settings, sys.stdout)
    with _system(settings) as system:
        try:
            report = system.run_dispatcher(once=args.once)
        except KeyboardInterrupt:
            return
    if args.once:
        print(report)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="booking",
        description="Hello Gorgeous Med Spa booking: API server and maintenance commands.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the HTTP API, web pages and /mcp")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (default 1; the DB is the lock)"
    )
    serve.add_argument(
        "--migrate",
        action="store_true",
        help="PostgreSQL: migrate an unmigrated/outdated schema instead of refusing to start",
    )
    serve.set_defaults(handler=cmd_serve)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    db_commands.add_parser("upgrade", help="migrate the schema to this version").set_defaults(
        handler=cmd_db_upgrade
    )

    demo = commands.add_parser("demo", help="the demo business")
    demo_commands = demo.add_subparsers(dest="demo_command", required=True, metavar="COMMAND")
    demo_commands.add_parser(
        "load", help="load the demo business into an empty database"
    ).set_defaults(handler=cmd_demo_load)

    mcp = commands.add_parser("mcp", help="serve the AI booking tools over MCP on stdio")
    mcp.set_defaults(handler=cmd_mcp)

    notify = commands.add_parser("notify", help="notifications")
    notify_commands = notify.add_subparsers(dest="notify_command", required=True, metavar="COMMAND")
    run = notify_commands.add_parser("run", help="send due notifications (keeps polling)")
    run.add_argument("--once", action="store_true", help="send what is due now, then exit")
    run.set_defaults(handler=cmd_notify_run)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    configure_logging()
    try:
        args.handler(args)
    except CommandError as error:
        print(f"booking: {error}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
