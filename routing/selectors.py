"""Reads for routing: the rule set as plain data for the engine."""

from __future__ import annotations

from routing.engine.rules import RuleSpec
from routing.models import RoutingRule


def rule_spec(rule: RoutingRule) -> RuleSpec:
    return RuleSpec(
        id=rule.pk, name=rule.name, order=rule.order, conditions=rule.conditions, department=rule.target_department.code,
        specialties=tuple(rule.target_specialties or ()), auto_assign=rule.auto_assign,
    )


def active_rule_specs() -> list[RuleSpec]:
    return [rule_spec(rule) for rule in RoutingRule.objects.filter(is_active=True).select_related("target_department")]
