"""Daily rollups: the additive counts of each closed local day, so a 30-day dashboard reads a few
thousand rollup rows plus the raw tickets of the two partial days at its edges, instead of every
ticket in the window.

One function, ``count_rows``, counts tickets from the live tables for any time range, grouped by
local day and by the dimensions the dashboard filters on (department, category, source,
priority). The rollup stores exactly its output for closed days; a window's counts are the
stored rows of the days it fully covers (when they were computed in the current time zone)
plus ``count_rows`` over whatever is left. The result is the same with or without rollups;
rollups only make it faster (and the tests check both ways).

Freshness: beat recomputes the last ``ANALYTICS_ROLLUP_REFRESH_DAYS`` closed days every ten
minutes (bot answers settle, reopenings move resolutions, late surveys arrive) and fills missing
days further back. Today is never stored: it is always counted live.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from agents.models import Department
from chatbot.models import ChatbotInteraction, Deflection
from sla.models import SLAState, TicketSLA
from tickets.models import Feedback, Ticket

DIMENSIONS = ("department_id", "category", "source", "priority")

#: The additive counts kept per day and dimension combination, by the moment that defines them.
CREATED = ("created",)  # tickets created that day
BOT = ("bot_answered", "bot_attempted", "deflected", "failed", "pending", "confidence_sum", "confidence_count")  # their bot attempts (answered: a resolved attempt)
RESOLVED = ("resolved", "first_contact", "sla_met", "sla_missed")  # resolved that day (by a person; SLA: any)
RESPONDED = ("fr_sla_total", "fr_sla_met")  # first responses that day, on tickets with an SLA clock
FEEDBACK = ("responses", "satisfaction_sum", "satisfied", "s1", "s2", "s3", "s4", "s5", "promoters", "passives", "detractors")
FIELDS = CREATED + BOT + RESOLVED + RESPONDED + FEEDBACK

Key = tuple  # (day, department_id, category, source, priority)


@dataclass
class Counts:
    """Summed counts of a window, with the per-day and per-dimension splits the dashboard draws."""

    rows: list[dict] = field(default_factory=list)

    def total(self, name: str) -> float:
        return sum(row[name] for row in self.rows)

    def by(self, dimension: str, name: str) -> dict:
        grouped: dict = defaultdict(float)
        for row in self.rows:
            grouped[row[dimension]] += row[name]
        return dict(grouped)


def _local_day(field_name: str, tz: ZoneInfo):
    return TruncDate(field_name, tzinfo=tz)


def _dims(prefix: str = "") -> dict:
    return {name: F(prefix + name) for name in DIMENSIONS}


def count_rows(start: datetime, end: datetime, tz: ZoneInfo, filters=None, *, only: tuple[str, ...] | None = None) -> dict[Key, dict]:
    """Counts from the live tables for [start, end), by local day and dimensions (``filters``: an
    ``analytics.selectors.Filters`` or None; ``only``: just these fields' queries).

    The joins are written so PostgreSQL's planner keeps to the window's index ranges whatever
    its cost settings: bot attempts are bounded by their own creation time (an attempt is always
    made after its ticket), and the SLA targets of first responses are looked up per ticket."""
    rows: dict[Key, dict] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))

    def merge(queryset, day_field: str, prefix: str, aggregates: dict) -> None:
        values = queryset.annotate(day=_local_day(day_field, tz), **{f"d_{k}": v for k, v in _dims(prefix).items()})
        for item in values.values("day", *[f"d_{name}" for name in DIMENSIONS]).annotate(**aggregates).order_by():
            key = (item["day"], *[item[f"d_{name}"] for name in DIMENSIONS])
            for name in aggregates:
                rows[key][name] += float(item[name] or 0) if name == "confidence_sum" else int(item[name] or 0)

    def window(field_name: str) -> Q:
        return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})

    def prefixed(prefix: str) -> Q:
        return filters.q(prefix) if filters is not None else Q()

    def wanted(group: tuple[str, ...]) -> bool:
        return only is None or any(name in only for name in group)

    ticket_filter = prefixed("")
    if wanted(CREATED):
        merge(Ticket.objects.filter(window("created_at"), ticket_filter), "created_at", "", {"created": Count("pk")})
    if wanted(BOT):
        attempts = ChatbotInteraction.objects.filter(window("ticket__created_at"), prefixed("ticket__"), created_at__gte=start)
        merge(attempts, "ticket__created_at", "ticket__", {
            "bot_attempted": Count("ticket", distinct=True),
            "bot_answered": Count("ticket", distinct=True, filter=Q(resolved=True)),
            "deflected": Count("pk", filter=Q(resolved=True, deflection=Deflection.DEFLECTED)),
            "failed": Count("pk", filter=Q(resolved=True, deflection=Deflection.FAILED)),
            "pending": Count("pk", filter=Q(resolved=True, deflection=Deflection.PENDING)),
            "confidence_sum": Sum("confidence"), "confidence_count": Count("pk"),
        })
    if wanted(RESOLVED):
        merge(Ticket.objects.filter(window("resolved_at"), ticket_filter, assigned_agent__isnull=False), "resolved_at", "", {
            "resolved": Count("pk"), "first_contact": Count("pk", filter=Q(reopen_count=0, escalation_level=0)),
        })
        merge(TicketSLA.objects.filter(window("ticket__resolved_at"), prefixed("ticket__")), "ticket__resolved_at", "ticket__", {
            "sla_met": Count("pk", filter=Q(state=SLAState.MET)), "sla_missed": Count("pk", filter=Q(state=SLAState.MISSED)),
        })
    if wanted(RESPONDED):
        clock = TicketSLA.objects.filter(ticket=OuterRef("pk"))
        responded = Ticket.objects.filter(window("first_response_at"), ticket_filter).annotate(
            clock_id=Subquery(clock.values("pk")[:1]), due=Subquery(clock.values("first_response_due_at")[:1]),
        )
        merge(responded, "first_response_at", "", {
            "fr_sla_total": Count("clock_id"),
            "fr_sla_met": Count("clock_id", filter=Q(due__isnull=True) | Q(first_response_at__lte=F("due"))),
        })
    if wanted(FEEDBACK):
        merge(Feedback.objects.filter(window("created_at"), prefixed("ticket__")), "created_at", "ticket__", {
            "responses": Count("pk"), "satisfaction_sum": Coalesce(Sum("satisfaction"), 0), "satisfied": Count("pk", filter=Q(satisfaction__gte=4)),
            **{f"s{score}": Count("pk", filter=Q(satisfaction=score)) for score in range(1, 6)},
            "promoters": Count("pk", filter=Q(nps__gte=9)), "passives": Count("pk", filter=Q(nps__in=(7, 8))),
            "detractors": Count("pk", filter=Q(nps__lte=6)),
        })
    return dict(rows)


def _as_rows(counted: dict[Key, dict]) -> list[dict]:
    return [{"day": key[0], **dict(zip(DIMENSIONS, key[1:])), **values} for key, values in counted.items()]


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def _compose(start: datetime, end: datetime, tz: ZoneInfo, *, stored_rows, live_rows) -> list[dict]:
    """Rows for [start, end): ``stored_rows(days)`` for the stored local days the window fully
    covers, ``live_rows(a, b)`` for every stretch in between and at the edges."""
    from .models import RollupDay

    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    first_full = local_start.date() if _local_midnight(local_start.date(), tz) == start else local_start.date() + timedelta(days=1)
    last_full = local_end.date() - timedelta(days=1)  # a stored day always ends at or before the midnight before ``end``
    stored = sorted(RollupDay.objects.filter(day__gte=first_full, day__lte=last_full, time_zone=tz.key).values_list("day", flat=True))
    rows = stored_rows(stored) if stored else []
    cursor = start
    for day in stored:
        day_start, day_end = _local_midnight(day, tz), _local_midnight(day + timedelta(days=1), tz)
        if cursor < day_start:
            rows += live_rows(cursor, day_start)
        cursor = max(cursor, day_end)
    if cursor < end:
        rows += live_rows(cursor, end)
    return rows


def window_counts(start: datetime, end: datetime, tz: ZoneInfo, *, filters, only: tuple[str, ...] | None = None) -> Counts:
    """The window's counts: stored days it fully covers, live counts for the rest (``only``: these fields)."""
    from .models import DailyRollup

    def live(a: datetime, b: datetime) -> list[dict]:
        return _as_rows(count_rows(a, b, tz, filters, only=only))

    if filters.agent:  # not a rollup dimension: count live
        return Counts(live(start, end))

    def stored(days: list[date]) -> list[dict]:
        rollup_filter = Q(day__in=days)
        if filters.department:
            rollup_filter &= Q(department_id__in=Department.objects.filter(code=filters.department).values("pk"))
        for name in ("category", "source", "priority"):
            if getattr(filters, name):
                rollup_filter &= Q(**{name: getattr(filters, name)})
        return list(DailyRollup.objects.filter(rollup_filter).values("day", *DIMENSIONS, *(only or FIELDS)))

    return Counts(_compose(start, end, tz, stored_rows=stored, live_rows=live))


# -- per agent ------------------------------------------------------------------------------------
AGENT_FIELDS = ("resolved", "resolution_seconds", "csat_sum", "csat_count")


def count_agent_rows(start: datetime, end: datetime, tz: ZoneInfo, scope=None) -> dict[tuple, dict]:
    """Per local day and agent: tickets resolved, their total time to resolution, satisfaction answers."""
    rows: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(AGENT_FIELDS, 0))
    condition = scope.q() if scope is not None else Q()
    resolved = (
        Ticket.objects.filter(condition, resolved_at__gte=start, resolved_at__lt=end, assigned_agent__isnull=False)
        .annotate(day=_local_day("resolved_at", tz)).values("day", "assigned_agent")
        .annotate(n=Count("pk"), total=Sum(F("resolved_at") - F("created_at"))).order_by()
    )
    for item in resolved:
        row = rows[(item["day"], item["assigned_agent"])]
        row["resolved"] += item["n"]
        row["resolution_seconds"] += _seconds(item["total"])
    scores = (
        Feedback.objects.filter(scope.q("ticket__") if scope is not None else Q(), created_at__gte=start, created_at__lt=end,
                                ticket__assigned_agent__isnull=False)
        .annotate(day=_local_day("created_at", tz)).values("day", "ticket__assigned_agent")
        .annotate(total=Sum("satisfaction"), n=Count("pk")).order_by()
    )
    for item in scores:
        row = rows[(item["day"], item["ticket__assigned_agent"])]
        row["csat_sum"] += item["total"]
        row["csat_count"] += item["n"]
    return dict(rows)


