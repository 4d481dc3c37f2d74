"""Recording what a customer thought of how their ticket went."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from notifications.models import Event
from notifications.services import emit
from support_site.api.exceptions import ApplicationError, Conflict
from tickets.events import Actor, record_ticket_event
from tickets.models import ActorType, EventKind, Feedback

from .locks import ticket_for_update

#: A satisfaction of 2 or less out of 5 tells the supervisors at once.
NEGATIVE_AT_MOST = 2


def _tell_supervisors(ticket, satisfaction: int, comment: str) -> None:
    from django.conf import settings

    from agents.notify import email_supervisors

    link = f"{settings.SUPPORT_BASE_URL.rstrip('/')}/admin/tickets/ticket/{ticket.pk}/change/"
    email_supervisors(subject=f"Unhappy customer: {satisfaction}/5 on #{ticket.short_id}",
                      body=f"{ticket.customer.email} rated ticket #{ticket.short_id} {satisfaction}/5.\n\n{comment}\n\n{link}\n")


def record_feedback(
    *, ticket_id, satisfaction: int, nps: int | None = None, comment: str = "", customer_email: str | None = None
) -> Feedback:
    """One answer per ticket; the e-mail, when given, must be the ticket's customer's."""
    with transaction.atomic():
        ticket = ticket_for_update(ticket_id)
        if customer_email and customer_email.strip().lower() != ticket.customer.email:
            raise ApplicationError("This ticket belongs to another customer.", field="customer_email")
        if Feedback.objects.filter(ticket=ticket).exists():
            raise Conflict("Feedback for this ticket was already received.", field="ticket_id")
        try:
            with transaction.atomic():
                feedback = Feedback.objects.create(
                    ticket=ticket, customer=ticket.customer, satisfaction=satisfaction, nps=nps, comment=comment
                )
        except IntegrityError as exc:
            raise Conflict("Feedback for this ticket was already received.", field="ticket_id") from exc
        record_ticket_event(
            ticket=ticket, kind=EventKind.FEEDBACK, actor=Actor(type=ActorType.CUSTOMER, label=ticket.customer.email),
            reason=f"Satisfaction {satisfaction}/5" + (f", NPS {nps}" if nps is not None else ""),
            data={"satisfaction": satisfaction, "nps": nps},
        )
        if satisfaction <= NEGATIVE_AT_MOST:
            emit(Event.FEEDBACK_NEGATIVE, ticket=ticket, data={"satisfaction": satisfaction, "comment": comment[:500]},
                 summary=f"Unhappy customer: {satisfaction}/5 on #{ticket.short_id} {ticket.subject}")
            transaction.on_commit(lambda: _tell_supervisors(ticket, satisfaction, comment))
        emit(Event.FEEDBACK_RECEIVED, ticket=ticket, data={"satisfaction": satisfaction, "nps": nps, "comment": comment[:500]},
             summary=f"Feedback {satisfaction}/5 on #{ticket.short_id}")
    return feedback
