"""Test doubles that talk real protocols on 127.0.0.1: a Twilio-shaped SMS API and helpers.

The SMS server counts every request it receives (a request that arrived may have been delivered,
whatever the client saw), so the tests can say exactly which messages went out how many times.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections import Counter
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

import sqlalchemy as sa
from booking_core import BookingResult, Requester, UnitOfWork, create_appointment
from booking_core.adapters import tables as t
from booking_core.services.tokens import render_message
from booking_core.services.waitlist import render_waitlist_links

ACCOUNT_SID = "AC00000000000000000000000000000001"
AUTH_TOKEN = "test-auth-token"
FROM_NUMBER = "+13125550142"
OWNER_PHONE = "+13125550199"
OWNER_EMAIL = "owner@hellogorgeous.example"
BASE_URL = "https://book.hellogorgeous.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class FakeSmsServer:
    """Twilio's Messages API shape. Modes: ``accept`` (201), ``fail`` (503), ``reject`` (400),
    ``timeout`` (answers only after ``slow_seconds``). ``fail_next`` fails that many requests
    first; ``hold_request`` = N holds the N-th request (counted) until ``release`` is set."""

    def __init__(self, mode: str = "accept", slow_seconds: float = 3.0) -> None:
        self.mode = mode
        self.slow_seconds = slow_seconds
        self.fail_next = 0
        self.delay = 0.0
        self.hold_request: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(r["form"].get("Body", "") for r in self.requests)

    def __enter__(self) -> FakeSmsServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                auth = self.headers.get("Authorization", "")
                user = ""
                if auth.startswith("Basic "):
                    user = base64.b64decode(auth[6:]).decode()
                with fake._lock:
                    fake.requests.append({"path": self.path, "form": form, "auth": user})
                    number = len(fake.requests)
                    failing = fake.fail_next > 0
                    if failing:
                        fake.fail_next -= 1
                if fake.hold_request == number:
                    fake.held.set()
                    fake.release.wait(30)
                if fake.delay:
                    time.sleep(fake.delay)
                try:
                    if failing or fake.mode == "fail":
                        self._json(503, {"code": 20503, "message": "Service Unavailable"})
                    elif fake.mode == "reject":
                        self._json(400, {"code": 21211, "message": "Invalid 'To' Phone Number"})
                    else:
                        if fake.mode == "timeout":
                            time.sleep(fake.slow_seconds)
                        self._json(201, {"sid": f"SM{number:032d}", "status": "queued"})
                except OSError:
                    pass  # the client hung up (timed out or was killed)

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def twilio_settings(server: FakeSmsServer) -> dict[str, Any]:
    return {
        "sms_sender": "twilio",
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_from": FROM_NUMBER,
        "twilio_base_url": server.url,
    }


def twilio_env(server: FakeSmsServer) -> dict[str, str]:
    return {f"BOOKING_{k.upper()}": str(v) for k, v in twilio_settings(server).items()}


def with_settings(uow: UnitOfWork, **changes: Any) -> UnitOfWork:
    """The same database and clock, other settings."""
    return UnitOfWork(uow.settings.model_copy(update=changes), engine=uow.engine, clock=uow.clock)


def book(
    uow: UnitOfWork,
    start: str,
    service_id: int = 2,
    provider_id: int | None = 1,
    name: str = "Jane Doe",
    phone: str = "312-555-0100",
    notes: str | None = None,
    requester: Requester | None = None,
    idempotency_key: str | None = None,
) -> BookingResult:
    return create_appointment(
        uow,
        service_id=service_id,
        provider_id=provider_id,
        start=start,
        client_name=name,
        client_phone=phone,
        notes=notes,
        requester=requester or Requester.web(),
        idempotency_key=idempotency_key,
    )


def outbox_rows(uow: UnitOfWork, **where: Any) -> list[Any]:
    """Outbox rows, their bodies rendered as the dispatcher sends them (the manage link in
    place of its placeholder); ``stored_body`` is the text as stored."""
    n = t.notifications
    query = sa.select(n).order_by(n.c.id)
    for column, value in where.items():
        query = query.where(n.c[column] == value)
    with uow.begin() as tx:
        rows = list(tx.connection.execute(query).all())
    return [
        SimpleNamespace(
            **{
                **row._asdict(),
                "stored_body": row.body,
                "body": render_waitlist_links(
                    render_message(
                        row.body, row.appointment_id, uow.settings, uow.secret, row.verification_id
                    ),
                    uow.settings,
                    uow.secret,
                ),
            }
        )
        for row in rows
    ]


def add_due_messages(database_url: str, count: int, due_at: datetime, prefix: str = "msg") -> None:
    """``count`` SMS rows due at ``due_at``, bodies ``{prefix} 1`` … (distinct, to count them)."""
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(t.notifications),
            [
                {
                    "appointment_id": None,
                    "kind": "client_confirmation",
                    "channel": "sms",
                    "recipient": f"+1312555{i % 10000:04d}",
                    "subject": "",
                    "body": f"{prefix} {i}",
                    "status": "pending",
                    "due_at": due_at,
                    "created_at": due_at,
                }
                for i in range(1, count + 1)
            ],
        )
    engine.dispose()
