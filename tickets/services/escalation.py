"""Escalating a ticket by hand (the automatic sweep reuses ``apply_escalation``)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Event
from notifications.services import emit
from sla.services import apply_sla
from support_site.api.exceptions import InvalidTransition
from tickets.events import Actor, record_ticket_event
from tickets.models import PRIORITY_ORDER, EventKind, Ticket
from tickets.transitions import ACTIVE

from .locks import ticket_for_update
from .notify import broadcast_ticket_change


def next_priority(level: str) -> str:
    index = PRIORITY_ORDER.index(level)
    return PRIORITY_ORDER[min(index + 1, len(PRIORITY_ORDER) - 1)]


def apply_escalation(ticket: Ticket, *, actor: Actor, reason: str) -> None:
    """Raise priority one level (critical stays critical) and the escalation level by one."""
    if ticket.status not in ACTIVE and ticket.status != "received":
        raise InvalidTransition(
            _("Only open work can be escalated; this ticket is '%(status)s'.") % {"status": ticket.status}, field="status"
        )
    old_priority, old_level = ticket.priority, ticket.escalation_level
    ticket.priority = next_priority(old_priority)
    ticket.escalation_level = old_level + 1
    ticket.last_activity_at = timezone.now()
    ticket.save(update_fields=["priority", "escalation_level", "last_activity_at", "updated_at"])
    record_ticket_event(
        ticket=ticket,
        kind=EventKind.ESCALATED,
        actor=actor,
        field="priority",
        old=old_priority,
        new=ticket.priority,
        reason=reason,
        data={"escalation_level": [old_level, ticket.escalation_level]},
    )
    if ticket.priority != old_priority:
        apply_sla(ticket, actor=actor)
    emit(Event.TICKET_ESCALATED, ticket=ticket, data={"reason": reason, "from": old_priority, "to": ticket.priority},
         summary=f"Escalated #{ticket.short_id} ({old_priority} → {ticket.priority}): {reason}")


def escalate_ticket(*, ticket_id, actor: Actor, reason: str) -> Ticket:
    with transaction.atomic():
        ticket = ticket_for_update(ticket_id)
        apply_escalation(ticket, actor=actor, reason=reason)
        broadcast_ticket_change(ticket)
    return ticket
