"""Giving a ticket to an agent, safely under concurrency."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Event
from notifications.services import emit, queue_customer_email
from routing.engine.rules import AgentLoad, choose_agent
from support_site.api.exceptions import CapacityExceeded, Conflict, InvalidTransition, NotFound
from tickets.events import Actor, record_ticket_event
from tickets.models import EventKind, Status, Ticket
from tickets.services.locks import ticket_for_update
from tickets.services.notify import broadcast_ticket_change
from tickets.services.status import apply_status

from .models import ACTIVE_TICKET_STATUSES, Agent, Department

ASSIGNABLE_STATUSES = (Status.RECEIVED, Status.OPEN, Status.IN_PROGRESS, Status.PENDING)


def agent_for_update(agent_id: int) -> Agent:
    """Lock the agent row, so two assignments to one agent serialise and see each other's count."""
    try:
        return Agent.objects.select_for_update(of=("self",)).select_related("department", "user").get(pk=agent_id)
    except Agent.DoesNotExist as exc:
        raise NotFound(_("Agent %(id)s does not exist.") % {"id": agent_id}, field="agent") from exc


def apply_assignment(ticket: Ticket, *, agent_id: int, actor: Actor, reason: str) -> Agent:
    """Assign a ticket the caller has locked. Locks the agent, checks availability and capacity."""
    if ticket.status not in ASSIGNABLE_STATUSES:
        raise InvalidTransition(
            _("A '%(status)s' ticket cannot be assigned; reopen it first.") % {"status": ticket.status}, field="status"
        )
    agent = agent_for_update(agent_id)
    if not agent.is_available or not agent.user.is_active:
        raise Conflict(_("%(agent)s is not available.") % {"agent": agent.name}, field="assigned_agent")
    load = agent.assigned_tickets.filter(status__in=ACTIVE_TICKET_STATUSES).exclude(pk=ticket.pk).count()
    if load >= agent.max_concurrent_tickets:
        raise CapacityExceeded(
            _("%(agent)s already has %(load)d active tickets (limit %(limit)d).")
            % {"agent": agent.name, "load": load, "limit": agent.max_concurrent_tickets},
            field="assigned_agent",
        )

    old_agent = ticket.assigned_agent
    update_fields = ["assigned_agent", "last_activity_at", "updated_at"]
    if ticket.department_id != agent.department_id:
        old_department = ticket.department
        ticket.department = agent.department
        update_fields.append("department")
        record_ticket_event(
            ticket=ticket, kind=EventKind.ROUTED, actor=actor, field="department",
            old=old_department.code if old_department else "", new=agent.department.code,
            reason=_("Follows the assigned agent's department."),
        )
    if ticket.status == Status.RECEIVED:
        apply_status(ticket, new_status=Status.OPEN, actor=actor, reason=_("Assigned to an agent."))
    ticket.assigned_agent = agent
    ticket.last_activity_at = timezone.now()
    ticket.save(update_fields=update_fields)
    record_ticket_event(
        ticket=ticket, kind=EventKind.ASSIGNED, actor=actor, field="assigned_agent",
        old=old_agent.name if old_agent else "", new=agent.name, reason=reason,
        data={"agent_id": agent.pk, "load_before": load, "capacity": agent.max_concurrent_tickets},
    )
    if ticket.pipeline_stage == "done":  # during intake the confirmation already names the agent
        queue_customer_email(ticket, Event.TICKET_ASSIGNED, occurrence=f"{agent.pk}:{ticket.last_activity_at.isoformat()}")
    emit(Event.TICKET_ASSIGNED, ticket=ticket, data={"agent": agent.name, "reason": reason}, summary=f"#{ticket.short_id} assigned to {agent.name}")
    return agent