def _seconds(value) -> float:
    if value is None:
        return 0.0
    return value.total_seconds() if isinstance(value, timedelta) else float(value) / 1_000_000  # SQLite: microseconds


def _agent_rows(counted: dict[tuple, dict]) -> list[dict]:
    return [{"day": day, "agent_id": agent_id, **values} for (day, agent_id), values in counted.items()]


def agent_window_counts(start: datetime, end: datetime, tz: ZoneInfo, *, scope) -> dict[int, dict]:
    """Per agent over the window: resolved, resolution seconds, satisfaction sum and count. ``scope``
    (category, source, priority) is not stored per agent: with one, everything is counted live."""
    from .models import AgentDailyRollup

    def live(a: datetime, b: datetime) -> list[dict]:
        return _agent_rows(count_agent_rows(a, b, tz, scope))

    def stored(days: list[date]) -> list[dict]:
        return list(AgentDailyRollup.objects.filter(day__in=days).values("day", "agent_id", *AGENT_FIELDS))

    scoped = any(getattr(scope, name) for name in ("category", "source", "priority"))
    rows = live(start, end) if scoped else _compose(start, end, tz, stored_rows=stored, live_rows=live)
    totals: dict[int, dict] = defaultdict(lambda: dict.fromkeys(AGENT_FIELDS, 0))
    for row in rows:
        for name in AGENT_FIELDS:
            totals[row["agent_id"]][name] += row[name]
    return dict(totals)


