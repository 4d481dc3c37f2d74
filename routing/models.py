"""Routing rules: which department (and whether an agent) a ticket goes to."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from routing.engine.conditions import ConditionError, validate_conditions
from routing.engine.priority import DEFAULT_CONFIG, PriorityConfig, config_from_dict


logger = logging.getLogger(__name__)

class RoutingRule(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=100, help_text=_("Rules are tried in ascending order; the first match wins."))
    conditions = models.JSONField(
        _("conditions"),
        default=dict,
        help_text=_(
            'A condition or an {"all": [...]} / {"any": [...]} group of them; a condition is '
            '{"field": "category", "op": "equals", "value": "billing"}.'
        ),
    )
    target_department = models.ForeignKey(
        "agents.Department", on_delete=models.PROTECT, related_name="routing_rules", verbose_name=_("target department")
    )
    target_specialties = models.JSONField(_("required specialties"), default=list, blank=True)
    auto_assign = models.BooleanField(_("assign automatically"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        indexes = [models.Index(fields=["is_active", "order"], name="routingrule_active_order")]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    def clean(self) -> None:
        try:
            validate_conditions(self.conditions)
        except ConditionError as exc:
            raise ValidationError({"conditions": str(exc)}) from exc
        if not isinstance(self.target_specialties, list) or not all(isinstance(s, str) for s in self.target_specialties):
            raise ValidationError({"target_specialties": _("Give a list of specialty names.")})


class PrioritySettings(models.Model):
    """Supervisor-edited overrides of the priority weights and vocabularies (one row).

    Only what differs from the defaults is stored; the engine fills in the rest."""

    overrides = models.JSONField(
        _("overrides"),
        default=dict,
        blank=True,
        help_text=_('Only the settings to change, e.g. {"base": 20, "source_points": {"phone": 8, "chat": 2}}.'),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("priority settings")
        verbose_name_plural = _("priority settings")

    def __str__(self) -> str:
        return str(_("Priority settings"))

    def clean(self) -> None:
        try:
            config_from_dict(self.overrides)
        except ValueError as exc:
            raise ValidationError({"overrides": str(exc)}) from exc

    @classmethod
    def current_config(cls) -> PriorityConfig:
        """The effective settings. Overrides that no longer validate (say, a setting renamed in a
        release) must not stop intake: they are ignored, loudly, until a supervisor fixes them."""
        row = cls.objects.filter(pk=1).only("overrides").first()
        try:
            return config_from_dict(row.overrides if row else None)
        except ValueError:
            logger.error("priority settings overrides are invalid; using the defaults until they are fixed", exc_info=True)
            return DEFAULT_CONFIG
