"""Fixtures of the notification tests: the demo business with owner contacts and an outbox file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from booking_core import UnitOfWork
from loguru import logger
from notify_fakes import (
    BASE_URL,
    OWNER_EMAIL,
    OWNER_PHONE,
    FakeSmsServer,
    free_port,
    with_settings,
)


@pytest.fixture
def nuow(uow: UnitOfWork, tmp_path: Path) -> UnitOfWork:
    """The demo business, owner notified by SMS and e-mail, log sender writing to tmp_path."""
    return with_settings(
        uow,
        owner_phone=OWNER_PHONE,
        owner_email=OWNER_EMAIL,
        public_base_url=BASE_URL,
        outbox_file=str(tmp_path / "outbox.jsonl"),
        notify_retry_base_seconds=60,
        notify_max_attempts=3,
        notify_send_timeout_seconds=0.5,
        notify_claim_timeout_seconds=60,
    )


@pytest.fixture
def sms_server() -> Iterator[FakeSmsServer]:
    with FakeSmsServer() as server:
        yield server


class CollectingHandler:
    def __init__(self) -> None:
        self.envelopes: list[object] = []
        self.refuse = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[CollectingHandler, int]]:
    handler = CollectingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def error_log() -> Iterator[list[str]]:
    """Lines logged at error level while the test runs."""
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="ERROR", format="{message}")
    yield lines
    logger.remove(sink)
