"""Rule evaluation and agent choice: pure."""

import pytest

from routing.engine.rules import AgentLoad, RuleSpec, choose_agent, route

RULES = [
    RuleSpec(id=2, name="Billing", order=20, conditions={"field": "category", "op": "equals", "value": "billing"}, department="billing"),
    RuleSpec(id=1, name="Security", order=10, conditions={"field": "text", "op": "contains_any", "value": ["hack"]},
             department="security", specialties=("security",), auto_assign=True),
    RuleSpec(id=3, name="VIP", order=30, conditions={"field": "customer.tier", "op": "equals", "value": "vip"}, department="account"),
]


def facts(**values):
    base = {"category": "", "priority": "medium", "subject": "", "description": "", "customer": {"tier": "standard"}}
    base.update(values)
    return base


def test_first_matching_rule_in_order_wins_and_is_explained():
    decision = route(facts(category="billing", description="Me hackearon la cuenta"), RULES)
    assert (decision.department, decision.rule_id, decision.auto_assign, decision.specialties) == ("security", 1, True, ("security",))
    assert decision.reason.startswith("Rule 'Security' matched")
    assert decision.trace[0].startswith("rule 'Security': matched")


def test_category_default_then_priority_then_general():
    assert route(facts(category="sales"), RULES).department == "sales"
    assert "category 'sales'" in route(facts(category="sales"), RULES).reason
    urgent = route(facts(priority="critical"), RULES)
    assert (urgent.department, urgent.auto_assign, urgent.seniority) == ("technical", True, ("lead", "senior"))
    plain = route(facts(), RULES)
    assert (plain.department, plain.rule_id, plain.auto_assign) == ("general", None, False)
    assert len(plain.trace) == 3  # every rule tried and recorded


def test_empty_rule_set():
    assert route(facts(category="billing"), []).department == "billing"


AGENTS = [
    AgentLoad(id=1, seniority="junior", specialties=("technical",), active=1, capacity=5),
    AgentLoad(id=2, seniority="senior", specialties=("technical", "api"), active=1, capacity=5),
    AgentLoad(id=3, seniority="lead", specialties=("technical",), active=0, capacity=2),
    AgentLoad(id=4, seniority="senior", specialties=("technical",), active=0, capacity=5, available=False),
]


def test_fewest_active_tickets_first():
    agent, why = choose_agent(AGENTS)
    assert agent.id == 3 and "fewest active tickets (0/2)" in why


def test_specialties_are_required():
    agent, _ = choose_agent(AGENTS, specialties=("API",))
    assert agent.id == 2
    agent, why = choose_agent(AGENTS, specialties=("billing",))
    assert agent is None and "no available agent with specialties ['billing']" == why


def test_never_above_capacity():
    full = [AgentLoad(id=1, seniority="senior", specialties=(), active=5, capacity=5)]
    agent, why = choose_agent(full)
    assert agent is None and why == "all 1 matching agent(s) are at capacity"


def test_preferred_seniority_when_available():
    agent, _ = choose_agent(AGENTS[:2], seniority=("lead", "senior"))
    assert agent.id == 2
    agent, _ = choose_agent(AGENTS[:1], seniority=("lead", "senior"))
    assert agent.id == 1  # nobody senior is free: the junior still gets it


@pytest.mark.parametrize("unavailable", [[], [AgentLoad(id=9, seniority="lead", specialties=(), active=0, capacity=5, available=False)]])
def test_nobody_available(unavailable):
    agent, why = choose_agent(unavailable)
    assert agent is None and why == "no available agent"
