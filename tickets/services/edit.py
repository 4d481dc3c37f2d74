"""Edits made on the ticket page in the admin, each recorded as history."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from agents.models import Agent, Department
from agents.services import apply_assignment, apply_unassignment
from notifications.models import Event
from notifications.services import emit
from sla.services import apply_sla
from tickets.events import Actor, record_ticket_event
from tickets.models import EventKind, Ticket

from .locks import ticket_for_update
from .notify import broadcast_ticket_change
from .status import apply_status

PLAIN_FIELDS = ("subject", "category", "tags", "language")


def update_ticket(*, ticket_id, actor: Actor, changes: dict[str, Any], reason: str = "") -> Ticket:
    """Apply ``changes`` (status, priority, department, assigned_agent, subject, category, tags,
    language) in one transaction; each changed field gets its own history line."""
    with transaction.atomic():
        ticket = ticket_for_update(ticket_id)
        priority_before, category_before = ticket.priority, ticket.category
        if "status" in changes and changes["status"] != ticket.status:
            apply_status(ticket, new_status=changes["status"], actor=actor, reason=reason)

        if "priority" in changes and changes["priority"] != ticket.priority:
            old = ticket.priority
            ticket.priority = changes["priority"]
            ticket.save(update_fields=["priority", "updated_at"])
            record_ticket_event(
                ticket=ticket, kind=EventKind.PRIORITY_CHANGED, actor=actor, field="priority", old=old, new=ticket.priority,
                reason=reason or "Set by hand.",
            )

        if "department" in changes:
            department: Department | None = changes["department"]
            if (department.pk if department else None) != ticket.department_id:
                old = ticket.department
                ticket.department = department
                ticket.save(update_fields=["department", "updated_at"])
                record_ticket_event(
                    ticket=ticket, kind=EventKind.ROUTED, actor=actor, field="department",
                    old=old.code if old else "", new=department.code if department else "", reason=reason or "Moved by hand.",
                )

        if "assigned_agent" in changes:
            agent: Agent | None = changes["assigned_agent"]
            if (agent.pk if agent else None) != ticket.assigned_agent_id:
                if agent is None:
                    apply_unassignment(ticket, actor=actor, reason=reason)
                else:
                    apply_assignment(ticket, agent_id=agent.pk, actor=actor, reason=reason or "Assigned by hand.")

        changed = [name for name in PLAIN_FIELDS if name in changes and changes[name] != getattr(ticket, name)]
        for name in changed:
            old = getattr(ticket, name)
            setattr(ticket, name, changes[name])
            record_ticket_event(ticket=ticket, kind=EventKind.FIELD_CHANGED, actor=actor, field=name, old=old, new=changes[name], reason=reason)
        if changed:
            ticket.last_activity_at = timezone.now()
            ticket.save(update_fields=[*changed, "last_activity_at", "updated_at"])
        if priority_before != ticket.priority or category_before != ticket.category:
            apply_sla(ticket, actor=actor)  # a different priority or category may mean another policy
        fields = sorted({name for name in changes if name in PLAIN_FIELDS or name in ("status", "priority", "department", "assigned_agent")})
        if fields:
            emit(Event.TICKET_UPDATED, ticket=ticket, data={"fields": fields, "reason": reason},
                 occurrence=timezone.now().isoformat(), summary=f"#{ticket.short_id} updated: {', '.join(fields)}")
        broadcast_ticket_change(ticket)
    return ticket
