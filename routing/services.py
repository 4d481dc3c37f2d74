"""Routing use cases that are not part of a single ticket's pipeline."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from routing.engine.rules import RuleSpec, route
from routing.models import RoutingRule
from routing.selectors import rule_spec
from tickets.models import Ticket
from tickets.selectors import ticket_facts

DRY_RUN_LIMIT = 5000
DRY_RUN_DAYS = 30


@dataclass(frozen=True)
class DryRunChange:
    ticket: Ticket
    current_department: str
    current_rule: str
    new_department: str
    new_rule: str
    reason: str


@dataclass
class DryRunReport:
    days: int
    examined: int = 0
    changes: list[DryRunChange] = field(default_factory=list)
    moves: Counter = field(default_factory=Counter)  # (from, to) -> count
    truncated: bool = False


def dry_run_rules(*, enable: list[RoutingRule], days: int = DRY_RUN_DAYS) -> DryRunReport:
    """What routing would decide for the last ``days`` of tickets if the ``enable`` rules were
    active too, compared with what was decided. Changes nothing."""
    enabled_ids = {rule.pk for rule in enable}
    rules: list[RuleSpec] = [
        rule_spec(rule)
        for rule in RoutingRule.objects.select_related("target_department")
        if rule.is_active or rule.pk in enabled_ids
    ]
    report = DryRunReport(days=days)
    since = timezone.now() - timedelta(days=days)
    tickets = (
        Ticket.objects.filter(created_at__gte=since)
        .select_related("customer", "department", "routing_rule")
        .order_by("-created_at")[: DRY_RUN_LIMIT + 1]
    )
    for ticket in tickets:
        if report.examined == DRY_RUN_LIMIT:
            report.truncated = True
            break
        report.examined += 1
        decision = route(ticket_facts(ticket), rules)
        current_department = ticket.department.code if ticket.department else ""
        current_rule = ticket.routing_rule.name if ticket.routing_rule else ""
        if (decision.department, decision.rule_name) != (current_department, current_rule):
            report.changes.append(
                DryRunChange(ticket, current_department, current_rule, decision.department, decision.rule_name, decision.reason)
            )
            report.moves[(current_department or "—", decision.department)] += 1
    return report
