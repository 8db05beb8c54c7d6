"""Senders: how one outbox message leaves the building. Chosen by settings.

- SMS: ``BOOKING_SMS_SENDER=log`` (default) writes to the log and appends to the outbox file;
  ``=twilio`` posts to Twilio's Messages API (or anything with its shape) with httpx.
- E-mail (owner notifications): SMTP when ``BOOKING_SMTP_HOST`` is set, otherwise the log sender.

A sender returns on success and raises ``SendError`` on failure, saying whether trying again
later could help (a timeout or a 5xx) or not (a 4xx: a bad number, bad credentials).
"""

from __future__ import annotations

import json
import os
import re
import smtplib
import socket
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol

import httpx
import platformdirs
from loguru import logger
from sqlalchemy.engine import make_url

from booking_core.domain.contact import mask_email, mask_phone
from booking_core.services.booking_log import loggable
from booking_core.settings import APP_NAME, BookingSettings

SMS_SENDERS = ("log", "twilio")
_TOKEN_IN_LINK = re.compile(r"(#token=)[A-Za-z0-9_-]+")
_PHONE_IN_TEXT = re.compile(r"\+\d{8,15}")
_EMAIL_IN_TEXT = re.compile(r"[^\s@<>()\[\]:;,\"']+@[^\s@<>()\[\]:;,\"']+\.[A-Za-z]{2,}")


class NotifyConfigError(ValueError):
    """The notification settings cannot work (for example twilio without an account SID)."""


class SendError(Exception):
    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


@dataclass(frozen=True)
class OutgoingMessage:
    id: int
    kind: str
    channel: str  # "sms" | "email"
    recipient: str
    subject: str
    body: str


class Sender(Protocol):
    def send(self, message: OutgoingMessage) -> None: ...

    def close(self) -> None: ...


def redact(text: str) -> str:
    """A message (or a provider's error about one) as it may go to a log: manage tokens out,
    phone numbers and e-mail addresses masked (an owner's notice names the client), control
    characters escaped (a client's name cannot forge a line or drive the terminal)."""
    text = _TOKEN_IN_LINK.sub(r"\1…", text)
    text = _PHONE_IN_TEXT.sub(lambda found: mask_phone(found.group()), text)
    text = _EMAIL_IN_TEXT.sub(lambda found: mask_email(found.group()), text)
    return loggable(text, limit=1000)


def masked_recipient(message: OutgoingMessage) -> str:
    if message.channel == "email":
        return mask_email(message.recipient)
    return mask_phone(message.recipient)


def default_outbox_file(settings: BookingSettings) -> Path:
    """Beside the SQLite database file, or in the user's data directory."""
    if settings.outbox_file:
        return Path(settings.outbox_file).expanduser()
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).expanduser().resolve().parent / "outbox.jsonl"
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "outbox.jsonl"


class LogSender:
    """The demo sender: what would go out is logged and appended to a JSON-lines file."""

    def __init__(self, settings: BookingSettings, path: Path | None = None) -> None:
        self.settings = settings
        self.path = path or default_outbox_file(settings)
        self._lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> None:
        record = {
            "at": datetime.now(self.settings.tz).isoformat(timespec="seconds"),
            "id": message.id,
            "kind": message.kind,
            "channel": message.channel,
            "to": message.recipient,
            "subject": message.subject,
            "body": message.body,
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One write of one line in append mode: lines of concurrent processes do not mix.
            # Created readable by its owner only: it holds phone numbers and manage links.
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with self._lock, os.fdopen(descriptor, "a", encoding="utf-8") as file:
                file.write(line)
        except OSError as error:
            raise SendError(f"cannot write the outbox file {self.path}: {error}") from error
        logger.info(
            "[notify/log] {} to {} ({} #{}): {}",
            message.channel,
            masked_recipient(message),
            message.kind,
            message.id,
            redact(message.body),
        )

    def close(self) -> None:
        pass


class TwilioSender:
    """POST {base}/2010-04-01/Accounts/{sid}/Messages.json with To, From, Body (basic auth)."""

    def __init__(self, settings: BookingSettings, client: httpx.Client | None = None) -> None:
        missing = [
            f"BOOKING_TWILIO_{name.upper()}"
            for name in ("account_sid", "auth_token", "from")
            if not getattr(settings, f"twilio_{name}")
        ]
        if missing:
            raise NotifyConfigError(
                "BOOKING_SMS_SENDER=twilio needs " + ", ".join(missing) + " to be set."
            )
        assert settings.twilio_account_sid and settings.twilio_auth_token
        self.sender_number = str(settings.twilio_from)
        self.url = (
            f"{settings.twilio_base_url.rstrip('/')}/2010-04-01/Accounts/"
            f"{settings.twilio_account_sid}/Messages.json"
        )
        timeout = settings.notify_send_timeout_seconds
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            auth=(settings.twilio_account_sid, settings.twilio_auth_token),
            headers={"User-Agent": f"{APP_NAME}/notify"},
        )

    def send(self, message: OutgoingMessage) -> None:
        form = {"To": message.recipient, "From": self.sender_number, "Body": message.body}
        try:
            response = self._client.post(self.url, data=form)
        except httpx.TimeoutException as error:
            # The request may have reached Twilio: retrying can repeat this one message.
            raise SendError(f"SMS API timed out ({type(error).__name__})") from error
        except httpx.HTTPError as error:
            raise SendError(f"SMS API unreachable: {type(error).__name__}: {error}") from error
        if response.status_code in (200, 201):
            sid = _json_field(response, "sid")
            logger.info(
                "[notify/twilio] sms to {} ({} #{}) accepted sid={}",
                mask_phone(message.recipient),
                message.kind,
                message.id,
                sid or "-",
            )
            return
        detail = _json_field(response, "message") or response.text[:200]
        code = _json_field(response, "code")
        retryable = response.status_code >= 500 or response.status_code in (408, 429)
        raise SendError(
            f"SMS API answered {response.status_code}"
            + (f" (code {code})" if code else "")
            + f": {detail}",
            retryable=retryable,
        )

    def close(self) -> None:
        self._client.close()


