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


def default_time_zone() -> str:
    from django.conf import settings

    return settings.TIME_ZONE


class ReportSettings(models.Model):
    """Who gets the scheduled reports, in which language and time zone (one row, pk=1)."""

    time_zone = models.CharField(
        _("supervisors' time zone"), max_length=64, default=default_time_zone,
        help_text=_("Reports are sent at 09:00 here, and the dashboard draws its days and hours here. E.g. Europe/Madrid."),
    )
    language = models.CharField(_("report language"), max_length=2, choices=settings.LANGUAGES, default="en")
    weekly_enabled = models.BooleanField(_("send the weekly report"), default=True, help_text=_("Mondays at 09:00, the week before."))
    monthly_enabled = models.BooleanField(
        _("send the monthly executive report"), default=True, help_text=_("On the 1st at 09:00, the month before.")
    )
    extra_recipients = models.TextField(
        _("other recipients"), blank=True, help_text=_("E-mail addresses besides the supervisors, one per line or separated by commas.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("report settings")
        verbose_name_plural = _("report settings")

    def __str__(self) -> str:
        return str(_("Report settings"))

    def clean(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"time_zone": _("Unknown time zone %(zone)s; use a name like Europe/Madrid or America/Mexico_City.")
                                   % {"zone": self.time_zone}}) from None
        for address in self.recipient_list():
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError({"extra_recipients": _("%(address)s is not an e-mail address.") % {"address": address}}) from None

    def recipient_list(self) -> list[str]:
        return [part.strip() for part in self.extra_recipients.replace(",", "\n").splitlines() if part.strip()]

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> ReportSettings:
        return cls.objects.filter(pk=1).first() or cls()

    @property
    def tz(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.time_zone)


class ReportKind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly report")
    MONTHLY = "monthly", _("Monthly executive report")


class Report(models.Model):
    """One period's report, computed once and kept: the e-mail, Slack post and PDF are drawn from it.

    At most one per kind and period, so the beat job that makes it may run any number of times."""

    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    period_start = models.DateTimeField(_("from"))
    period_end = models.DateTimeField(_("until"))
    time_zone = models.CharField(_("time zone"), max_length=64)
    data = models.JSONField(_("figures"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "kind"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [models.UniqueConstraint(fields=["kind", "period_start"], name="one_report_per_kind_and_period")]
        permissions = [("view_dashboard", _("Can view the support dashboard and analytics pages"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start:%Y-%m-%d}"


def _count(label):
    return models.PositiveIntegerField(label, default=0)


class DailyRollup(models.Model):
    """One closed local day's additive counts for one combination of department, category, source
    and priority (written only by ``analytics.rollups``; see its docstring)."""

    day = models.DateField(_("day"))
    department_id = models.PositiveIntegerField(_("department id"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=12, blank=True)
    source = models.CharField(_("source"), max_length=10, blank=True)
    priority = models.CharField(_("priority"), max_length=10, blank=True)
    created = _count(_("tickets created"))
    bot_answered = _count(_("answered by the bot"))
    bot_attempted = _count(_("bot attempts"))
    deflected = _count(_("deflected"))
    failed = _count(_("failed"))
    pending = _count(_("pending"))
    confidence_sum = models.FloatField(_("sum of bot confidence"), default=0)
    confidence_count = _count(_("bot confidences"))
    resolved = _count(_("resolved by a person"))
    first_contact = _count(_("resolved at first contact"))
    sla_met = _count(_("SLA met"))
    sla_missed = _count(_("SLA missed"))
    fr_sla_total = _count(_("first responses with an SLA"))
    fr_sla_met = _count(_("first responses within the SLA"))
    responses = _count(_("feedback answers"))
    satisfaction_sum = _count(_("sum of satisfaction"))
    satisfied = _count(_("satisfied (4–5)"))
    s1 = _count("1")
    s2 = _count("2")
    s3 = _count("3")
    s4 = _count("4")
    s5 = _count("5")
    promoters = _count(_("promoters"))
    passives = _count(_("passives"))
    detractors = _count(_("detractors"))

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        indexes = [models.Index(fields=["day"], name="rollup_day")]


class AgentDailyRollup(models.Model):
    """One closed local day's figures for one agent (written only by ``analytics.rollups``)."""

    day = models.DateField(_("day"))
    agent_id = models.PositiveIntegerField(_("agent id"))
    resolved = _count(_("resolved"))
    resolution_seconds = models.FloatField(_("total time to resolution (s)"), default=0)
    csat_sum = _count(_("sum of satisfaction"))
    csat_count = _count(_("feedback answers"))

    class Meta:
        verbose_name = _("daily agent rollup")
        verbose_name_plural = _("daily agent rollups")
        indexes = [models.Index(fields=["day"], name="agent_rollup_day")]


class RollupDay(models.Model):
    """A day whose rollup is stored, and the time zone its midnight-to-midnight was taken in."""

    day = models.DateField(_("day"), unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("rolled-up day")
        verbose_name_plural = _("rolled-up days")
