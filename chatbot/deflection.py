"""Whether a bot answer really deflected the ticket.

An answer is *pending* when given; it becomes *failed* when the customer says it did not solve
the problem, reopens the ticket, or comes back on the same article within the window; and
*deflected* when the window passes without any of that (``settle_deflections``, run by beat).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .models import ChatbotInteraction, ChatbotSettings, Deflection


def fail_deflection(*, ticket_id: int, reason: str) -> int:
    """Mark the ticket's pending bot answers as failed deflections; returns how many."""
    return ChatbotInteraction.objects.filter(ticket_id=ticket_id, resolved=True, deflection=Deflection.PENDING).update(
        deflection=Deflection.FAILED, deflection_reason=reason[:300], deflection_settled_at=timezone.now()
    )


def pending_answer_for_repeat(*, customer_id: int, exclude_ticket_id: int, article_id: str) -> ChatbotInteraction | None:
    """A pending answer with the same article given to the same customer within the window."""
    window = timedelta(hours=ChatbotSettings.current().deflection_window_hours)
    return (
        ChatbotInteraction.objects.filter(
            ticket__customer_id=customer_id,
            resolved=True,
            deflection=Deflection.PENDING,
            article__article_id=article_id,
            created_at__gte=timezone.now() - window,
        )
        .exclude(ticket_id=exclude_ticket_id)
        .select_related("ticket")
        .order_by("-created_at")
        .first()
    )


def settle_deflections(*, now=None) -> int:
    """Pending answers older than the window, with no complaint, count as deflected."""
    now = now or timezone.now()
    hours = ChatbotSettings.current().deflection_window_hours
    return ChatbotInteraction.objects.filter(deflection=Deflection.PENDING, created_at__lt=now - timedelta(hours=hours)).update(
        deflection=Deflection.DEFLECTED,
        deflection_settled_at=now,
        deflection_reason=f"The customer did not come back within {hours} h.",
    )