def apply_unassignment(ticket: Ticket, *, actor: Actor, reason: str = "") -> None:
    old_agent = ticket.assigned_agent
    if old_agent is None:
        return
    ticket.assigned_agent = None
    ticket.last_activity_at = timezone.now()
    ticket.save(update_fields=["assigned_agent", "last_activity_at", "updated_at"])
    record_ticket_event(
        ticket=ticket, kind=EventKind.UNASSIGNED, actor=actor, field="assigned_agent", old=old_agent.name, new="", reason=reason
    )


def assign_ticket(*, ticket_id, agent_id: int, actor: Actor, reason: str = "") -> Ticket:
    """Assign one ticket to one agent, refusing when the agent is unavailable or at capacity.

    Lock order is always ticket, then agent (the sweep and the pipeline follow it too)."""
    with transaction.atomic():
        ticket = ticket_for_update(ticket_id)
        if ticket.assigned_agent_id == agent_id:
            return ticket
        apply_assignment(ticket, agent_id=agent_id, actor=actor, reason=reason)
        broadcast_ticket_change(ticket)
    return ticket


def auto_assign_ticket(
    ticket: Ticket, *, department: Department, specialties: tuple[str, ...], seniority: tuple[str, ...], actor: Actor
) -> Agent | None:
    """Give a ticket the caller has locked to the least-loaded free agent of the department, or
    leave it queued with the reason in its history.

    Locks every available agent of the department (in pk order) before counting their load, so
    concurrent assignments into one department serialise and never exceed capacity."""
    locked_ids = list(
        Agent.objects.available().filter(department=department).order_by("pk").select_for_update(of=("self",)).values_list("pk", flat=True)
    )
    loads = Agent.objects.filter(pk__in=locked_ids).with_active_ticket_count().values_list(
        "pk", "seniority", "specialties", "active_ticket_count", "max_concurrent_tickets"
    )
    candidates = [
        AgentLoad(id=pk, seniority=level, specialties=tuple(skills or ()), active=active, capacity=capacity)
        for pk, level, skills, active, capacity in loads
    ]
    chosen, why = choose_agent(candidates, specialties=specialties, seniority=seniority)
    if chosen is None:
        record_ticket_event(
            ticket=ticket, kind=EventKind.PIPELINE, actor=actor, field="assigned_agent",
            reason=f"Not assigned: {why}; waiting in the {department.code} queue.",
        )
        return None
    return apply_assignment(ticket, agent_id=chosen.id, actor=actor, reason=f"Auto-assigned: {why}.")


SENIOR_LEVELS = ("lead", "senior")


def reassign_to_senior(ticket: Ticket, *, actor: Actor, reason: str) -> Agent | None:
    """Give a locked ticket to the least-loaded available senior (or lead) agent of its
    department with room left, unless a senior already has it. None, with the reason in the
    ticket's history, when no senior is free."""
    if ticket.department_id is None:
        return None
    current = ticket.assigned_agent
    if current is not None and current.seniority in SENIOR_LEVELS:
        return current
    locked_ids = list(
        Agent.objects.available().filter(department_id=ticket.department_id, seniority__in=SENIOR_LEVELS)
        .exclude(pk=current.pk if current else None).order_by("pk").select_for_update(of=("self",)).values_list("pk", flat=True)
    )
    loads = Agent.objects.filter(pk__in=locked_ids).with_active_ticket_count().values_list(
        "pk", "seniority", "specialties", "active_ticket_count", "max_concurrent_tickets"
    )
    candidates = [AgentLoad(id=pk, seniority=level, specialties=tuple(skills or ()), active=active, capacity=capacity)
                  for pk, level, skills, active, capacity in loads]
    chosen, why = choose_agent(candidates, seniority=SENIOR_LEVELS)
    if chosen is None:
        record_ticket_event(ticket=ticket, kind=EventKind.ESCALATED, actor=actor, field="assigned_agent",
                            reason=f"No senior agent to reassign to: {why}.")
        return None
    return apply_assignment(ticket, agent_id=chosen.id, actor=actor, reason=f"{reason} Reassigned to a senior agent: {why}.")
