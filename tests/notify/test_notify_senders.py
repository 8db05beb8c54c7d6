"""The Twilio-shaped SMS sender against a fake SMS API on 127.0.0.1, and owner e-mail over SMTP
against a local aiosmtpd server: accepting, failing with 5xx, timing out, refusing."""

from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes
from email.message import Message

import pytest
from booking_core import UnitOfWork
from booking_core.notify import (
    OutgoingMessage,
    SendError,
    SmtpSender,
    TwilioSender,
    run_dispatcher,
)
from notify_fakes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    OWNER_EMAIL,
    FakeSmsServer,
    book,
    free_port,
    outbox_rows,
    twilio_settings,
    with_settings,
)

MESSAGE = OutgoingMessage(
    id=7,
    kind="client_confirmation",
    channel="sms",
    recipient="+13125550100",
    subject="",
    body="Hi Jane, your Botox is booked for Tue, Dec 1 at 2:30 PM CST.",
)

pytestmark = pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)


def twilio(nuow: UnitOfWork, server: FakeSmsServer) -> TwilioSender:
    return TwilioSender(with_settings(nuow, **twilio_settings(server)).settings)


def test_twilio_sender_posts_the_messages_api_shape(nuow, sms_server):
    sender = twilio(nuow, sms_server)
    sender.send(MESSAGE)
    sender.close()
    (request,) = sms_server.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request["form"] == {"To": "+13125550100", "From": FROM_NUMBER, "Body": MESSAGE.body}
    assert request["auth"] == f"{ACCOUNT_SID}:{AUTH_TOKEN}"


def test_twilio_5xx_is_retryable(nuow, sms_server):
    sms_server.mode = "fail"
    with pytest.raises(SendError) as caught:
        twilio(nuow, sms_server).send(MESSAGE)
    assert caught.value.retryable
    assert "503" in caught.value.message and "Service Unavailable" in caught.value.message


def test_twilio_4xx_is_permanent(nuow, sms_server):
    sms_server.mode = "reject"
    with pytest.raises(SendError) as caught:
        twilio(nuow, sms_server).send(MESSAGE)
    assert not caught.value.retryable
    assert "21211" in caught.value.message


def test_twilio_timeout_is_retryable(nuow, sms_server):
    sms_server.mode = "timeout"  # answers after 3 s; the sender gives up after 0.5 s
    with pytest.raises(SendError) as caught:
        twilio(nuow, sms_server).send(MESSAGE)
    assert caught.value.retryable and "timed out" in caught.value.message
    assert len(sms_server.requests) == 1  # it arrived: a retry may repeat it (at least once)


def test_twilio_unreachable_is_retryable(nuow):
    with FakeSmsServer() as server:
        sender = twilio(nuow, server)
    with pytest.raises(SendError) as caught:
        sender.send(MESSAGE)
    assert caught.value.retryable


def test_dispatcher_over_twilio_retries_a_5xx_then_sends(nuow, sms_server):
    uow = with_settings(nuow, owner_email=None, reminder_hours=0, **twilio_settings(sms_server))
    book(uow, "2026-12-02T10:00")
    sms_server.fail_next = 1
    first = run_dispatcher(uow, once=True)
    assert (first.sent, first.retrying) == (1, 1)
    uow.clock.advance(seconds=60)  # type: ignore[attr-defined]
    assert run_dispatcher(uow, once=True).sent == 1
    assert {r.status for r in outbox_rows(uow)} == {"sent"}
    assert sorted(sms_server.counts.values()) == [1, 2]  # the failed one was asked twice


# --- SMTP ------------------------------------------------------------------------------------
def smtp_uow(nuow: UnitOfWork, port: int, **extra: object) -> UnitOfWork:
    return with_settings(
        nuow,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="booking@hellogorgeous.example",
        owner_phone=None,
        reminder_hours=0,
        **extra,
    )


def parsed(envelope: object) -> Message:
    return message_from_bytes(envelope.original_content)  # type: ignore[attr-defined]


def test_owner_email_over_smtp(nuow, smtp_server):
    handler, port = smtp_server
    uow = smtp_uow(nuow, port)
    book(uow, "2026-12-01T14:30", notes="numbing cream please")
    report = run_dispatcher(uow, once=True)
    assert report.sent == 2  # the client's SMS (log sender) and the owner's e-mail
    (envelope,) = handler.envelopes
    assert envelope.rcpt_tos == [OWNER_EMAIL]
    email = parsed(envelope)
    assert email["To"] == OWNER_EMAIL
    assert email["From"] == "Hello Gorgeous Med Spa <booking@hellogorgeous.example>"
    assert email["Subject"] == "New booking: Botox, Tue, Dec 1 at 2:30 PM CST"
    body = email.get_payload(decode=True).decode()
    assert "Botox with Dr. Maya Patel, Tue, Dec 1 at 2:30 PM CST" in body
    assert "Jane Doe +13125550100" in body
    assert "numbing" not in body
    assert outbox_rows(uow, channel="email")[0].status == "sent"


def test_smtp_recipient_refused_is_permanent(nuow, smtp_server, error_log):
    handler, port = smtp_server
    handler.refuse = True
    uow = smtp_uow(nuow, port)
    book(uow, "2026-12-01T14:30")
    run_dispatcher(uow, once=True)
    (row,) = outbox_rows(uow, channel="email")
    assert row.status == "failed" and "550" in row.last_error
    assert error_log


def test_smtp_server_down_is_retried(nuow):
    uow = smtp_uow(nuow, free_port())  # nothing listens there
    sender = SmtpSender(uow.settings)
    with pytest.raises(SendError) as caught:
        sender.send(MESSAGE)
    assert caught.value.retryable


def test_the_log_sender_masks_contacts_and_escapes_control_characters(nuow, tmp_path):
    """An owner's notice names the client: the log line masks the phone and e-mail, keeps
    manage tokens out, and a control character in the text cannot start a line of its own or
    drive the terminal. The outbox file keeps the message as sent."""
    from booking_core.notify.senders import LogSender
    from loguru import logger

    body = (
        "New booking: Botox. Client: Ann\n[booking/cancel] FORGED \x1b[2J +13125550182 "
        "ann.lee@example.com https://spa.example/manage#token=SECRETTOKEN"
    )
    message = replace(MESSAGE, id=9, kind="owner_notification", body=body)
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), format="{message}")
    try:
        LogSender(nuow.settings, tmp_path / "outbox.jsonl").send(message)
    finally:
        logger.remove(sink)
    (line,) = "".join(lines).splitlines()
    assert line.startswith("[notify/log] sms to +*******0100")
    for secret in ("+13125550182", "ann.lee@", "SECRETTOKEN", "\x1b"):
        assert secret not in line
    assert "+*******0182" in line and "a***@example.com" in line and "\\n[booking/cancel]" in line
    assert "+13125550182" in (tmp_path / "outbox.jsonl").read_text()


def test_the_log_senders_outbox_file_is_readable_by_its_owner_only(nuow, tmp_path):
    import stat

    from booking_core.notify.senders import LogSender

    path = tmp_path / "outbox.jsonl"
    LogSender(nuow.settings, path).send(MESSAGE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "Hi Jane" in path.read_text()
