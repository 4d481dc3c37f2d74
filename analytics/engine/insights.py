"""Plain-sentence insights from two periods' figures: what moved, where, and by how much. Pure.

An insight is data (metric, segment, before, after, change); the words are chosen when a
report is rendered, in the reader's language (``analytics.reports``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Watched:
    key: str
    higher_is_better: bool
    kind: str  # "duration" (relative change, %), "rate" (points), "count" (relative change, %)


#: The figures the reports watch, and which way is good.
WATCHED: tuple[Watched, ...] = (
    Watched("tickets", higher_is_better=False, kind="count"),
    Watched("first_response_mean_minutes", higher_is_better=False, kind="duration"),
    Watched("resolution_mean_minutes", higher_is_better=False, kind="duration"),
    Watched("chatbot_resolution_rate", higher_is_better=True, kind="rate"),
    Watched("first_contact_resolution_rate", higher_is_better=True, kind="rate"),
    Watched("sla_compliance_rate", higher_is_better=True, kind="rate"),
    Watched("csat_mean", higher_is_better=True, kind="score"),
    Watched("nps", higher_is_better=True, kind="score_points"),
)

#: How big a move must be to be worth a sentence.
MIN_RELATIVE_CHANGE = 10.0  # percent, for counts and durations
MIN_RATE_POINTS = 5.0  # percentage points, for rates
MIN_SCORE_CHANGE = {"score": 0.3, "score_points": 10.0}  # CSAT (1–5) and NPS (−100…100)
MIN_SEGMENT_TICKETS = 10  # a category with fewer tickets in either period says nothing
MIN_FEEDBACK = 20  # nor do satisfaction figures from fewer answers


@dataclass(frozen=True)
class Insight:
    metric: str
    segment_kind: str  # "all", "category" or "department"
    segment: str
    before: float
    after: float
    change: float  # percent for counts/durations, points for rates and scores
    unit: str  # "percent" or "points"
    improved: bool

    def as_dict(self) -> dict:
        return asdict(self)


def _compare(watched: Watched, before, after) -> tuple[float, str] | None:
    if before is None or after is None:
        return None
    if watched.kind in ("count", "duration"):
        if before == 0:
            return None
        change = (after - before) / before * 100
        return (round(change, 1), "percent") if abs(change) >= MIN_RELATIVE_CHANGE else None
    if watched.kind == "rate":
        points = (after - before) * 100
        return (round(points, 1), "points") if abs(points) >= MIN_RATE_POINTS else None
    change = after - before
    return (round(change, 2), "points") if abs(change) >= MIN_SCORE_CHANGE[watched.kind] else None


def find_insights(current: dict, previous: dict, segments: dict[tuple[str, str], tuple[dict, dict]] | None = None,
                  *, limit: int = 8) -> list[Insight]:
    """Moves worth telling, biggest first: overall, then per category or department segment.

    ``segments`` maps ("category", "billing") to (current, previous) figure dictionaries."""
    found: list[tuple[float, Insight]] = []
    said: set[tuple] = set()
    groups = [(("all", ""), (current, previous))] + sorted((segments or {}).items())
    for (segment_kind, segment), (now_figures, then_figures) in groups:
        if segment_kind != "all" and min(now_figures.get("tickets") or 0, then_figures.get("tickets") or 0) < MIN_SEGMENT_TICKETS:
            continue
        for watched in WATCHED:
            before, after = then_figures.get(watched.key), now_figures.get(watched.key)
            if watched.kind.startswith("score") and min(now_figures.get("feedback_responses") or 0,
                                                        then_figures.get("feedback_responses") or 0) < MIN_FEEDBACK:
                continue
            compared = _compare(watched, before, after)
            if compared is None or (watched.key, before, after) in said:  # a team that is one category says it once
                continue
            said.add((watched.key, before, after))
            change, unit = compared
            improved = (change > 0) == watched.higher_is_better
            weight = abs(change) / (MIN_RELATIVE_CHANGE if unit == "percent" else MIN_RATE_POINTS)
            found.append((weight, Insight(watched.key, segment_kind, segment, before, after, change, unit, improved)))
    found.sort(key=lambda pair: (-pair[0], pair[1].segment_kind != "all", pair[1].metric, pair[1].segment))
    return [insight for _, insight in found[:limit]]


#: What to suggest when a figure got worse (keys of ``analytics.reports.RECOMMENDATIONS``).
ADVICE_FOR = {
    "first_response_mean_minutes": "staffing",
    "resolution_mean_minutes": "backlog",
    "chatbot_resolution_rate": "knowledge",
    "first_contact_resolution_rate": "reopens",
    "sla_compliance_rate": "escalation",
    "csat_mean": "feedback",
    "nps": "feedback",
    "tickets": "volume",
}


def recommendations(insights: list[Insight]) -> list[tuple[str, str, str]]:
    """(advice key, segment kind, segment) for each distinct worsening, in the insights' order."""
    seen, advice = set(), []
    for insight in insights:
        key = ADVICE_FOR.get(insight.metric)
        if insight.improved or key is None or (key, insight.segment) in seen:
            continue
        seen.add((key, insight.segment))
        advice.append((key, insight.segment_kind, insight.segment))
    return advice
