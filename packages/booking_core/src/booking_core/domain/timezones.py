"""Business-local wall time <-> UTC, refusing wall times that do not exist or are ambiguous."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from booking_core.errors import InvalidTime

MIN_YEAR, MAX_YEAR = 1900, 2999


def _wall(value: datetime) -> datetime:
    return value.replace(tzinfo=None, fold=0)


def local_to_utc(naive: datetime, tz: ZoneInfo) -> datetime:
    """A naive business-local wall time as an aware UTC instant.

    Raises InvalidTime for a wall time skipped by a spring-forward change, and for one that
    happens twice on a fall-back day (an offset must say which).
    """
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if _wall(first.astimezone(UTC).astimezone(tz)) != _wall(naive):
        raise InvalidTime(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {tz.key}: the clocks skip that hour "
            "for daylight saving time. Please choose another time.",
            field="start",
        )
    if first.utcoffset() != second.utcoffset():
        raise InvalidTime(
            f"{naive:%Y-%m-%d %H:%M} happens twice in {tz.key} when the clocks fall back. "
            "Please give the UTC offset (for example -05:00 or -06:00) to say which one.",
            field="start",
        )
    return first.astimezone(UTC)


def _is_date_only(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def parse_instant(value: datetime | str, tz: ZoneInfo, field: str = "start") -> datetime:
    """An ISO 8601 string or datetime as aware UTC; without an offset it is business-local."""
    if isinstance(value, str):
        text = value.strip()
        if _is_date_only(text):
            # fromisoformat would read it as midnight: an admin walk-in would book 00:00.
            raise InvalidTime(
                f"{text!r} has no time of day. Use a form like {text}T14:30.", field=field
            )
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidTime(
                f"{text!r} is not a date and time we understand. Use a form like 2026-12-01T14:30.",
                field=field,
            ) from None
    else:
        parsed = value
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        # Far outside any booking; also keeps UTC arithmetic away from datetime's limits.
        raise InvalidTime("That date is out of range.", field=field)
    if parsed.tzinfo is None or isinstance(parsed.tzinfo, ZoneInfo):
        # A wall time, in the business zone or in the zone attached to it: the same checks.
        zone = tz if parsed.tzinfo is None else parsed.tzinfo
        try:
            return local_to_utc(parsed.replace(tzinfo=None), zone)
        except InvalidTime as exc:
            exc.details["field"] = field
            raise
    return parsed.astimezone(UTC)


def to_local(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz)


@lru_cache(maxsize=16384)  # pure, and the same shifts are converted for every search
def wall_time_to_utc(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """A schedule boundary (working hours) on a local date, as UTC.

    Schedule boundaries never raise: one inside a skipped hour maps to the instant the clocks
    jump, and an ambiguous one takes its first occurrence.
    """
    naive = datetime.combine(day, wall)
    instant = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if _wall(instant.astimezone(tz)) == naive:
        return instant
    # Inside a spring-forward gap: fold=1 reads it with the offset before the jump (an instant
    # before it), fold=0 with the offset after (an instant after it); find the jump between.
    before = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    low, high = min(before, instant), max(before, instant)
    offset_after = high.astimezone(tz).utcoffset()
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) // 2
        if middle.astimezone(tz).utcoffset() == offset_after:
            high = middle
        else:
            low = middle
    return high.replace(second=0, microsecond=0)


@lru_cache(maxsize=4096)
def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[local midnight, next local midnight) as UTC; 23 or 25 hours long on DST days."""
    start = datetime.combine(day, time(0)).replace(tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0)).replace(tzinfo=tz).astimezone(UTC)
    return start, end
