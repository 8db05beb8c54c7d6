"""The JSON of answers that booking_core makes from its schedule cache, kept per process.

booking_core hands back the very same search objects while they are current (proven with one
read of the schedule versions, ``booking_core.services.schedule_cache``), and an answer made from
the same searches (its ``basis``) is the same answer: its JSON is rendered once per basis, not
once per request, and reusing it is as current as the searches themselves.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

_MAX_ENTRIES = 256


class RenderedAnswers:
    def __init__(self, max_entries: int = _MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Hashable, tuple[tuple[object, ...], bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def json(self, key: Hashable, basis: tuple[object, ...], render: Callable[[], bytes]) -> bytes:
        """``render()``, or what it gave under ``key`` for the very same ``basis`` objects."""
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None and _same(kept[0], basis):
                self._entries.move_to_end(key)
                return kept[1]
        body = render()
        with self._lock:
            self._entries[key] = (basis, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return body


def _same(kept: tuple[object, ...], basis: tuple[object, ...]) -> bool:
    return len(kept) == len(basis) and all(a is b for a, b in zip(kept, basis, strict=True))
