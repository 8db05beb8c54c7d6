"""Half-open interval arithmetic on aware datetimes: [start, end)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

Interval = tuple[datetime, datetime]


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals overlap when each starts before the other ends (touching is fine)."""
    return a_start < b_end and b_start < a_end


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching intervals."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


class BusyIndex:
    """Merged busy intervals answering "is [start, end) free?" in O(log n)."""

    def __init__(self, intervals: Iterable[Interval]) -> None:
        self._intervals: Sequence[Interval] = merge(intervals)
        self._ends = [end for _, end in self._intervals]

    def is_free(self, start: datetime, end: datetime) -> bool:
        # The first merged interval ending after `start` is the only one that can overlap.
        i = bisect.bisect_right(self._ends, start)
        return i == len(self._intervals) or self._intervals[i][0] >= end

    def gaps(self, start: datetime, end: datetime) -> Iterator[Interval]:
        """The free stretches of [start, end), in order."""
        intervals = self._intervals
        i = bisect.bisect_right(self._ends, start)
        while i < len(intervals) and intervals[i][0] < end:
            busy_start, busy_end = intervals[i]
            if busy_start > start:
                yield start, busy_start
            start = busy_end
            i += 1
        if start < end:
            yield start, end
