"""Departments and the agents who work their queues."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Stable identifier used by rules and the API, e.g. 'billing'."))
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(_("team e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Seniority(models.TextChoices):
    JUNIOR = "junior", _("Junior")
    SENIOR = "senior", _("Senior")
    LEAD = "lead", _("Lead")


# Statuses in which a ticket occupies an agent; kept here so the count and the index agree.
ACTIVE_TICKET_STATUSES = ("open", "in_progress", "pending")


class AgentQuerySet(models.QuerySet):
    def with_active_ticket_count(self) -> AgentQuerySet:
        """Annotate ``active_ticket_count``; served by the (assigned_agent, status) index on tickets."""
        return self.annotate(
            active_ticket_count=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=ACTIVE_TICKET_STATUSES))
        )

    def available(self) -> AgentQuerySet:
        return self.filter(is_available=True, user__is_active=True)


class Agent(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agent", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail"), unique=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="agents", verbose_name=_("department"))
    specialties = models.JSONField(_("specialties"), default=list, blank=True, help_text=_("List of skills, e.g. [\"billing\", \"api\"]."))
    seniority = models.CharField(_("seniority"), max_length=10, choices=Seniority.choices, default=Seniority.JUNIOR)
    max_concurrent_tickets = models.PositiveSmallIntegerField(_("max concurrent tickets"), default=5)
    is_available = models.BooleanField(_("available"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = AgentQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        indexes = [models.Index(fields=["department", "is_available"], name="agent_dept_available")]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_concurrent_tickets__gte=1) & Q(max_concurrent_tickets__lte=200),
                name="agent_capacity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.department.code})"

    def active_ticket_count(self) -> int:
        return self.assigned_tickets.filter(status__in=ACTIVE_TICKET_STATUSES).count()

    def has_specialties(self, required: list[str]) -> bool:
        own = {s.lower() for s in self.specialties or []}
        return all(r.lower() in own for r in required)
