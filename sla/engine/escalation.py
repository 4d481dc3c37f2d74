"""When a stale ticket is due for escalation, and why. Pure.

The database query in ``sla/escalation.py`` narrows the candidates with indexes; this function
is the rule itself, re-checked on each locked ticket, and the sentence the history shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

NO_FIRST_RESPONSE, OPEN_TOO_LONG, NO_UPDATE, VIP_UNRESOLVED, SLA_AT_RISK, SLA_BREACHED = (
    "no_first_response", "open_too_long", "no_update", "vip_unresolved", "sla_at_risk", "sla_breached",
)
KINDS = (NO_FIRST_RESPONSE, OPEN_TOO_LONG, NO_UPDATE, VIP_UNRESOLVED, SLA_AT_RISK, SLA_BREACHED)
ACTIVE = ("open", "in_progress", "pending")


@dataclass(frozen=True)
class RuleSpec:
    kind: str
    minutes: int = 0
    priorities: Sequence[str] = ()


@dataclass(frozen=True)
class TicketFacts:
    status: str
    priority: str
    tier: str
    created_at: datetime
    first_response_at: datetime | None
    last_activity_at: datetime | None
    sla_state: str = ""


def _age(minutes: float) -> str:
    return f"{round(minutes / 60, 1):g} h" if minutes >= 120 else f"{int(minutes)} min"


def escalation_reason(rule: RuleSpec, facts: TicketFacts, now: datetime) -> str | None:
    """The reason to escalate under ``rule``, or None when it does not apply (any more)."""
    if facts.status not in ACTIVE or (rule.priorities and facts.priority not in rule.priorities):
        return None
    limit = timedelta(minutes=rule.minutes)
    waited = (now - facts.created_at).total_seconds() / 60
    if rule.kind == NO_FIRST_RESPONSE and facts.first_response_at is None and now - facts.created_at >= limit:
        return f"No first response after {_age(waited)} ({facts.priority}; limit {_age(rule.minutes)})."
    if rule.kind == OPEN_TOO_LONG and now - facts.created_at >= limit:
        return f"Unresolved after {_age(waited)} (limit {_age(rule.minutes)})."
    if rule.kind == NO_UPDATE and facts.status == "in_progress" and facts.last_activity_at is not None:
        idle = (now - facts.last_activity_at).total_seconds() / 60
        if now - facts.last_activity_at >= limit:
            return f"In progress with no update for {_age(idle)} (limit {_age(rule.minutes)})."
    if rule.kind == VIP_UNRESOLVED and facts.tier == "vip" and now - facts.created_at >= limit:
        return f"A VIP customer's ticket unresolved after {_age(waited)} (limit {_age(rule.minutes)})."
    if rule.kind == SLA_AT_RISK and facts.sla_state == "at_risk":
        return "The SLA is at risk."
    if rule.kind == SLA_BREACHED and facts.sla_state == "breached":
        return "The SLA is breached."
    return None
