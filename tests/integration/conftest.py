"""Real Celery workers for integration tests, on the same broker and test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from support_site.celery import app

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the test database this process uses, for the worker to use too."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, name: str, concurrency: int, extra_env: dict[str, str]):
        self.name = f"{name}-{os.getpid()}"
        env = dict(os.environ)
        env.update({"DJANGO_SETTINGS_MODULE": "support_site.settings", "DATABASE_URL": database_url(),
                    "SUPPORT_VAR_DIR": str(settings.SUPPORT_VAR_DIR), **extra_env})
        self.log_path = Path(settings.SUPPORT_VAR_DIR) / f"worker-{name}.log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "support_site", "worker", "--concurrency", str(concurrency),
             "--without-gossip", "--without-mingle", "--hostname", f"{self.name}@%h", "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            replies = app.control.ping(timeout=1.0)
            if any(self.name in name for reply in replies for name in reply):
                return
            assert self.process.poll() is None, self.log_path.read_text()
            assert time.monotonic() < deadline, f"worker {self.name} did not answer within {timeout} s"

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children): no chance to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        if not self.log.closed:
            self.log.close()

    def stop(self) -> None:
        """At teardown the test has waited for its work already: nothing to drain, so no graceful
        shutdown (it takes 4–7 s per worker)."""
        if self.process.poll() is None:
            self.kill()
        elif not self.log.closed:
            self.log.close()


def forget_dead_workers() -> None:
    """The filesystem broker keeps a pidbox binding, and a copy of every later broadcast, for each
    worker that ever ran. These tests start uniquely named workers, so a checkout that runs the
    suite often piles up files until pings time out (a fresh CI checkout never notices)."""
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    for path in Path(options["data_folder_in"]).glob("*.pidbox.msg"):
        path.unlink(missing_ok=True)
    (Path(options["control_folder"]) / "celery.pidbox.exchange").unlink(missing_ok=True)


@pytest.fixture
def start_worker(django_db_setup, django_db_blocker):
    # Unit tests that commit (browser tests, on-commit callbacks run on purpose) leave tasks for
    # rows that no longer exist; a worker would spend this test's time failing through them.
    forget_dead_workers()
    app.control.purge()
    started: list[Worker] = []

    def start(name: str = "w", *, concurrency: int = 2, **extra_env: str) -> Worker:
        worker = Worker(name, concurrency, extra_env)
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()
    for worker in started:
        log = worker.log_path.read_text()
        assert "Signal handler" not in log and "ImproperlyConfigured" not in log, log[-3000:]


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {message}"
        time.sleep(interval)


def load_desk_with_index() -> None:
    """The demo desk, with the bot's knowledge index built and stored (as the refresh task does
    after a deploy), so a worker's first ticket does not wait for the articles to be encoded."""
    from chatbot.knowledge import snapshot
    from tickets.demo.loader import load_demo_desk

    load_demo_desk(admin_password="x", with_tickets=False)
    snapshot()
