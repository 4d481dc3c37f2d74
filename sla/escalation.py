"""Escalating stale tickets: the beat job and what each rule's actions do."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from agents.notify import email_supervisors
from agents.services import reassign_to_senior
from tickets.events import Actor, record_ticket_event
from tickets.models import EventKind, Ticket
from tickets.services.escalation import apply_escalation
from tickets.services.notify import broadcast_ticket_change

from .engine.escalation import ACTIVE, RuleSpec, TicketFacts, escalation_reason
from .models import EscalationKind, EscalationRecord, EscalationRule

logger = logging.getLogger(__name__)
PER_RULE_LIMIT = 500


@dataclass
class EscalationReport:
    examined: int = 0
    escalated: int = 0
    by_rule: dict = field(default_factory=dict)


def candidates(rule: EscalationRule, now: datetime) -> QuerySet[Ticket]:
    """Tickets the rule may apply to, narrowed by indexed columns, minus those in its cooldown."""
    queryset = Ticket.objects.filter(status__in=ACTIVE)
    if rule.priorities:
        queryset = queryset.filter(priority__in=rule.priorities)
    cutoff = now - timedelta(minutes=rule.minutes)
    queryset = {
        EscalationKind.NO_FIRST_RESPONSE: lambda q: q.filter(first_response_at__isnull=True, created_at__lte=cutoff),
        EscalationKind.OPEN_TOO_LONG: lambda q: q.filter(created_at__lte=cutoff),
        EscalationKind.NO_UPDATE: lambda q: q.filter(status="in_progress", last_activity_at__lte=cutoff),
        EscalationKind.VIP_UNRESOLVED: lambda q: q.filter(customer__tier="vip", created_at__lte=cutoff),
        EscalationKind.SLA_AT_RISK: lambda q: q.filter(sla__state="at_risk"),
        EscalationKind.SLA_BREACHED: lambda q: q.filter(sla__state="breached"),
    }[rule.kind](queryset)
    recent = EscalationRecord.objects.filter(
        rule=rule, ticket=OuterRef("pk"), created_at__gte=now - timedelta(minutes=rule.cooldown_minutes)
    )
    return queryset.exclude(Exists(recent))


def _facts(ticket: Ticket) -> TicketFacts:
    sla = getattr(ticket, "sla", None)
    return TicketFacts(ticket.status, ticket.priority, ticket.customer.tier, ticket.created_at, ticket.first_response_at,
                       ticket.last_activity_at, sla.state if sla else "")


def escalate_stale_tickets(*, now: datetime | None = None, limit: int = PER_RULE_LIMIT) -> EscalationReport:
    """Apply every active rule to the tickets it catches; each ticket in its own transaction,
    re-checked under its lock, so a concurrent run or a retry never escalates twice."""
    now = now or timezone.now()
    report = EscalationReport()
    for rule in EscalationRule.objects.filter(is_active=True):
        ids = list(candidates(rule, now).order_by("created_at").values_list("pk", flat=True)[:limit])
        report.examined += len(ids)
        done = sum(_escalate_one(rule, ticket_id, now) for ticket_id in ids)
        report.escalated += done
        report.by_rule[rule.name] = done
    if report.escalated:
        logger.info("escalated %d ticket(s): %s", report.escalated, report.by_rule)
    return report


def _escalate_one(rule: EscalationRule, ticket_id: int, now: datetime) -> bool:
    actor = Actor.rule(rule.name)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("customer", "assigned_agent").get(pk=ticket_id)
        if candidates(rule, now).filter(pk=ticket.pk).exists() is False:
            return False  # escalated meanwhile, or changed
        reason = escalation_reason(RuleSpec(rule.kind, rule.minutes, tuple(rule.priorities or ())), _facts(ticket), now)
        if reason is None:
            return False
        actions, raised = [], False
        if rule.raise_priority and ticket.priority != "critical":
            apply_escalation(ticket, actor=actor, reason=reason)  # writes the escalation's history line
            actions.append(f"priority → {ticket.priority}")
            raised = True
        if rule.reassign_to_senior:
            before = ticket.assigned_agent_id
            agent = reassign_to_senior(ticket, actor=actor, reason=reason)
            if agent is not None and agent.pk != before:
                actions.append(f"reassigned to {agent.name}")
        if rule.notify_supervisors:
            transaction.on_commit(lambda: _email_supervisors(ticket.pk, rule.name, reason))
            actions.append("supervisors notified")
        EscalationRecord.objects.create(ticket=ticket, rule=rule, reason=reason[:300], actions=actions)
        if not raised:
            record_ticket_event(ticket=ticket, kind=EventKind.ESCALATED, actor=actor, reason=reason, data={"actions": actions})
        broadcast_ticket_change(ticket)
    return True


def _email_supervisors(ticket_pk: int, rule_name: str, reason: str) -> None:
    ticket = Ticket.objects.select_related("customer", "department").get(pk=ticket_pk)
    link = f"{settings.SUPPORT_BASE_URL.rstrip('/')}/admin/tickets/ticket/{ticket.pk}/change/"
    email_supervisors(
        subject=f"[{ticket.priority.upper()}] Escalated: {ticket.subject or ticket.description[:60]}",
        body=f"{reason}\n\nRule: {rule_name}\nCustomer: {ticket.customer.email} ({ticket.customer.tier})\n"
             f"Department: {ticket.department.name if ticket.department else '-'}\n\n{link}\n",
    )
