"""Small pure helpers the analytics selectors and reports share: periods, buckets, summaries.

No Django here: every function takes plain values and is tested without a database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

#: The dashboard's periods and the size of the buckets their volume chart uses.
PERIODS: dict[str, tuple[timedelta, str]] = {
    "24h": (timedelta(hours=24), "hour"),
    "7d": (timedelta(days=7), "day"),
    "30d": (timedelta(days=30), "day"),
}


@dataclass(frozen=True)
class Period:
    """A half-open interval [start, end) and the time zone its buckets are drawn in."""

    start: datetime
    end: datetime
    granularity: str  # "hour" or "day"
    tz: ZoneInfo

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Period:
        """The period of the same length just before this one (for "vs previous")."""
        return Period(self.start - self.length, self.start, self.granularity, self.tz)


def rolling_period(key: str, *, now: datetime, tz: ZoneInfo) -> Period:
    """``24h``, ``7d`` or ``30d`` ending now."""
    if key not in PERIODS:
        raise ValueError(f"Unknown period {key!r}; choose one of {', '.join(PERIODS)}.")
    length, granularity = PERIODS[key]
    return Period(now - length, now, granularity, tz)


def calendar_week(*, now: datetime, tz: ZoneInfo, weeks_back: int = 1) -> Period:
    """The Monday-to-Monday week ``weeks_back`` weeks before the one containing ``now``, local midnight to midnight."""
    local = now.astimezone(tz)
    monday = datetime(local.year, local.month, local.day, tzinfo=tz) - timedelta(days=local.weekday())
    start = _local_midnight(monday - timedelta(weeks=weeks_back), tz)
    return Period(start, _local_midnight(start + timedelta(days=7, hours=12), tz), "day", tz)


def calendar_month(*, now: datetime, tz: ZoneInfo, months_back: int = 1) -> Period:
    """The calendar month ``months_back`` months before the one containing ``now``."""
    local = now.astimezone(tz)
    index = local.year * 12 + (local.month - 1) - months_back
    start = datetime(index // 12, index % 12 + 1, 1, tzinfo=tz)
    end = datetime((index + 1) // 12, (index + 1) % 12 + 1, 1, tzinfo=tz)
    return Period(start, end, "day", tz)


def _local_midnight(moment: datetime, tz: ZoneInfo) -> datetime:
    local = moment.astimezone(tz)
    return datetime(local.year, local.month, local.day, tzinfo=tz)


def bucket_starts(period: Period) -> list[datetime]:
    """Every bucket's local start that overlaps the period, oldest first (DST-aware: a local day
    may last 23 or 25 hours, and a bucket is always one local hour or one local day)."""
    local_start = period.start.astimezone(period.tz)
    if period.granularity == "hour":
        first = local_start.replace(minute=0, second=0, microsecond=0)
        step = timedelta(hours=1)
        starts, moment = [], first.astimezone(ZoneInfo("UTC"))
        while moment < period.end:
            starts.append(moment.astimezone(period.tz))
            moment += step  # UTC arithmetic: hours are always 60 minutes
        return starts
    starts, day = [], datetime(local_start.year, local_start.month, local_start.day, tzinfo=period.tz)
    while day < period.end:
        starts.append(day)
        day = _local_midnight(day + timedelta(hours=36), period.tz)
    return starts


def zero_filled(period: Period, counts: dict[datetime, int]) -> list[dict]:
    """One entry per bucket, with 0 where nothing happened. ``counts`` keys are bucket starts
    (any time zone); they are matched by instant."""
    by_instant = {moment.timestamp(): value for moment, value in counts.items()}
    return [{"start": start.isoformat(), "count": by_instant.get(start.timestamp(), 0)} for start in bucket_starts(period)]


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks: the same as PostgreSQL's ``percentile_cont``."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def duration_summary(seconds: list[float]) -> dict:
    """Count, mean, median and p90 of durations, in minutes (None when there are none)."""
    return summary_in_minutes(
        count=len(seconds),
        mean=sum(seconds) / len(seconds) if seconds else None,
        median=percentile(seconds, 0.5),
        p90=percentile(seconds, 0.9),
    )


def summary_in_minutes(*, count: int, mean: float | None, median: float | None, p90: float | None) -> dict:
    def minutes(value: float | None) -> float | None:
        return None if value is None else round(float(value) / 60, 2)

    return {"count": count, "mean_minutes": minutes(mean), "median_minutes": minutes(median), "p90_minutes": minutes(p90)}


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to four places; None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def change_pct(current: float | None, previous: float | None) -> float | None:
    """Relative change in percent, or None when either side is missing or the base is zero."""
    if current is None or previous is None or previous == 0:
        return None
    return round((current - previous) / abs(previous) * 100, 1)


def nps_score(promoters: int, passives: int, detractors: int) -> float | None:
    """Net Promoter Score: % promoters (9–10) minus % detractors (0–6), from −100 to 100."""
    total = promoters + passives + detractors
    return round((promoters - detractors) / total * 100, 1) if total else None


#: Ages of open tickets the backlog is split into, as (key, upper bound in hours or None).
AGE_BUCKETS: tuple[tuple[str, float | None], ...] = (("lt_1h", 1), ("1h_4h", 4), ("4h_24h", 24), ("1d_3d", 72), ("gt_3d", None))