def _closed_days(tz: ZoneInfo, *, back: int, now: datetime) -> list[date]:
    today = now.astimezone(tz).date()
    return [today - timedelta(days=offset) for offset in range(1, back + 1)]


def store_days(days: list[date], tz: ZoneInfo) -> int:
    """(Re)compute the rollups of each closed local day in ``days``; returns rows written."""
    from .models import AgentDailyRollup, DailyRollup, RollupDay

    written = 0
    for day in sorted(days):
        start, end = _local_midnight(day, tz), _local_midnight(day + timedelta(days=1), tz)
        counted, per_agent = count_rows(start, end, tz), count_agent_rows(start, end, tz)
        with transaction.atomic():
            DailyRollup.objects.filter(day=day).delete()
            DailyRollup.objects.bulk_create([DailyRollup(**row) for row in _as_rows(counted)])
            AgentDailyRollup.objects.filter(day=day).delete()
            AgentDailyRollup.objects.bulk_create([AgentDailyRollup(**row) for row in _agent_rows(per_agent)])
            RollupDay.objects.update_or_create(day=day, defaults={"time_zone": tz.key, "computed_at": timezone.now()})
        written += len(counted) + len(per_agent)
    return written


def refresh_rollups(*, now: datetime | None = None, tz: ZoneInfo | None = None, backfill_limit: int = 60) -> dict:
    """The beat job: recompute the recent closed days, fill up to ``backfill_limit`` missing ones further
    back (oldest ticket at most), and forget days stored in another time zone."""
    from .models import RollupDay
    from .services import desk_time_zone

    now = now or timezone.now()
    tz = tz or desk_time_zone()
    RollupDay.objects.exclude(time_zone=tz.key).delete()  # the desk moved time zone: its days are other days now
    recent = _closed_days(tz, back=settings.ANALYTICS_ROLLUP_REFRESH_DAYS, now=now)
    oldest = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
    missing = []
    if oldest is not None:
        horizon = (now.astimezone(tz).date() - oldest.astimezone(tz).date()).days
        candidates = _closed_days(tz, back=min(horizon, settings.ANALYTICS_ROLLUP_MAX_DAYS), now=now)
        known = set(RollupDay.objects.filter(time_zone=tz.key).values_list("day", flat=True))
        missing = [day for day in candidates if day not in known and day not in recent][:backfill_limit]
    rows = store_days(recent + missing, tz)
    return {"recent": len(recent), "backfilled": len(missing), "rows": rows}


def mean_confidence(counts: Counts) -> float | None:
    total = counts.total("confidence_count")
    return round(counts.total("confidence_sum") / total, 4) if total else None

