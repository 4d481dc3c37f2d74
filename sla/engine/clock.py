"""Business time: how much working time lies between two instants, and when a working-time
budget started at some instant runs out.

A calendar has working intervals per weekday in a time zone, and holidays; or it is open 24×7.
Wall-clock intervals are turned into real instants day by day with ``zoneinfo``, so a working day
that crosses a daylight-saving change is as long as it really is (an 09:00–18:00 day is 9 h on
both sides of the change; 01:00–03:00 on the night clocks go forward is 1 h).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Search this far for working time before declaring the calendar closed for good.
MAX_DAYS = 3 * 366


class CalendarError(ValueError):
    pass


@dataclass(frozen=True)
class Calendar:
    time_zone: str = "UTC"
    #: weekday (0 = Monday) -> working intervals, each (start, end) in local wall time, end > start.
    hours: Mapping[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    always_open: bool = False

    def __post_init__(self):
        try:
            ZoneInfo(self.time_zone)
        except Exception as exc:
            raise CalendarError(f"Unknown time zone '{self.time_zone}'.") from exc
        for weekday, intervals in self.hours.items():
            if weekday not in range(7):
                raise CalendarError(f"Weekday {weekday} is not 0 (Monday) to 6 (Sunday).")
            ordered = sorted(intervals)
            for start, end in ordered:
                if end <= start:
                    raise CalendarError(f"Working interval {start:%H:%M}–{end:%H:%M} ends before it starts.")
            for (_s1, e1), (s2, _e2) in zip(ordered, ordered[1:], strict=False):
                if s2 < e1:
                    raise CalendarError("Working intervals of one day overlap.")
        if not self.always_open and not any(self.hours.values()):
            raise CalendarError("A calendar needs working hours on at least one weekday, or to be open 24×7.")


ALWAYS_OPEN = Calendar(always_open=True)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise CalendarError("Datetimes must be timezone-aware.")
    return value.astimezone(UTC)


def _intervals_from(calendar: Calendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working intervals as UTC instants, in order, from the local day of ``start`` on."""
    zone = ZoneInfo(calendar.time_zone)
    day = start.astimezone(zone).date()
    for _ in range(MAX_DAYS):
        if day not in calendar.holidays:
            for opens, closes in sorted(calendar.hours.get(day.weekday(), ())):
                begin = datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
                end = datetime.combine(day, closes, tzinfo=zone).astimezone(UTC)
                if end > begin:
                    yield begin, end
        day += timedelta(days=1)


def add_business_time(start: datetime, budget: timedelta, calendar: Calendar) -> datetime:
    """The instant at which ``budget`` of working time, counted from ``start``, is used up."""
    start = _aware(start)
    if budget < timedelta(0):
        raise CalendarError("A time budget cannot be negative.")
    if calendar.always_open:
        return start + budget
    remaining = budget
    for begin, end in _intervals_from(calendar, start):
        if end <= start:
            continue
        begin = max(begin, start)
        available = end - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise CalendarError(f"No working time within {MAX_DAYS} days: check the calendar's hours and holidays.")


def business_time_between(start: datetime, end: datetime, calendar: Calendar) -> timedelta:
    """Working time inside [start, end); zero when end is not after start."""
    start, end = _aware(start), _aware(end)
    if end <= start:
        return timedelta(0)
    if calendar.always_open:
        return end - start
    total = timedelta(0)
    for begin, finish in _intervals_from(calendar, start):
        if begin >= end:
            break
        overlap = min(finish, end) - max(begin, start)
        if overlap > timedelta(0):
            total += overlap
    return total


def calendar_from_config(*, time_zone: str, hours: Mapping[str, Sequence[Sequence[str]]] | None, holidays: Sequence[str] = (),
                         always_open: bool = False) -> Calendar:
    """Build a calendar from stored JSON: {"mon": [["09:00", "18:00"]], …}, ["2026-12-25", …].
    Raises CalendarError with a message that says what to fix."""
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    parsed: dict[int, tuple[tuple[time, time], ...]] = {}
    for key, intervals in (hours or {}).items():
        if key not in names:
            raise CalendarError(f"Unknown weekday '{key}': use {', '.join(names)}.")
        try:
            parsed[names.index(key)] = tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in intervals)
        except (TypeError, ValueError) as exc:
            raise CalendarError(f"Working hours of '{key}' must be pairs like [\"09:00\", \"18:00\"].") from exc
    try:
        days = frozenset(date.fromisoformat(d) for d in holidays or ())
    except (TypeError, ValueError) as exc:
        raise CalendarError("Holidays must be dates like \"2026-12-25\".") from exc
    return Calendar(time_zone=time_zone, hours=parsed, holidays=days, always_open=always_open)
