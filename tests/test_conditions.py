"""Routing conditions: pure engine, no database."""

import json
from pathlib import Path

import pytest

from routing.engine.conditions import ConditionError, evaluate, validate_conditions

FACTS = {
    "category": "billing",
    "source": "phone",
    "priority": "high",
    "priority_score": 62.5,
    "subject": "Cobro duplicado",
    "description": "Me cobraron dos veces y la cuenta está bloqueada",
    "tags": ["factura", "VIP"],
    "customer": {"tier": "vip", "email": "vip@example.com"},
    "metadata": {"plan": "pro", "seats": 12},
}


@pytest.mark.parametrize(
    ("condition", "expected", "_case"),
    [
        ({"field": "category", "op": "equals", "value": "BILLING"}, True, "equals folds case"),
        ({"field": "category", "op": "not_equals", "value": "billing"}, False, "not_equals"),
        ({"field": "source", "op": "in", "value": ["phone", "chat"]}, True, "in"),
        ({"field": "source", "op": "not_in", "value": ["phone"]}, False, "not_in"),
        ({"field": "description", "op": "contains_any", "value": ["bloque", "hack"]}, True, "word start matches inflection"),
        ({"field": "description", "op": "contains_any", "value": ["loque"]}, False, "not in the middle of a word"),
        ({"field": "text", "op": "contains_all", "value": ["cobro", "esta bloqueada"]}, True, "accents folded, subject+description"),
        ({"field": "text", "op": "contains_all", "value": ["cobro", "reembolso"]}, False, "contains_all needs every word"),
        ({"field": "tags", "op": "contains_any", "value": ["vip"]}, True, "list membership, folded"),
        ({"field": "tags", "op": "contains_all", "value": ["vip", "urgente"]}, False, "list membership, all"),
        ({"field": "description", "op": "regex", "value": r"\bcobr\w+"}, True, "regex"),
        ({"field": "priority_score", "op": "gt", "value": 62}, True, "gt"),
        ({"field": "priority_score", "op": "gte", "value": 62.5}, True, "gte"),
        ({"field": "priority_score", "op": "lt", "value": 62.5}, False, "lt"),
        ({"field": "metadata.seats", "op": "lte", "value": "12"}, True, "lte with a numeric string"),
        ({"field": "metadata.plan", "op": "exists", "value": True}, True, "exists"),
        ({"field": "metadata.browser", "op": "exists", "value": False}, True, "missing field, exists false"),
        ({"field": "metadata.browser", "op": "equals", "value": "x"}, False, "missing field fails equals"),
        ({"field": "metadata.browser", "op": "not_equals", "value": "x"}, True, "missing field satisfies not_equals"),
        ({"field": "category", "op": "gt", "value": 3}, False, "gt on text is false, not an error"),
        ({"field": "customer.tier", "op": "equals", "value": "vip"}, True, "dotted path"),
    ],
)
def test_operators(condition, expected, _case):
    validate_conditions(condition)
    assert evaluate(condition, FACTS).matched is expected


def test_groups_nest_and_keep_a_trace():
    conditions = {
        "all": [
            {"field": "customer.tier", "op": "in", "value": ["vip", "enterprise"]},
            {"any": [{"field": "category", "op": "equals", "value": "security"}, {"field": "source", "op": "equals", "value": "phone"}]},
        ]
    }
    validate_conditions(conditions)
    result = evaluate(conditions, FACTS)
    assert result.matched is True
    assert result.trace == (
        "customer.tier in ['vip', 'enterprise']: yes",
        "category equals 'security': no",
        "source equals 'phone': yes",
    )
    assert evaluate({"any": [{"field": "source", "op": "equals", "value": "web"}]}, FACTS).matched is False


def test_empty_object_matches_everything():
    assert evaluate({}, FACTS).matched is True


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ([], "expected an object"),
        ({"all": []}, "non-empty list"),
        ({"all": [{}], "any": [{}]}, "exactly one key"),
        ({"field": "colour", "op": "equals", "value": "red"}, "conditions.field"),
        ({"field": "category", "op": "like", "value": "x"}, "conditions.op"),
        ({"field": "category", "op": "equals"}, "value: missing"),
        ({"field": "category", "op": "in", "value": "billing"}, "needs a non-empty list"),
        ({"field": "text", "op": "regex", "value": "(unclosed"}, "valid regular expression"),
        ({"field": "priority_score", "op": "gt", "value": "high"}, "needs a number"),
        ({"any": [{"field": "source", "op": "exists", "value": "yes"}]}, "conditions.any[0].value"),
        ({"field": "category", "op": "equals", "value": "x", "weight": 3}, "unknown keys"),
    ],
)
def test_validation_names_the_problem(conditions, message):
    with pytest.raises(ConditionError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        validate_conditions(conditions)


DEMO_RULES = sorted(
    json.loads((Path(__file__).resolve().parent.parent / "tickets" / "demo" / "desk.json").read_text())["routing_rules"],
    key=lambda rule: rule["order"],
)


def first_matching_rule(subject: str, description: str, *, tier: str = "standard", category: str = "") -> str | None:
    facts = {"subject": subject, "description": description, "category": category, "customer": {"tier": tier}}
    return next((rule["name"] for rule in DEMO_RULES if evaluate(rule["conditions"], facts).matched), None)


@pytest.mark.parametrize(
    ("subject", "description", "expected"),
    [
        ("", "Alguien accedió a mi cuenta sin permiso desde otro país", "Security incidents"),
        ("Suspicious login", "I got an alert about a suspicious sign-in from an unknown device", "Security incidents"),
        ("Phishing", "Recibí un correo de phishing que usa vuestro logo", "Security incidents"),
        ("", "Me cobraron dos veces la suscripción", "Billing and payments"),
        ("Refund", "I was charged twice this month and need a refund", "Billing and payments"),
        ("", "No puedo descargar mi factura", "Billing and payments"),
        ("Cuenta bloqueada", "Mi cuenta está bloqueada después de varios intentos", "Account access"),
        ("Locked out", "I'm locked out and can't log in", "Account access"),
        ("URGENTE: Sistema caído", "El sistema no funciona, necesito ayuda inmediata", "Technical outage"),
        ("App crashes", "The mobile app crashes when I open reports", "Technical outage"),
        ("Error 500", "Sale un error al guardar el formulario", "Technical outage"),
    ],
)
def test_demo_rules_route_realistic_tickets(subject, description, expected):
    for rule in DEMO_RULES:
        validate_conditions(rule["conditions"])
    assert first_matching_rule(subject, description) == expected


def test_demo_vip_rule_catches_what_content_rules_do_not():
    assert first_matching_rule("Pregunta", "¿Tenéis una API pública?", tier="vip") == "VIP customers"
    assert first_matching_rule("Pregunta", "¿Tenéis una API pública?", tier="standard") is None
