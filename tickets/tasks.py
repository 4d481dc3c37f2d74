"""Celery entry points for tickets: thin, idempotent, retry-safe."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    name="tickets.run_pipeline",
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
    ignore_result=True,
)
def run_ticket_pipeline(self, ticket_id: str) -> None:
    from tickets.services.pipeline import run_pipeline

    run_pipeline(ticket_id=ticket_id)


@shared_task(name="tickets.resume_pipelines", acks_late=True, ignore_result=True)
def resume_stalled_pipelines() -> int:
    from tickets.services.pipeline import resume_unfinished_pipelines

    return resume_unfinished_pipelines()
