"""A per-process sliding-window limit on public writes, per client IP.

In memory: each server process counts on its own, so with ``--workers N`` an address may get up
to N times the limit in the worst case. That is enough to stop a script hammering the booking
form; a shared limit would need a shared store (Redis, or the reverse proxy in front).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0
#: Forget idle addresses once this many are tracked, so the table cannot grow without bound.
_PRUNE_ABOVE = 10_000


class RateLimiter:
    def __init__(self, per_minute: int, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._monotonic = monotonic
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def hit(self, key: str) -> int | None:
        """Count one request; None if allowed, else the seconds to wait (Retry-After)."""
        if not self.enabled:
            return None
        now = self._monotonic()
        horizon = now - WINDOW_SECONDS
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= horizon:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return max(1, math.ceil(hits[0] + WINDOW_SECONDS - now))
            hits.append(now)
            if len(self._hits) > _PRUNE_ABOVE:
                self._prune(horizon)
            return None

    def _prune(self, horizon: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= horizon]:
            del self._hits[key]
