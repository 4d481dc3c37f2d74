"""Escalating stale tickets: the rule (pure) and the beat job on the demo desk with controlled time."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from agents.models import Agent, Department
from sla.engine.escalation import RuleSpec, TicketFacts, escalation_reason
from sla.escalation import escalate_stale_tickets
from sla.models import EscalationRecord, EscalationRule, TicketSLA
from sla.services import apply_sla, refresh_due_slas
from tickets.events import Actor
from tickets.models import Customer, Ticket

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def facts(**overrides) -> TicketFacts:
    values = {"status": "open", "priority": "critical", "tier": "standard", "created_at": T0, "first_response_at": None,
              "last_activity_at": T0, "sla_state": "on_track"}
    return TicketFacts(**{**values, **overrides})


@pytest.mark.parametrize(
    ("rule", "ticket", "minutes_later", "expected"),
    [
        (RuleSpec("no_first_response", 15, ("critical",)), {}, 16, "No first response after 16 min (critical; limit 15 min)."),
        (RuleSpec("no_first_response", 15, ("critical",)), {}, 14, None),
        (RuleSpec("no_first_response", 15, ("critical",)), {"priority": "low"}, 60, None),
        (RuleSpec("no_first_response", 15), {"first_response_at": T0}, 60, None),
        (RuleSpec("open_too_long", 2880), {}, 3000, "Unresolved after 50 h (limit 48 h)."),
        (RuleSpec("no_update", 120), {"status": "in_progress"}, 180, "In progress with no update for 3 h (limit 2 h)."),
        (RuleSpec("no_update", 120), {"status": "open"}, 180, None),
        (RuleSpec("vip_unresolved", 120), {"tier": "vip"}, 121, "A VIP customer's ticket unresolved after 2 h (limit 2 h)."),
        (RuleSpec("sla_breached"), {"sla_state": "breached"}, 0, "The SLA is breached."),
        (RuleSpec("sla_at_risk"), {"sla_state": "on_track"}, 0, None),
        (RuleSpec("open_too_long", 10), {"status": "resolved"}, 60, None),
    ],
)
def test_the_rule_itself(rule, ticket, minutes_later, expected):
    assert escalation_reason(rule, facts(**ticket), T0 + timedelta(minutes=minutes_later)) == expected


def make(desk_customer: str, *, priority: str, minutes_ago: int, status: str = "open", department: str = "technical", agent=None) -> Ticket:
    ticket = Ticket.objects.create(
        customer=Customer.objects.get(email=desk_customer), subject=f"{priority} problem", description="No funciona la exportación",
        status=status, priority=priority, category="technical", department=Department.objects.get(code=department), assigned_agent=agent,
    )
    created = timezone.now() - timedelta(minutes=minutes_ago)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=created, last_activity_at=created)
    ticket.refresh_from_db()
    apply_sla(ticket, actor=Actor.system("test"))
    return ticket


@pytest.mark.django_db
def test_critical_without_response_goes_to_a_senior_and_supervisors_hear_once(desk, django_capture_on_commit_callbacks):
    junior = Agent.objects.get(user__username="sofia.romero")
    ticket = make("cliente@example.com", priority="critical", minutes_ago=20, department="account", agent=junior)
    quiet = make("cliente@example.com", priority="critical", minutes_ago=5)
    closed = make("cliente@example.com", priority="critical", minutes_ago=90, status="closed")
    with django_capture_on_commit_callbacks(execute=True):
        report = escalate_stale_tickets()
    assert report.by_rule["Critical without first response (15 min)"] == 1
    record = EscalationRecord.objects.get(ticket=ticket, rule__name="Critical without first response (15 min)")
    assert "No first response after 20 min" in record.reason and "supervisors notified" in record.actions
    ticket.refresh_from_db()
    # account has no senior agent: the ticket stays with its agent and the history says why
    assert ticket.assigned_agent == junior
    assert ticket.events.filter(kind="escalated", reason__startswith="No senior agent").exists()
    assert [m.to for m in mail.outbox] == [["ana.garcia@example.com"]] and "Escalated" in mail.outbox[0].subject
    assert not EscalationRecord.objects.filter(ticket__in=[quiet, closed]).exists()
    # the next sweep, inside the cooldown, does nothing more
    with django_capture_on_commit_callbacks(execute=True):
        again = escalate_stale_tickets()
    assert again.by_rule["Critical without first response (15 min)"] == 0 and len(mail.outbox) == 1
    # after the cooldown the rule may fire again
    later = escalate_stale_tickets(now=timezone.now() + timedelta(minutes=61))
    assert later.by_rule["Critical without first response (15 min)"] >= 1


@pytest.mark.django_db
def test_urgent_without_response_is_raised_to_critical_with_a_new_sla(desk):
    ticket = make("cliente@example.com", priority="urgent", minutes_ago=45)
    assert ticket.sla.policy_name == "Urgent"
    escalate_stale_tickets()
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.escalation_level) == ("critical", 1)
    assert TicketSLA.objects.get(ticket=ticket).policy_name == "Critical"
    assert ticket.events.filter(kind="escalated", old_value="urgent", new_value="critical").exists()


@pytest.mark.django_db
def test_an_unassigned_vip_ticket_goes_to_the_least_loaded_senior(desk):
    ticket = make("vip@example.com", priority="high", minutes_ago=150)
    escalate_stale_tickets()
    ticket.refresh_from_db()
    assert ticket.assigned_agent.seniority in ("senior", "lead") and ticket.priority in ("urgent", "critical")
    assert EscalationRecord.objects.filter(ticket=ticket, rule__name="VIP unresolved (2 h)").exists()


@pytest.mark.django_db
def test_a_breached_sla_escalates(desk):
    EscalationRule.objects.exclude(name="SLA breached").update(is_active=False)  # this rule alone
    ticket = make("cliente@example.com", priority="low", minutes_ago=10)
    sla = TicketSLA.objects.get(ticket=ticket)
    later = sla.resolution_due_at + timedelta(minutes=1)
    refresh_due_slas(now=sla.first_response_due_at + timedelta(minutes=1))
    refresh_due_slas(now=later)
    assert TicketSLA.objects.get(ticket=ticket).state == "breached"
    report = escalate_stale_tickets(now=later)
    assert report.by_rule["SLA breached"] == 1
    ticket.refresh_from_db()
    assert ticket.priority == "medium"


@pytest.mark.django_db
def test_rules_are_validated():
    with pytest.raises(ValidationError, match="needs a time limit"):
        EscalationRule(name="x", kind="no_update", minutes=0).full_clean()
    with pytest.raises(ValidationError, match="Use a list of"):
        EscalationRule(name="y", kind="sla_breached", priorities=["urgentísimo"]).full_clean()
    with pytest.raises(ValidationError, match="at least one action"):
        EscalationRule(name="z", kind="sla_breached", raise_priority=False, notify_supervisors=False).full_clean()
