"""Which department a ticket goes to, and why. Pure Python.

Rules are tried in ``order``; the first whose conditions match wins. With no match, the
category's default department; failing that, critical/urgent tickets go to technical (to its
leads) and everything else to general.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .conditions import evaluate

DEFAULT_CATEGORY_DEPARTMENTS: dict[str, str] = {
    "technical": "technical", "billing": "billing", "account": "account",
    "security": "security", "sales": "sales", "general": "general",
}


@dataclass(frozen=True)
class RuleSpec:
    id: int | None
    name: str
    order: int
    conditions: Mapping[str, Any]
    department: str
    specialties: tuple[str, ...] = ()
    auto_assign: bool = False


@dataclass(frozen=True)
class RoutingDecision:
    department: str
    rule_id: int | None
    rule_name: str
    specialties: tuple[str, ...]
    auto_assign: bool
    seniority: tuple[str, ...]  # preferred seniorities, most preferred first; empty = any
    reason: str
    trace: tuple[str, ...] = field(default=())


def route(facts: Mapping[str, Any], rules: Iterable[RuleSpec], *, category_map: Mapping[str, str] | None = None) -> RoutingDecision:
    trace: list[str] = []
    for rule in sorted(rules, key=lambda r: (r.order, r.id or 0)):
        result = evaluate(rule.conditions, facts)
        trace.append(f"rule '{rule.name}': {'matched' if result.matched else 'no match'} ({'; '.join(result.trace)})")
        if result.matched:
            return RoutingDecision(
                department=rule.department, rule_id=rule.id, rule_name=rule.name, specialties=tuple(rule.specialties),
                auto_assign=rule.auto_assign, seniority=(), reason=f"Rule '{rule.name}' matched: {'; '.join(result.trace)}",
                trace=tuple(trace),
            )

    category = facts.get("category") or ""
    mapping = DEFAULT_CATEGORY_DEPARTMENTS if category_map is None else category_map
    if category and category in mapping:
        return RoutingDecision(
            department=mapping[category], rule_id=None, rule_name="", specialties=(), auto_assign=False, seniority=(),
            reason=f"No rule matched; category '{category}' goes to {mapping[category]} by default.", trace=tuple(trace),
        )
    priority = facts.get("priority") or ""
    if priority in ("critical", "urgent"):
        return RoutingDecision(
            department="technical", rule_id=None, rule_name="", specialties=(), auto_assign=True, seniority=("lead", "senior"),
            reason=f"No rule or category matched; a {priority} ticket goes to the technical leads.", trace=tuple(trace),
        )
    return RoutingDecision(
        department="general", rule_id=None, rule_name="", specialties=(), auto_assign=False, seniority=(),
        reason="No rule, category or priority matched; general queue.", trace=tuple(trace),
    )


@dataclass(frozen=True)
class AgentLoad:
    id: int
    seniority: str
    specialties: tuple[str, ...]
    active: int
    capacity: int
    available: bool = True


def choose_agent(candidates: Iterable[AgentLoad], *, specialties: tuple[str, ...] = (), seniority: tuple[str, ...] = ()) -> tuple[AgentLoad | None, str]:
    """The available agent with every required specialty and room left, fewest active tickets
    first (preferred seniority breaks ties, then id). None with the reason when nobody fits."""
    required = {s.lower() for s in specialties}
    pool = [a for a in candidates if a.available]
    skilled = [a for a in pool if required <= {s.lower() for s in a.specialties}]
    if not skilled:
        return None, f"no available agent with specialties {sorted(required)}" if required else "no available agent"
    free = [a for a in skilled if a.active < a.capacity]
    if not free:
        return None, f"all {len(skilled)} matching agent(s) are at capacity"
    rank = {level: i for i, level in enumerate(seniority)}
    if seniority and any(a.seniority in rank for a in free):
        free = [a for a in free if a.seniority in rank]
    best = min(free, key=lambda a: (a.active, rank.get(a.seniority, len(rank)), a.id))
    return best, f"fewest active tickets ({best.active}/{best.capacity}) among {len(free)} free agent(s)"
