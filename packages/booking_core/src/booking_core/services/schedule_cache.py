"""Availability answers kept per process, and proven current before each reuse.

Working out free times reads a week of calendars and walks every start on the grid; answering
the same question again (the booking page, the receptionist, a burst of clients reaching for the
same week) should cost one small read instead. A question not asked lately is worked out
plainly (most are asked once); asked again within ``availability_cache_seconds``, its answer is
kept, and reused only while:

- the schedule versions it depends on are the ones read with it, in the same snapshot (the
  catalog, and its providers' and rooms' busy time on its dates: ``ScheduleDependencies``).
  Triggers bump them inside every transaction that changes what availability reads (bookings,
  cancellations and moves, hours, time off, closures, services, providers, rooms and devices:
  migration 0008), so a change committed by any process, on either engine, makes every kept
  answer it touches stale at the moment it commits;
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

from booking_core.adapters.calendar_store import ScheduleDependencies

if TYPE_CHECKING:
    from booking_core.services.unit_of_work import Transaction, UnitOfWork

T = TypeVar("T")

_MAX_ENTRIES = 512


@dataclass(frozen=True)
class _Entry:
    depends: ScheduleDependencies
    version: tuple[int, int]
    expires: datetime
    value: Any


class ScheduleCache:
    """A bounded, thread-safe map of answers with what they depend on."""

    def __init__(self, max_entries: int = _MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, key: Hashable, now: datetime) -> _Entry | None:
        """The unexpired entry for ``key`` (still to be proven current), or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires <= now:
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


_ASKED = object()  # an entry that only notes a question was asked


def cached_answer(
    uow: UnitOfWork,
    key: Hashable,
    work_out: Callable[[Transaction], tuple[T, ScheduleDependencies]],
    good_until: Callable[[T], datetime | None],
) -> T:
    """``work_out(tx)``, or the answer it gave for the same ``key`` while it is still current.

    ``work_out`` reads in ``tx`` (one snapshot) and says what its answer depends on;
    ``good_until(answer)``: when time alone makes the answer wrong (None: only the cap applies).
    The very same object is handed back while current, so callers may keep what they derive
    from it (the HTTP layer keeps its JSON) keyed by its identity.
    """
    seconds = uow.settings.availability_cache_seconds
    now = uow.now()
    entry = uow.schedule_cache.get(key, now) if seconds > 0 else None
    if entry is None:
        if seconds > 0:
            # A question not asked lately is worked out plainly (nothing kept: most are asked
            # once); asked again within the cache time, its answer is kept.
            nothing = ScheduleDependencies(frozenset(), now.date(), now.date())
            expires = now + timedelta(seconds=seconds)
            uow.schedule_cache.put(key, _Entry(nothing, (0, 0), expires, _ASKED))
        with uow.begin() as tx:
            return work_out(tx)[0]
    if entry.value is not _ASKED:
        with uow.begin() as tx:
            if tx.calendar.schedule_version(entry.depends) == entry.version:
                kept: T = entry.value
                return kept
    with uow.begin(snapshot=True) as tx:
        answer, depends = work_out(tx)
        version = tx.calendar.schedule_version(depends)  # the same snapshot as the answer
    expires = now + timedelta(seconds=seconds)
    limit = good_until(answer)
    if limit is not None:
        expires = min(expires, limit)
    uow.schedule_cache.put(key, _Entry(depends, version, expires, answer))
    return answer
