"""One log line per booking action: tag, outcome, appointment, provider, local start, source.

Phone numbers and e-mails are masked before they reach a log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from loguru import logger

from booking_core.domain.contact import mask_phone
from booking_core.domain.model import Source
from booking_core.errors import BookingError


def loggable(value: object, limit: int = 120) -> str:
    """A value as it may appear in a log line: line breaks, other control characters and lone
    surrogates escaped, so that input (an id from a URL, an unparsed time) can never start a
    forged line of its own; long values cut."""
    text = str(value)
    if not text.isprintable():
        text = "".join(
            c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text
        )
    return text if len(text) <= limit else text[:limit] + "..."


def _outcome(error: BookingError) -> str:
    if error.http_status == 409:
        return "conflict"
    if error.http_status >= 500:
        return "error"
    return "rejected"


def _emit(tag: str, outcome: str, code: str | None, source: Source, record: dict[str, Any]) -> None:
    start = record.get("start")
    if isinstance(start, datetime):
        start = start.isoformat(timespec="minutes")
    line = (
        f"[booking/{tag}] outcome={outcome}"
        + (f" code={code}" if code else "")
        + f" appointment={loggable(record.get('appointment') or '-')}"
        + f" provider={loggable(record.get('provider') or '-')}"
        + f" start={loggable(start or '-')}"
        + f" source={source.value}"
        + f" client={mask_phone(record.get('phone'))}"
        + ("" if not record.get("note") else f" note={loggable(record['note'])}")
    )
    level = {"ok": "INFO", "rejected": "INFO", "conflict": "WARNING"}.get(outcome, "ERROR")
    logger.log(level, line)


@contextmanager
def booking_log(tag: str, source: Source, **context: Any) -> Iterator[dict[str, Any]]:
    """Yields a record the operation fills in (appointment, provider, start, phone, note)."""
    record: dict[str, Any] = dict(context)
    try:
        yield record
    except BookingError as error:
        _emit(tag, _outcome(error), error.code, source, record)
        raise
    except Exception as error:
        record["note"] = type(error).__name__
        _emit(tag, "error", "internal_error", source, record)
        raise
    _emit(tag, "ok", None, source, record)
