"""A real Celery worker process, on the configured broker (filesystem or Redis) and database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from support_site.celery import app
from support_site.tasks import ping
from tickets.demo.loader import load_demo_desk

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    """The URL of the test database this process uses, for the worker to use too."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker):
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "support_site.settings",
            "DATABASE_URL": database_url(),
            "SUPPORT_VAR_DIR": str(settings.SUPPORT_VAR_DIR),
        }
    )
    log = open(Path(settings.SUPPORT_VAR_DIR) / "test-worker.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "support_site", "worker", "--concurrency", "1",
         "--without-gossip", "--without-mingle", "--hostname", f"test-{os.getpid()}@%h", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    try:
        while not app.control.ping(timeout=1.0):
            assert process.poll() is None, (Path(settings.SUPPORT_VAR_DIR) / "test-worker.log").read_text()
            assert time.monotonic() < deadline, "worker did not answer within 60 s"
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_a_task_goes_through_the_broker_and_returns(worker):
    token = f"t-{time.monotonic_ns()}"
    reply = ping.delay(token).get(timeout=30)
    assert reply["token"] == token and reply["at"].startswith("20")


def test_health_check_sees_the_worker(worker):
    load_demo_desk(admin_password="x", with_tickets=False)
    out = StringIO()
    call_command("support_health_check", "--worker-timeout", "3", stdout=out)
    output = out.getvalue()
    assert "OK    worker: 1 answering (test-" in output
    assert "All checks passed." in output
