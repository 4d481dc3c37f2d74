"""Priority engine: pure (pytest-django refuses database access in these tests)."""

import pytest

from routing.engine.priority import (
    DEFAULT_CONFIG,
    PriorityConfig,
    TicketSignals,
    config_from_dict,
    config_to_dict,
    level_for,
    score_priority,
)


def factors(result) -> dict[str, float]:
    return {f.factor: f.points for f in result.factors}


def test_spec_urgent_vip_phone_is_critical():
    result = score_priority(TicketSignals(
        subject="URGENTE: Sistema caído", description="El sistema no funciona, necesito ayuda inmediata", tier="vip", source="phone",
    ))
    assert result.level == "critical" and result.score >= 85
    assert factors(result) == {"base": 25, "content_urgency": 40, "customer_tier": 15, "source": 5}
    urgency = next(f for f in result.factors if f.factor == "content_urgency")
    assert urgency.reason == "critical: caido; urgent: urgente, inmediata; problem: no funciona"


def test_spec_invoice_is_medium():
    result = score_priority(TicketSignals(subject="Problema con factura", description="No puedo descargar mi factura", category="billing"))
    assert result.level == "medium" and 40 <= result.score < 55
    assert factors(result)["category"] == 5


@pytest.mark.parametrize(
    "text", ["¿Cómo restablezco mi contraseña?", "How do I change my subscription plan?", "¿Dónde descargo la factura?"]
)
def test_plain_how_to_questions_are_low(text):
    result = score_priority(TicketSignals(description=text))
    assert result.level == "low" and result.score < 40


@pytest.mark.parametrize(
    ("text", "_case"),
    [
        ("No es urgente, pero ¿cómo exporto mis datos?", "spanish negation"),
        ("Nada urgente: quería saber cómo exportar", "nada"),
        ("This is not urgent, just wondering how to export data", "english negation"),
        ("It isn't urgent at all", "contraction"),
    ],
)
def test_negated_urgency_is_ignored_and_said(text, _case):
    result = score_priority(TicketSignals(description=text))
    urgency = next(f for f in result.factors if f.factor == "content_urgency")
    assert urgency.points == 0
    assert "negated, ignored" in urgency.reason
    assert result.level == "low"


@pytest.mark.parametrize(
    ("text", "expected_points"),
    [
        ("URGENT: the site is DOWN", 45),  # critical 30 + urgent 15, capped at 40
        ("Urgente, necesito ayuda", 15),
        ("Me sale un error al guardar", 15),
        ("The app crashes and I can't log in", 40),
        ("Caída total del servicio", 30),
    ],
)
def test_urgency_scale_adds_signals_up_to_its_cap(text, expected_points):
    points = factors(score_priority(TicketSignals(description=text)))["content_urgency"]
    assert points == min(expected_points, 40)


def test_outage_from_a_standard_customer_is_at_least_high():
    assert score_priority(TicketSignals(description="The site is down")).level == "high"
    assert score_priority(TicketSignals(description="La web está caída")).level == "high"


def test_accents_and_case_are_folded():
    assert factors(score_priority(TicketSignals(description="SISTEMA CAIDO")))["content_urgency"] == 30
    assert factors(score_priority(TicketSignals(description="sistema caído")))["content_urgency"] == 30


def test_customer_tier_and_frequent_customer():
    enterprise = score_priority(TicketSignals(description="Pregunta", tier="enterprise"))
    assert factors(enterprise)["customer_tier"] == 12
    frequent = score_priority(TicketSignals(description="Pregunta", recent_tickets=2, recent_urgent_tickets=1))
    assert factors(frequent)["frequent_customer"] == 5
    assert "frequent_customer" not in factors(score_priority(TicketSignals(description="Pregunta", recent_tickets=5)))


@pytest.mark.parametrize(
    ("text", "points"),
    [("Lo necesito hoy", 3), ("I need it today, the deadline is 15/12", 5), ("Antes del viernes por favor", 5),
     ("Due 2026-12-01", 5), ("Nos vemos el 3/4", 3), ("Sin prisa", 0)],
)
def test_time_sensitivity(text, points):
    assert factors(score_priority(TicketSignals(description=text))).get("time_sensitivity", 0) == points


@pytest.mark.parametrize(("category", "points"), [("billing", 5), ("technical", 3), ("security", 15), ("sales", 0)])
def test_category_boost(category, points):
    assert factors(score_priority(TicketSignals(description="x", category=category))).get("category", 0) == points


@pytest.mark.parametrize(("source", "points"), [("phone", 5), ("chat", 2), ("email", 0)])
def test_source_boost(source, points):
    assert factors(score_priority(TicketSignals(description="x", source=source))).get("source", 0) == points


def test_score_is_capped_at_100_and_says_so():
    result = score_priority(TicketSignals(
        subject="URGENT outage", description="Production down, data loss, hacked, urgent today deadline 01/01",
        tier="vip", category="security", source="phone", recent_tickets=5, recent_urgent_tickets=3,
    ))
    assert result.score == 100 and result.level == "critical"
    assert factors(result)["cap"] < 0


@pytest.mark.parametrize(("score", "level"), [(85, "critical"), (84.99, "urgent"), (70, "urgent"), (55, "high"), (40, "medium"), (39.9, "low")])
def test_levels(score, level):
    assert level_for(score, DEFAULT_CONFIG.thresholds) == level


def test_custom_config_from_admin_json():
    config = config_from_dict({"base": 10, "source_points": {"phone": 20}, "urgent_terms": ["pronto"]})
    result = score_priority(TicketSignals(description="Lo necesito pronto", source="phone"), config)
    assert factors(result) == {"base": 10, "content_urgency": 15, "source": 20}
    assert config_from_dict(config_to_dict(DEFAULT_CONFIG)) == DEFAULT_CONFIG


@pytest.mark.parametrize(
    ("data", "message"),
    [({"bse": 10}, "Unknown priority settings: bse"), ({"base": -1}, "base: give a number"), ({"urgent_terms": "asap"}, "urgent_terms"),
     ({"tier_points": {"vip": "lots"}}, "tier_points"), ({"base": True}, "base")],
)
def test_bad_config_is_refused_with_the_reason(data, message):
    with pytest.raises(ValueError, match=message):
        config_from_dict(data)


def test_engine_imports_nothing_from_django():
    import routing.engine.priority as module

    source = open(module.__file__).read()
    assert "django" not in source
    assert isinstance(DEFAULT_CONFIG, PriorityConfig)