def _json_field(response: httpx.Response, name: str) -> str | None:
    try:
        value = response.json().get(name)
    except (ValueError, AttributeError):
        return None
    return None if value is None else str(value)


class SmtpSender:
    """Owner e-mail over SMTP: implicit TLS on port 465, STARTTLS when the server offers it."""

    def __init__(self, settings: BookingSettings) -> None:
        if not settings.smtp_host:
            raise NotifyConfigError("The SMTP sender needs BOOKING_SMTP_HOST.")
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.user = settings.smtp_user
        self.password = settings.smtp_password or ""
        self.timeout = settings.notify_send_timeout_seconds
        self.sender = settings.smtp_from or settings.smtp_user or f"booking@{socket.getfqdn()}"
        self.business_name = settings.business_name

    def _message(self, message: OutgoingMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = f"{self.business_name} <{self.sender}>"
        email["To"] = message.recipient
        email["Subject"] = message.subject or f"{self.business_name} booking"
        email["Date"] = format_datetime(datetime.now().astimezone())
        domain = self.sender.rsplit("@", 1)[-1] if "@" in self.sender else None
        email["Message-ID"] = make_msgid(f"notify-{message.id}", domain=domain)
        email.set_content(message.body)
        return email

    def send(self, message: OutgoingMessage) -> None:
        email = self._message(message)
        try:
            if self.port == 465:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with smtp:
                smtp.ehlo()
                if self.port != 465 and smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise SendError(
                f"SMTP refused the recipient: {codes}",
                retryable=any(code < 500 for code in codes),
            ) from error
        except smtplib.SMTPResponseException as error:
            raw = error.smtp_error
            text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
            raise SendError(
                f"SMTP answered {error.smtp_code}: {text}", retryable=error.smtp_code < 500
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise SendError(f"SMTP failed: {type(error).__name__}: {error}") from error
        logger.info(
            "[notify/smtp] e-mail to {} ({} #{}) accepted",
            mask_email(message.recipient),
            message.kind,
            message.id,
        )

    def close(self) -> None:
        pass


@dataclass
class Senders:
    """One sender per channel."""

    sms: Sender
    email: Sender

    def for_channel(self, channel: str) -> Sender:
        if channel == "email":
            return self.email
        if channel == "sms":
            return self.sms
        raise SendError(f"unknown channel {channel!r}", retryable=False)

    def close(self) -> None:
        for sender in {id(self.sms): self.sms, id(self.email): self.email}.values():
            sender.close()


def build_senders(settings: BookingSettings) -> Senders:
    """The senders the settings ask for; ``NotifyConfigError`` if they cannot work."""
    choice = settings.sms_sender.strip().lower()
    if choice not in SMS_SENDERS:
        raise NotifyConfigError(
            f"BOOKING_SMS_SENDER must be one of {', '.join(SMS_SENDERS)}, not {choice!r}."
        )
    log_sender = LogSender(settings)
    sms: Sender = TwilioSender(settings) if choice == "twilio" else log_sender
    email: Sender = SmtpSender(settings) if settings.smtp_host else log_sender
    return Senders(sms=sms, email=email)
