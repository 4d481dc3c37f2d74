"""A ticket's SLA state from its targets and what has happened. Pure.

on_track → at_risk (a share of a target's time used) → breached (a target passed unmet);
once resolved: met (every target met) or missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ON_TRACK, AT_RISK, BREACHED, MET, MISSED = "on_track", "at_risk", "breached", "met", "missed"


@dataclass(frozen=True)
class Targets:
    first_response_due: datetime | None
    resolution_due: datetime | None
    first_response_at_risk: datetime | None = None
    resolution_at_risk: datetime | None = None


def sla_state(targets: Targets, *, now: datetime, first_response_at: datetime | None, resolved_at: datetime | None,
              paused_since: datetime | None = None) -> str:
    """While the clock is paused it is read at the moment it stopped."""
    clock = min(now, paused_since) if paused_since else now
    first_met = first_response_at is not None and (targets.first_response_due is None or first_response_at <= targets.first_response_due)
    if resolved_at is not None:
        resolution_met = targets.resolution_due is None or resolved_at <= targets.resolution_due
        first_ok = targets.first_response_due is None or first_met or (first_response_at is None and resolved_at <= targets.first_response_due)
        return MET if resolution_met and first_ok else MISSED
    waiting_first = first_response_at is None and targets.first_response_due is not None
    if (waiting_first and clock >= targets.first_response_due) or (first_response_at is not None and not first_met):
        return BREACHED
    if targets.resolution_due is not None and clock >= targets.resolution_due:
        return BREACHED
    if waiting_first and targets.first_response_at_risk is not None and clock >= targets.first_response_at_risk:
        return AT_RISK
    if targets.resolution_at_risk is not None and clock >= targets.resolution_at_risk:
        return AT_RISK
    return ON_TRACK


def next_change(targets: Targets, *, now: datetime, first_response_at: datetime | None, resolved_at: datetime | None,
                paused_since: datetime | None = None) -> datetime | None:
    """When the state will next change with no event, or None (resolved, paused, or nothing left)."""
    if resolved_at is not None or paused_since is not None:
        return None
    moments = [targets.resolution_at_risk, targets.resolution_due]
    if first_response_at is None:
        moments += [targets.first_response_at_risk, targets.first_response_due]
    future = [moment for moment in moments if moment is not None and moment > now]
    return min(future) if future else None
