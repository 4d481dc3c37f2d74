"""Celery entry points for service levels: thin, idempotent, retry-safe."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    name="sla.refresh_states", acks_late=True, ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError), retry_backoff=2, retry_backoff_max=60, max_retries=3,
)
def refresh_sla_states() -> int:
    """Tickets whose SLA moment has come become at risk or breached. Running it twice changes
    nothing the first run did: each row is re-read under its ticket's lock."""
    from sla.services import refresh_due_slas

    return refresh_due_slas()


@shared_task(name="sla.escalate_stale_tickets", acks_late=True, ignore_result=True,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=2, retry_backoff_max=60, max_retries=3)
def escalate_stale() -> int:
    """Idempotent within each rule's cooldown: a second run finds every ticket already escalated."""
    from sla.escalation import escalate_stale_tickets

    return escalate_stale_tickets().escalated
