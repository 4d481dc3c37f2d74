"""support_health_check: one line per check, non-zero exit on failure."""

import socket
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from agents.models import Agent
from tickets.demo.loader import load_demo_desk

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(*args) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("support_health_check", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue() + str(exc), exc.returncode
    return out.getvalue(), 0


def test_broker_down_fails_with_a_clear_line():
    load_demo_desk(admin_password="x", with_tickets=False)
    port = free_port()  # nothing listens there: a broker that is down
    output, code = run("--broker-url", f"redis://127.0.0.1:{port}/0", "--worker-timeout", "0.5")
    assert code == 1
    assert f"FAIL  broker: cannot connect to redis://127.0.0.1:{port}/0" in output
    assert "Start the broker (Redis) or fix REDIS_URL." in output
    assert "FAIL  worker: skipped: broker unreachable." in output
    assert "OK    database" in output and "OK    faq articles: 12 published" in output


def test_empty_desk_fails_on_faqs_and_agents():
    output, code = run("--skip-worker")
    assert code == 1
    assert "FAIL  faq articles: no published FAQ article" in output
    assert "FAIL  agents: no available agent" in output
    assert "2 check(s) failed: faq articles, agents." in output


def test_unavailable_agents_and_no_worker_fail():
    load_demo_desk(admin_password="x", with_tickets=False)
    Agent.objects.update(is_available=False)
    output, code = run("--worker-timeout", "0.5")
    assert code == 1
    assert "FAIL  agents" in output
    assert "FAIL  worker: no Celery worker answered within 0.5s" in output


def test_passes_without_worker_when_asked():
    load_demo_desk(admin_password="x", with_tickets=False)
    output, code = run("--skip-worker")
    assert code == 0, output
    from support_site.schedules import DEFAULT_SCHEDULES

    assert "OK    broker" in output and f"OK    beat schedules: {len(DEFAULT_SCHEDULES)} enabled" in output
    assert "WARN  beat running: heartbeat last sent never" in output
    assert output.rstrip().endswith("All checks passed.")


def test_rollups_warn_when_yesterday_is_not_stored():
    from analytics.rollups import refresh_rollups

    load_demo_desk(admin_password="x", with_tickets=False)
    call_command("generate_demo_history", tickets=50, days=5, seed=2, no_rollups=True, stdout=StringIO())
    output, code = run("--skip-worker")
    assert code == 0 and "WARN  analytics rollups: yesterday's rollup is missing" in output
    refresh_rollups()
    output, _ = run("--skip-worker")
    assert "OK    analytics rollups: fresh" in output
