from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agents.models import Agent, Department
from tickets.models import Category, Priority, Source

from ..engine.stats import PERIODS


class DashboardQuery(serializers.Serializer):
    period = serializers.ChoiceField(choices=list(PERIODS), default="24h")
    department = serializers.SlugField(required=False)
    agent = serializers.IntegerField(required=False, min_value=1)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)

    def validate_department(self, value: str) -> str:
        if not Department.objects.filter(code=value).exists():
            raise serializers.ValidationError(_("No department has the code %(code)s.") % {"code": value})
        return value

    def validate_agent(self, value: int) -> int:
        if not Agent.objects.filter(pk=value).exists():
            raise serializers.ValidationError(_("No agent has the id %(id)s.") % {"id": value})
        return value


class DashboardOut(serializers.Serializer):
    """The dashboard's figures; every block is documented in docs/analytics.md."""

    period = serializers.DictField()
    filters = serializers.DictField()
    generated_at = serializers.DateTimeField()
    volume = serializers.DictField()
    backlog = serializers.DictField()
    chatbot = serializers.DictField()
    first_response = serializers.DictField()
    resolution = serializers.DictField()
    first_contact_resolution = serializers.DictField()
    sla = serializers.DictField()
    csat = serializers.DictField()
    nps = serializers.DictField()
    agents = serializers.DictField()
    top_categories = serializers.ListField(child=serializers.DictField())
    recent_feedback = serializers.ListField(child=serializers.DictField())
