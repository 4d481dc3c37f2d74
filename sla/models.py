"""Service levels: business calendars, SLA policies, and each ticket's SLA clock."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tickets.models import Category, CustomerTier, Priority

from .engine.clock import Calendar, CalendarError, calendar_from_config
from .engine.state import AT_RISK, BREACHED, MET, MISSED, ON_TRACK


class BusinessCalendar(models.Model):
    """Working hours per weekday in a time zone, and holidays; or open 24×7."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Madrid", help_text=_("An IANA name, e.g. Europe/Madrid."))
    always_open = models.BooleanField(_("open 24×7"), default=False)
    hours = models.JSONField(
        _("working hours"), default=dict, blank=True,
        help_text=_('Per weekday, a list of intervals: {"mon": [["09:00", "14:00"], ["15:00", "18:00"]], "tue": …}.'),
    )
    holidays = models.JSONField(_("holidays"), default=list, blank=True, help_text=_('Dates with no working time: ["2026-12-25", …].'))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def as_calendar(self) -> Calendar:
        return calendar_from_config(time_zone=self.time_zone, hours=self.hours, holidays=self.holidays, always_open=self.always_open)

    def clean(self) -> None:
        try:
            self.as_calendar()
        except CalendarError as exc:
            raise ValidationError({"hours": str(exc)}) from exc


class SLAPolicy(models.Model):
    """Targets for the tickets it matches; the most specific matching active policy applies."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    customer_tier = models.CharField(_("customer tier"), max_length=12, choices=CustomerTier.choices, blank=True, help_text=_("Empty: any tier."))
    category = models.CharField(_("category"), max_length=12, choices=Category.choices, blank=True, help_text=_("Empty: any category."))
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True, help_text=_("Empty: any priority."))
    first_response_minutes = models.PositiveIntegerField(_("first response within (minutes)"), validators=[MinValueValidator(1)])
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"), validators=[MinValueValidator(1)])
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, null=True, blank=True, related_name="policies", verbose_name=_("business calendar"),
        help_text=_("Empty: the clock runs 24×7."),
    )
    pause_when_pending = models.BooleanField(_("pause while waiting on the customer"), default=True)
    at_risk_share = models.FloatField(
        _("at risk after"), default=0.75, validators=[MinValueValidator(0.1), MaxValueValidator(0.99)],
        help_text=_("Share of a target's time after which the ticket shows as at risk (0.75 = 75 %)."),
    )
    order = models.PositiveIntegerField(_("order"), default=100, help_text=_("Breaks ties between equally specific policies; lower wins."))
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(resolution_minutes__gte=F("first_response_minutes")), name="slapolicy_resolution_after_first_response",
                violation_error_message=_("The resolution target cannot be shorter than the first-response target."),
            ),
            models.CheckConstraint(condition=Q(at_risk_share__gt=0) & Q(at_risk_share__lt=1), name="slapolicy_at_risk_share_0_1"),
        ]

    def __str__(self) -> str:
        return self.name


class SLAState(models.TextChoices):
    ON_TRACK = ON_TRACK, _("On track")
    AT_RISK = AT_RISK, _("At risk")
    BREACHED = BREACHED, _("Breached")
    MET = MET, _("Met")
    MISSED = MISSED, _("Missed")


class TicketSLA(models.Model):
    """One ticket's SLA clock: the policy's targets as instants, pauses, and the current state.

    ``next_change_at`` is when the state will next change by time alone; the beat sweep reads
    only rows whose moment has come (an indexed range), so its cost follows the tickets that
    change state, not the size of the table."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="sla", verbose_name=_("ticket"))
    policy = models.ForeignKey(SLAPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("policy"))
    policy_name = models.CharField(_("policy name"), max_length=100)
    first_response_minutes = models.PositiveIntegerField(_("first response within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))
    started_at = models.DateTimeField(_("clock started"))
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_response_at_risk_at = models.DateTimeField(_("first response at risk from"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolution_at_risk_at = models.DateTimeField(_("resolution at risk from"), null=True, blank=True)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused (business seconds)"), default=0)
    state = models.CharField(_("SLA state"), max_length=10, choices=SLAState.choices, default=SLAState.ON_TRACK)
    state_changed_at = models.DateTimeField(_("state changed"), null=True, blank=True)
    next_change_at = models.DateTimeField(_("next state change"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("ticket SLA")
        verbose_name_plural = _("ticket SLAs")
        indexes = [
            models.Index(fields=["next_change_at"], name="ticketsla_next_change", condition=Q(next_change_at__isnull=False)),
            models.Index(fields=["state", "resolution_due_at"], name="ticketsla_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.get_state_display()}"


class EscalationKind(models.TextChoices):
    NO_FIRST_RESPONSE = "no_first_response", _("No first response after")
    OPEN_TOO_LONG = "open_too_long", _("Unresolved after")
    NO_UPDATE = "no_update", _("In progress with no update for")
    VIP_UNRESOLVED = "vip_unresolved", _("VIP ticket unresolved after")
    SLA_AT_RISK = "sla_at_risk", _("SLA at risk")
    SLA_BREACHED = "sla_breached", _("SLA breached")


class EscalationRule(models.Model):
    """When a stale ticket is escalated, and what escalation does. Checked by beat every 10 minutes."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("when"), max_length=20, choices=EscalationKind.choices)
    minutes = models.PositiveIntegerField(_("minutes"), default=0, help_text=_("The time limit, for the kinds that have one."))
    priorities = models.JSONField(_("priorities"), default=list, blank=True, help_text=_("Only tickets of these priorities; empty: any."))
    raise_priority = models.BooleanField(_("raise priority one level"), default=True)
    reassign_to_senior = models.BooleanField(_("reassign to an available senior agent"), default=False)
    notify_supervisors = models.BooleanField(_("notify supervisors"), default=True)
    cooldown_minutes = models.PositiveIntegerField(
        _("cooldown (minutes)"), default=240, validators=[MinValueValidator(1)],
        help_text=_("A ticket is not escalated again by this rule within this time."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = [p for p in self.priorities or [] if p not in Priority.values]
        if unknown or not isinstance(self.priorities, list):
            raise ValidationError({"priorities": _("Use a list of: %(known)s.") % {"known": ", ".join(Priority.values)}})
        timed = (EscalationKind.NO_FIRST_RESPONSE, EscalationKind.OPEN_TOO_LONG, EscalationKind.NO_UPDATE, EscalationKind.VIP_UNRESOLVED)
        if self.kind in timed and not self.minutes:
            raise ValidationError({"minutes": _("This kind of rule needs a time limit.")})
        if not (self.raise_priority or self.reassign_to_senior or self.notify_supervisors):
            raise ValidationError(_("Choose at least one action."))


class EscalationRecord(models.Model):
    """A rule escalated a ticket: the cooldown's memory and the audit trail."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="escalation_records", verbose_name=_("ticket"))
    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="records", verbose_name=_("rule"))
    reason = models.CharField(_("reason"), max_length=300)
    actions = models.JSONField(_("actions"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        indexes = [models.Index(fields=["rule", "ticket", "created_at"], name="escalationrecord_cooldown")]

    def __str__(self) -> str:
        return f"{self.rule} → {self.ticket_id}"
