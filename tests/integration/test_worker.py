"""A real Celery worker process, on the configured broker (filesystem or Redis) and database."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command

from support_site.tasks import ping

from .conftest import load_desk_with_index

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_task_goes_through_the_broker_and_returns(start_worker):
    start_worker("ping")
    token = f"t-{time.monotonic_ns()}"
    reply = ping.delay(token).get(timeout=30)
    assert reply["token"] == token and reply["at"].startswith("20")


def test_health_check_sees_the_worker(start_worker):
    worker = start_worker("health")
    load_desk_with_index()
    out = StringIO()
    call_command("support_health_check", "--worker-timeout", "3", stdout=out)
    output = out.getvalue()
    assert f"{worker.name}@" in output and "OK    worker" in output
    assert "All checks passed." in output
