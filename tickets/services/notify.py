"""Side effects that leave the process run only after the transaction commits."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from tickets.models import Ticket

logger = logging.getLogger(__name__)

TICKET_UPDATES_GROUP = "ticket_updates"


def broadcast_ticket_change(ticket: Ticket, *, change: str = "updated") -> None:
    """Tell connected consoles and dashboards (websocket group ``ticket_updates``) once the change
    is committed. ``change`` is ``created`` or ``updated``."""
    payload = {
        "type": "ticket.update",
        "change": change,
        "ticket_id": str(ticket.ticket_id),
        "status": ticket.status,
        "priority": ticket.priority,
        "department_id": ticket.department_id,
        "assigned_agent_id": ticket.assigned_agent_id,
    }

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(TICKET_UPDATES_GROUP, payload)
        except Exception:  # a console push must never fail a committed change
            logger.warning("ticket update broadcast failed for %s", payload["ticket_id"], exc_info=True)

    transaction.on_commit(send)
