"""Celery entry points for monitoring: thin, idempotent, retry-safe."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(name="analytics.monitor", acks_late=True, ignore_result=True,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=2, retry_backoff_max=60, max_retries=3)
def monitor() -> int:
    """Takes a snapshot and raises or resolves alerts; an open alert is never raised twice."""
    from analytics.monitoring import run_monitor

    return len(run_monitor().raised)
