"""Use cases write the change and its history together; refusals change nothing."""

import pytest

from agents.services import assign_ticket
from support_site.api.exceptions import CapacityExceeded, Conflict, InvalidTransition, NotFound
from tickets.events import Actor
from tickets.models import TicketEvent
from tickets.services.edit import update_ticket
from tickets.services.escalation import escalate_ticket
from tickets.services.status import change_ticket_status

pytestmark = pytest.mark.django_db


def test_status_change_stamps_times_and_records_history(make_ticket, supervisor_user):
    ticket = make_ticket(status="open")
    actor = Actor.for_user(supervisor_user)
    change_ticket_status(ticket_id=ticket.ticket_id, new_status="resolved", actor=actor, reason="Fixed")
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.resolved_at is not None
    event = ticket.events.get()
    assert (event.kind, event.field, event.old_value, event.new_value, event.reason) == ("status_changed", "status", "open", "resolved", "Fixed")
    assert event.actor_user == supervisor_user and event.actor_type == "agent"

    change_ticket_status(ticket_id=ticket.ticket_id, new_status="open", actor=actor, reason="Customer wrote back")
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.resolved_at is None


def test_refused_transition_changes_nothing(make_ticket):
    ticket = make_ticket(status="closed")
    with pytest.raises(InvalidTransition, match="closed tickets are final"):
        change_ticket_status(ticket_id=ticket.ticket_id, new_status="open", actor=Actor.system())
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert not TicketEvent.objects.exists()


def test_unknown_ticket_is_not_found():
    with pytest.raises(NotFound):
        change_ticket_status(ticket_id="00000000-0000-0000-0000-000000000000", new_status="open", actor=Actor.system())


def test_assignment_respects_capacity(make_agent, make_ticket):
    agent = make_agent(capacity=2)
    tickets = [make_ticket(status="open") for _ in range(3)]
    actor = Actor.system()
    assign_ticket(ticket_id=tickets[0].ticket_id, agent_id=agent.pk, actor=actor)
    assign_ticket(ticket_id=tickets[1].ticket_id, agent_id=agent.pk, actor=actor)
    with pytest.raises(CapacityExceeded, match="already has 2 active tickets"):
        assign_ticket(ticket_id=tickets[2].ticket_id, agent_id=agent.pk, actor=actor)
    tickets[2].refresh_from_db()
    assert tickets[2].assigned_agent is None
    assert agent.active_ticket_count() == 2
    assert TicketEvent.objects.filter(kind="assigned").count() == 2
    assert TicketEvent.objects.filter(ticket=tickets[2]).count() == 0


def test_assignment_moves_department_and_opens_received_ticket(make_agent, make_ticket):
    agent = make_agent("billing")
    ticket = make_ticket(status="received", department="technical")
    assign_ticket(ticket_id=ticket.ticket_id, agent_id=agent.pk, actor=Actor.system(), reason="Billing question")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.department.code, ticket.assigned_agent_id) == ("open", "billing", agent.pk)
    kinds = list(ticket.events.values_list("kind", "field", "new_value"))
    assert kinds == [("routed", "department", "billing"), ("status_changed", "status", "open"), ("assigned", "assigned_agent", agent.name)]


def test_unavailable_agent_and_resolved_ticket_are_refused(make_agent, make_ticket):
    away = make_agent(available=False)
    with pytest.raises(Conflict, match="not available"):
        assign_ticket(ticket_id=make_ticket().ticket_id, agent_id=away.pk, actor=Actor.system())
    with pytest.raises(InvalidTransition, match="reopen it first"):
        assign_ticket(ticket_id=make_ticket(status="resolved").ticket_id, agent_id=make_agent().pk, actor=Actor.system())
    assert not TicketEvent.objects.exists()


def test_escalation_raises_one_level_and_stops_at_critical(make_ticket):
    ticket = make_ticket(priority="urgent")
    escalate_ticket(ticket_id=ticket.ticket_id, actor=Actor.system(), reason="No first response after 30 min")
    escalate_ticket(ticket_id=ticket.ticket_id, actor=Actor.system(), reason="Still waiting")
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.escalation_level) == ("critical", 2)
    events = list(ticket.events.values_list("kind", "old_value", "new_value", "reason"))
    assert events == [
        ("escalated", "urgent", "critical", "No first response after 30 min"),
        ("escalated", "critical", "critical", "Still waiting"),
    ]
    with pytest.raises(InvalidTransition):
        escalate_ticket(ticket_id=make_ticket(status="resolved").ticket_id, actor=Actor.system(), reason="x")


def test_update_ticket_records_each_field(make_ticket, make_agent, departments, supervisor_user):
    ticket = make_ticket(status="open", priority="medium", category="", tags=[])
    agent = make_agent("technical")
    update_ticket(
        ticket_id=ticket.ticket_id,
        actor=Actor.for_user(supervisor_user),
        changes={"status": "in_progress", "priority": "high", "assigned_agent": agent, "category": "technical", "tags": ["outage"]},
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assigned_agent, ticket.category, ticket.tags) == ("in_progress", "high", agent, "technical", ["outage"])
    fields = sorted(ticket.events.values_list("field", flat=True))
    assert fields == ["assigned_agent", "category", "priority", "status", "tags"]


def test_update_ticket_is_all_or_nothing(make_ticket, make_agent):
    ticket = make_ticket(status="open", priority="medium")
    full = make_agent(capacity=1)
    make_ticket(status="open", assigned_agent=full)
    with pytest.raises(CapacityExceeded):
        update_ticket(ticket_id=ticket.ticket_id, actor=Actor.system(), changes={"priority": "urgent", "assigned_agent": full})
    ticket.refresh_from_db()
    assert ticket.priority == "medium"
    assert not ticket.events.exists()
