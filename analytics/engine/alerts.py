"""Which alerts the desk's current metrics raise. Pure.

Thresholds default to the spec's: a critical ticket unassigned for more than 5 minutes, a
critical ticket open for more than 24 hours, the bot resolving under 50 % (with enough tickets
to mean something), an agent over 90 % utilised, and a mean first response over 60 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CRITICAL, WARNING = "critical", "warning"


@dataclass(frozen=True)
class Thresholds:
    critical_unassigned_minutes: int = 5
    critical_open_hours: int = 24
    bot_resolution_rate_min: float = 0.5
    bot_min_tickets: int = 20
    agent_utilisation_max: float = 0.9
    first_response_minutes_max: float = 60


@dataclass(frozen=True)
class Metrics:
    unassigned_critical: int = 0
    unassigned_critical_over_limit: int = 0
    critical_open_over_limit: int = 0
    sla_breaches_critical: int = 0
    tickets_last_24h: int = 0
    chatbot_resolution_rate: float | None = None
    avg_first_response_minutes: float | None = None
    #: agent name -> share of capacity in use
    agent_utilisation: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AlertSpec:
    key: str
    kind: str
    severity: str
    message: str


def evaluate(metrics: Metrics, thresholds: Thresholds = Thresholds()) -> list[AlertSpec]:
    """Every alert the metrics call for now; the caller raises new ones and resolves the rest.
    The key identifies one condition (per agent for utilisation), so an alert is raised once."""
    alerts: list[AlertSpec] = []
    t = thresholds
    if metrics.unassigned_critical_over_limit:
        alerts.append(AlertSpec(
            "critical_unassigned", "critical_unassigned", CRITICAL,
            f"{metrics.unassigned_critical_over_limit} critical ticket(s) unassigned for more than {t.critical_unassigned_minutes} minutes.",
        ))
    if metrics.critical_open_over_limit:
        alerts.append(AlertSpec(
            "critical_open", "critical_open", CRITICAL,
            f"{metrics.critical_open_over_limit} critical ticket(s) open for more than {t.critical_open_hours} hours (SLA breach).",
        ))
    if (metrics.chatbot_resolution_rate is not None and metrics.tickets_last_24h >= t.bot_min_tickets
            and metrics.chatbot_resolution_rate < t.bot_resolution_rate_min):
        alerts.append(AlertSpec(
            "bot_resolution_low", "bot_resolution_low", WARNING,
            f"The bot resolved {metrics.chatbot_resolution_rate:.0%} of the last 24 hours' {metrics.tickets_last_24h} tickets "
            f"(below {t.bot_resolution_rate_min:.0%}).",
        ))
    for agent, share in sorted(metrics.agent_utilisation.items()):
        if share > t.agent_utilisation_max:
            alerts.append(AlertSpec(
                f"agent_utilisation:{agent}", "agent_utilisation", WARNING,
                f"{agent} is at {share:.0%} of capacity (above {t.agent_utilisation_max:.0%}).",
            ))
    if metrics.avg_first_response_minutes is not None and metrics.avg_first_response_minutes > t.first_response_minutes_max:
        alerts.append(AlertSpec(
            "first_response_slow", "first_response_slow", WARNING,
            f"Mean first response over the last 24 hours is {metrics.avg_first_response_minutes:.0f} minutes "
            f"(above {t.first_response_minutes_max:.0f}).",
        ))
    return alerts
