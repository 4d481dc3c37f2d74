"""Queueing customer e-mails (inside the caller's transaction) and delivering them (a task)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import linebreaks, urlize

from tickets.models import Ticket

from .defaults import default_template
from .models import DeliveryStatus, EmailTemplate, Event, Notification

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
FEEDBACK_SALT = "bot-answer-feedback"


def bot_feedback_url(ticket: Ticket, answer: str) -> str:
    token = signing.dumps(str(ticket.ticket_id), salt=FEEDBACK_SALT)
    return settings.SUPPORT_BASE_URL.rstrip("/") + reverse("chatbot:answer-feedback", args=[token, answer])


def _template(event: str, language: str) -> tuple[str, str, str]:
    custom = EmailTemplate.objects.filter(event=event, language=language, is_active=True).first()
    if custom is not None:
        return custom.subject, custom.body_text, custom.body_html
    subject, text = default_template(event, language)
    return subject, text, ""


def render_email(event: str, language: str, context: dict) -> tuple[str, str, str]:
    subject_src, text_src, html_src = _template(event, language)
    ctx = Context(context, autoescape=False)
    subject = " ".join(Template(subject_src).render(ctx).split())
    text = Template(text_src).render(ctx).strip() + "\n"
    inner = Template(html_src).render(Context(context)) if html_src else linebreaks(urlize(text, autoescape=True))
    html = render_to_string("notifications/email.html", {**context, "subject": subject, "body_html": inner, "language": language})
    return subject, text, html


def queue_customer_email(ticket: Ticket, event: str, *, extra: dict | None = None, occurrence: str = "") -> Notification:
    """Write the message to the outbox in the caller's transaction; deliver after commit.
    The same (event, ticket, occurrence) is queued once, however often this runs."""
    customer = ticket.customer
    language = ticket.language or customer.language or "es"
    context = {
        "customer_name": customer.name or customer.email, "subject": ticket.subject or ticket.description[:80],
        "reference": ticket.short_id, "agent": ticket.assigned_agent.name if ticket.assigned_agent_id else "", **(extra or {}),
    }
    key = f"{event}:{ticket.ticket_id}:{customer.email}:{occurrence}"[:200]
    existing = Notification.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return existing
    subject, text, html = render_email(event, language, context)
    notification = Notification.objects.create(ticket=ticket, event=event, recipient=customer.email, dedupe_key=key,
                                               subject=subject, body_text=text, body_html=html)
    transaction.on_commit(lambda: _enqueue(notification.pk))
    return notification


def queue_after_pipeline(ticket: Ticket) -> Notification | None:
    """The bot's answer, or the confirmation that a person will answer."""
    if ticket.status == "chatbot_handled":
        answer = ticket.chatbot_interactions.filter(resolved=True).order_by("-created_at").values_list("answer", flat=True).first()
        return queue_customer_email(ticket, Event.CHATBOT_RESOLVED, extra={
            "answer": answer or "", "yes_url": bot_feedback_url(ticket, "yes"), "no_url": bot_feedback_url(ticket, "no"),
        })
    if ticket.status in ("open", "in_progress"):
        return queue_customer_email(ticket, Event.TICKET_CREATED)
    return None


def _enqueue(pk: int) -> None:
    from .tasks import deliver_notification

    try:
        deliver_notification.delay(pk)
    except Exception as exc:  # the broker is down: the retry sweep sends it later
        logger.warning("could not queue notification %s: %s", pk, exc)


def deliver(pk: int) -> str:
    """Send one queued message. Safe to run twice: a sent message is not sent again."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=pk)
        if notification.status != DeliveryStatus.PENDING:
            return notification.status
        message = EmailMultiAlternatives(notification.subject, notification.body_text, to=[notification.recipient])
        if notification.body_html:
            message.attach_alternative(notification.body_html, "text/html")
        notification.attempts += 1
        try:
            message.send()
        except Exception as exc:
            notification.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = DeliveryStatus.FAILED
            notification.save(update_fields=["attempts", "last_error", "status"])
            return notification.status
        notification.status, notification.sent_at, notification.last_error = DeliveryStatus.SENT, timezone.now(), ""
        notification.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return DeliveryStatus.SENT


def resend(pks) -> int:
    """Failed messages go back to the queue (admin action)."""
    count = Notification.objects.filter(pk__in=pks, status=DeliveryStatus.FAILED).update(status=DeliveryStatus.PENDING, attempts=0)
    for pk in pks:
        transaction.on_commit(lambda pk=pk: _enqueue(pk))
    return count


def retry_pending(*, older_than_minutes: int = 10, limit: int = 500) -> int:
    """The beat sweep: pending messages whose task was lost or is backing off get another go."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    pks = list(Notification.objects.filter(status=DeliveryStatus.PENDING, created_at__lt=cutoff).values_list("pk", flat=True)[:limit])
    for pk in pks:
        deliver(pk)
    return len(pks)
