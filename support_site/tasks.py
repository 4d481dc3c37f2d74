"""Project-wide tasks that belong to no single app."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone


@shared_task(name="support.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """Scheduled every minute by beat. Its ``PeriodicTask.last_run_at`` shows beat is alive;
    the health check reads it."""
    return timezone.now().isoformat()


@shared_task(name="support.ping")
def ping(token: str) -> dict:
    """Round trip through broker, worker and result backend; used by tests and operators."""
    import socket

    return {"token": token, "worker": socket.gethostname(), "at": timezone.now().isoformat()}
