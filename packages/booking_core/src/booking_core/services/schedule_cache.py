"""Availability answers kept per process, and proven current before each reuse.

Working out free times reads a week of calendars and walks every start on the grid; answering
the same question again (the booking page, the receptionist, a burst of clients looking at the
same week) should cost one small read instead. An answer is reused only while:

- the schedule version is the one read *before* the answer was worked out. Triggers bump it
  inside every transaction that changes what availability reads (bookings, cancellations and
  moves, hours, time off, closures, services, providers, rooms and devices: migration 0008), so
  a change committed by any process, on either engine, makes every kept answer stale at the
  moment it commits. An answer worked out from data newer than its version is merely discarded
  one request early; it is never older than its version.
- it has not expired: a start stops being bookable when it comes closer than the minimum
  notice, so an answer lasts until its first start minus the notice at most, and never longer
  than ``availability_cache_seconds`` (what only the passing of time changes otherwise: the
  horizon moving on, a day's status).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from booking_core.services.unit_of_work import UnitOfWork

T = TypeVar("T")

_MAX_ENTRIES = 512


@dataclass(frozen=True)
class _Entry:
    version: tuple[int, int]
    expires: datetime
    value: Any


class ScheduleCache:
    """A bounded, thread-safe map of answers with the version they were worked out at."""

    def __init__(self, max_entries: int = _MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, key: Hashable, version: tuple[int, int], now: datetime) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.version != version or entry.expires <= now:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def cached_answer(
    uow: UnitOfWork,
    key: Hashable,
    work_out: Callable[[], T],
    good_until: Callable[[T], datetime | None],
) -> T:
    """``work_out()``, or the answer it gave for the same ``key`` while it is still current.

    ``good_until(answer)``: when time alone makes the answer wrong (None: only the cap applies).
    The very same object is handed back while current, so callers may keep what they derive
    from it (the HTTP layer keeps its JSON) keyed by its identity.
    """
    seconds = uow.settings.availability_cache_seconds
    if seconds <= 0:
        return work_out()
    now = uow.now()
    with uow.begin() as tx:
        version = tx.calendar.schedule_version()
    entry = uow.schedule_cache.get(key, version, now)
    if entry is not None:
        answer: T = entry.value
        return answer
    answer = work_out()  # reads at or after ``version``: never older than it
    expires = now + timedelta(seconds=seconds)
    limit = good_until(answer)
    if limit is not None:
        expires = min(expires, limit)
    uow.schedule_cache.put(key, _Entry(version, expires, answer))
    return answer
