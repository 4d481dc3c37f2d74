"""What the desk tells people: e-mail templates, and an outbox that is also the delivery log."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.models import Language


class Event(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Ticket received (waiting for a person)")
    CHATBOT_RESOLVED = "chatbot.resolved", _("Answered by the bot")
    TICKET_RESOLVED = "ticket.resolved", _("Ticket resolved")


class EmailTemplate(models.Model):
    """A supervisor's wording for one event in one language; without one, the built-in text is used.
    Subject and bodies are Django templates with the variables listed in docs/notifications.md."""

    event = models.CharField(_("event"), max_length=30, choices=Event.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body_text = models.TextField(_("plain-text body"))
    body_html = models.TextField(_("HTML body"), blank=True, help_text=_("Empty: the plain text, in the standard layout."))
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["event", "language"]
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        constraints = [models.UniqueConstraint(fields=["event", "language"], name="emailtemplate_event_language")]

    def __str__(self) -> str:
        return f"{self.get_event_display()} [{self.language}]"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One message to one recipient, written in the same transaction as the change it reports
    (an outbox): a crash after the commit loses nothing, and ``dedupe_key`` keeps a retried
    step from sending it twice."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications",
                               verbose_name=_("ticket"))
    event = models.CharField(_("event"), max_length=30, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=20, default="email")
    recipient = models.CharField(_("recipient"), max_length=254)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("plain-text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["status", "created_at"], name="notification_status_created")]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient}"
