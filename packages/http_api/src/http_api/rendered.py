"""The JSON of answers that booking_core reuses from its schedule cache, kept per process.

booking_core hands back the very same answer object while it is current (proven with one read
of the schedule version, ``booking_core.services.schedule_cache``), so its JSON is rendered once
per answer, not once per request: reusing it is as current as the answer itself.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

_MAX_ENTRIES = 256


class RenderedAnswers:
    def __init__(self, max_entries: int = _MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Hashable, tuple[object, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def json(self, key: Hashable, answer: object, render: Callable[[], bytes]) -> bytes:
        """``render()`` of ``answer``, or what it gave for this very object under ``key``."""
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None and kept[0] is answer:
                self._entries.move_to_end(key)
                return kept[1]
        body = render()
        with self._lock:
            self._entries[key] = (answer, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return body
