"""64 tickets arriving at once for 3 agents of capacity 5: nobody ever gets a sixth.

Real threads, real transactions: row locks on PostgreSQL, IMMEDIATE transactions on SQLite."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from agents.models import Agent, Department
from routing.models import RoutingRule
from tickets.models import Customer, Ticket
from tickets.services import pipeline
from tickets.services.intake import intake_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_capacity_holds_under_concurrency(make_agent):
    technical = Department.objects.get(code="technical")
    for _ in range(3):
        make_agent("technical", capacity=5, specialties=["technical"])
    RoutingRule.objects.create(
        name="All technical", order=1, conditions={}, target_department=technical, target_specialties=["technical"], auto_assign=True
    )
    Customer.objects.create(email="load@example.com")
    tickets = [
        intake_ticket(data={"source": "web", "subject": f"Crash {n}", "description": "error", "customer_email": "load@example.com"}).ticket
        for n in range(64)
    ]

    def process(ticket_id):
        try:
            pipeline.run_pipeline(ticket_id=ticket_id)
        finally:
            connections.close_all()

    workers = 8 if connection.vendor == "postgresql" else 4
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(process, [t.ticket_id for t in tickets]))

    loads = {agent.name: agent.active_ticket_count() for agent in Agent.objects.all()}
    assert all(load <= 5 for load in loads.values()), loads
    assert sum(loads.values()) == 15
    assert Ticket.objects.filter(assigned_agent__isnull=True, department=technical, status="open").count() == 49
    assert Ticket.objects.exclude(pipeline_stage="done").count() == 0
