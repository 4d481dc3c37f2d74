"""Which SLA policy applies to a ticket: the most specific matching one. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PolicySpec:
    id: int
    name: str
    tier: str = ""
    category: str = ""
    priority: str = ""
    order: int = 100

    @property
    def specificity(self) -> int:
        return sum(bool(value) for value in (self.tier, self.category, self.priority))

    def matches(self, *, tier: str, category: str, priority: str) -> bool:
        return all(not want or want == have for want, have in ((self.tier, tier), (self.category, category), (self.priority, priority)))


def match_policy(policies: Sequence[PolicySpec], *, tier: str, category: str, priority: str) -> PolicySpec | None:
    """The matching policy with the most criteria set; ties go to the lower ``order``, then id."""
    matching = [p for p in policies if p.matches(tier=tier, category=category, priority=priority)]
    if not matching:
        return None
    return min(matching, key=lambda p: (-p.specificity, p.order, p.id))
