"""Constraints the database enforces, whatever code writes the rows."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from agents.models import Agent
from chatbot.models import ChatbotInteraction, FAQArticle
from integrations.models import ApiKey
from routing.models import RoutingRule
from tickets.models import Customer, Feedback, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def refused(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_ticket_constraints(customer):
    refused(lambda: Ticket.objects.create(customer=customer, subject="", description=""))
    refused(lambda: Ticket.objects.create(customer=customer, subject="x", priority_score=Decimal("100.5")))
    refused(lambda: Ticket.objects.create(customer=customer, subject="x", priority_score=Decimal("-1")))
    refused(lambda: Ticket.objects.create(customer=customer, subject="x", status="archived"))
    refused(lambda: Ticket.objects.create(customer=customer, subject="x", priority="blocker"))
    refused(lambda: Ticket.objects.create(customer=customer, subject="x", source="fax"))
    ticket = Ticket.objects.create(customer=customer, description="Solo descripción", priority_score=Decimal("100"))
    assert Ticket.objects.count() == 1
    assert ticket.ticket_id is not None
    refused(lambda: Ticket.objects.create(customer=customer, subject="dup", ticket_id=ticket.ticket_id))


def test_customer_email_is_unique_and_required(customer):
    refused(lambda: Customer.objects.create(email="cliente@example.com"))
    refused(lambda: Customer.objects.create(email=""))


def test_feedback_ranges_and_one_per_ticket(make_ticket, customer):
    ticket = make_ticket()
    refused(lambda: Feedback.objects.create(ticket=ticket, customer=customer, satisfaction=0))
    refused(lambda: Feedback.objects.create(ticket=ticket, customer=customer, satisfaction=6))
    refused(lambda: Feedback.objects.create(ticket=ticket, customer=customer, satisfaction=3, nps=11))
    Feedback.objects.create(ticket=ticket, customer=customer, satisfaction=5, nps=10)
    refused(lambda: Feedback.objects.create(ticket=ticket, customer=customer, satisfaction=4))


def test_faq_article_is_unique_per_language():
    FAQArticle.objects.create(article_id="faq-001", language="es", title="Contraseña", content="...")
    FAQArticle.objects.create(article_id="faq-001", language="en", title="Password", content="...")
    refused(lambda: FAQArticle.objects.create(article_id="faq-001", language="es", title="Otra", content="..."))
    refused(lambda: FAQArticle.objects.create(article_id="faq-002", language="es", title="Vacía", content=""))


def test_bot_confidence_is_a_probability(make_ticket):
    ticket = make_ticket()
    refused(lambda: ChatbotInteraction.objects.create(ticket=ticket, query="q", confidence=1.2))
    ChatbotInteraction.objects.create(ticket=ticket, query="q", confidence=0.82, resolved=True)


def test_agent_capacity_range(make_agent):
    agent = make_agent()
    agent.max_concurrent_tickets = 0
    refused(agent.save)


def test_api_key_hash_is_unique():
    ApiKey.objects.create(name="a", prefix="sk_sup_x", hashed_key="0" * 64)
    refused(lambda: ApiKey.objects.create(name="b", prefix="sk_sup_y", hashed_key="0" * 64))


def test_active_ticket_count_annotation(make_agent, make_ticket):
    agent = make_agent()
    for status in ("open", "in_progress", "pending", "resolved", "closed"):
        make_ticket(status=status, assigned_agent=agent)
    annotated = Agent.objects.with_active_ticket_count().get(pk=agent.pk)
    assert annotated.active_ticket_count == 3
    assert agent.active_ticket_count() == 3


def test_string_forms(make_ticket, technical_agent, departments):
    ticket = make_ticket(subject="No puedo entrar")
    assert str(ticket) == f"#{str(ticket.ticket_id)[:8]} No puedo entrar"
    assert str(technical_agent).endswith("(technical)")
    assert str(departments["billing"]) == "Billing"
    rule = RoutingRule.objects.create(name="Billing", order=20, conditions={}, target_department=departments["billing"])
    assert str(rule) == "20. Billing"
    event = TicketEvent.objects.create(ticket=ticket, kind="status_changed", actor_type="system", field="status", old_value="open", new_value="closed")
    assert str(event) == "Status changed: status open → closed"


def test_routing_rule_clean_rejects_bad_conditions(departments):
    from django.core.exceptions import ValidationError

    rule = RoutingRule(name="Bad", conditions={"field": "category", "op": "like", "value": 1}, target_department=departments["billing"])
    with pytest.raises(ValidationError) as excinfo:
        rule.full_clean()
    assert "conditions" in excinfo.value.message_dict


def test_priority_rank_orders_most_urgent_first(make_ticket):
    for level in ("low", "critical", "medium", "urgent", "high"):
        make_ticket(priority=level, subject=level)
    ordered = Ticket.objects.with_priority_rank().order_by("-priority_rank").values_list("priority", flat=True)
    assert list(ordered) == ["critical", "urgent", "high", "medium", "low"]
