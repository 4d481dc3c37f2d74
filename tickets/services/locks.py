"""Named row locks, so every caller locks the same rows in the same order."""

from __future__ import annotations

from support_site.api.exceptions import NotFound
from tickets.models import Ticket


def ticket_for_update(ticket_id) -> Ticket:
    """Lock one ticket row (PostgreSQL ``SELECT … FOR UPDATE``; SQLite's IMMEDIATE transaction
    already holds the database write lock). Accepts the public UUID or the primary key."""
    queryset = Ticket.objects.select_for_update(of=("self",)).select_related("customer")
    lookup = {"pk": ticket_id} if isinstance(ticket_id, int) else {"ticket_id": ticket_id}
    try:
        return queryset.get(**lookup)
    except (Ticket.DoesNotExist, ValueError) as exc:
        raise NotFound(f"Ticket {ticket_id} does not exist.", field="ticket_id") from exc
