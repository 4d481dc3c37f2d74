"""The intake pipeline through the broker and real workers: waits, load, and a killed worker."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connections
from rest_framework.test import APIClient

from agents.models import Agent, Department
from integrations.services import create_api_key
from routing.models import RoutingRule
from tickets.models import Customer, Ticket
from tickets.services.intake import intake_ticket
from tickets.services.pipeline import resume_unfinished_pipelines

from .conftest import load_desk_with_index, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def api_client() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {create_api_key(name='integration-test').raw_key}")
    return client


def test_prefer_wait_returns_the_processed_ticket(start_worker):
    load_desk_with_index()
    start_worker("wait")
    response = api_client().post(
        "/api/support/tickets",
        json.dumps({"subject": "URGENTE: Sistema caído", "description": "El sistema no funciona, necesito ayuda inmediata",
                    "customer_email": "vip@example.com", "source": "phone"}),
        content_type="application/json", HTTP_PREFER="wait=25",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["priority"]["level"], body["routing"]["department"], body["routing"]["agent_assigned"]) == ("critical", "technical", True)


def test_64_tickets_for_3_agents_never_exceed_capacity(start_worker, make_agent):
    technical = Department.objects.get(code="technical")
    for _ in range(3):
        make_agent("technical", capacity=5, specialties=["technical"])
    RoutingRule.objects.create(name="All technical", order=1, conditions={}, target_department=technical,
                               target_specialties=["technical"], auto_assign=True)
    Customer.objects.create(email="load@example.com")
    start_worker("load", concurrency=4)

    def submit(n: int) -> None:
        try:
            intake_ticket(data={"source": "api", "subject": f"Crash {n}", "description": "error", "customer_email": "load@example.com"})
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:  # 64 arriving at once
        list(pool.map(submit, range(64)))
    wait_for(lambda: not Ticket.objects.exclude(pipeline_stage="done").exists(), timeout=120, message="64 pipelines")
    loads = [agent.active_ticket_count() for agent in Agent.objects.all()]
    assert sorted(loads) == [5, 5, 5]
    assert Ticket.objects.count() == 64


def test_worker_killed_mid_pipeline_then_resumed_processes_once(start_worker):
    load_desk_with_index()
    slow = start_worker("slow", concurrency=1, PIPELINE_STEP_DELAY_SECONDS="3")
    ticket = intake_ticket(data={"source": "web", "subject": "App crashes", "description": "Error 500 when saving",
                                 "customer_email": "cliente@example.com"}).ticket

    def stage() -> str:
        return Ticket.objects.values_list("pipeline_stage", flat=True).get(pk=ticket.pk)

    wait_for(lambda: stage() not in ("received",), timeout=60, message="the first step to commit")
    slow.kill()
    stopped_at = stage()
    assert stopped_at not in ("received", "done")

    assert resume_unfinished_pipelines(older_than=timedelta(0)) == 1
    start_worker("rescue")
    wait_for(lambda: stage() == "done", timeout=60, message="the resumed pipeline")

    kinds = list(Ticket.objects.get(pk=ticket.pk).events.values_list("kind", flat=True))
    assert kinds.count("created") == 1 and kinds.count("chatbot") == 1
    assert kinds.count("priority_changed") == 1 and kinds.count("routed") == 1
    assert kinds.count("status_changed") == 1 and kinds.count("assigned") <= 1
    assert Ticket.objects.count() == 1
