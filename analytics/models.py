"""Monitoring: the metrics taken every 15 minutes, and the alerts they raise."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MetricSnapshot(models.Model):
    """The spec's monitoring metrics at one moment."""

    taken_at = models.DateTimeField(_("taken at"), db_index=True)
    unassigned_critical = models.PositiveIntegerField(_("unassigned critical tickets"))
    critical_open_over_limit = models.PositiveIntegerField(_("critical tickets open too long"))
    sla_breaches_critical = models.PositiveIntegerField(_("critical SLA breaches"))
    tickets_last_24h = models.PositiveIntegerField(_("tickets in the last 24 h"))
    chatbot_resolution_rate = models.FloatField(_("bot resolution rate"), null=True, blank=True)
    avg_first_response_minutes = models.FloatField(_("mean first response (minutes)"), null=True, blank=True)
    agent_utilisation = models.JSONField(_("agent utilisation"), default=dict, blank=True)

    class Meta:
        ordering = ["-taken_at"]
        get_latest_by = "taken_at"
        verbose_name = _("metric snapshot")
        verbose_name_plural = _("metric snapshots")

    def __str__(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M}"


class AlertSeverity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    WARNING = "warning", _("Warning")


class Alert(models.Model):
    """One condition that needs a person. Raised once while it lasts (one open alert per key),
    acknowledged and resolved in the admin, or resolved by the monitor when it clears."""

    key = models.CharField(_("key"), max_length=120)
    kind = models.CharField(_("kind"), max_length=40)
    severity = models.CharField(_("severity"), max_length=10, choices=AlertSeverity.choices)
    message = models.CharField(_("message"), max_length=500)
    raised_at = models.DateTimeField(_("raised"))
    last_seen_at = models.DateTimeField(_("last seen"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("acknowledged by")
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.CharField(_("resolved by"), max_length=150, blank=True)
    notified = models.PositiveSmallIntegerField(_("messages sent"), default=0)

    class Meta:
        ordering = ["resolved_at", "-raised_at"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [models.UniqueConstraint(fields=["key"], condition=Q(resolved_at__isnull=True), name="one_open_alert_per_key")]

    def __str__(self) -> str:
        return self.message
