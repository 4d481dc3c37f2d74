"""Celery entry points for the bot: thin, idempotent, retry-safe."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    name="chatbot.refresh_knowledge_index",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=3,
)
def refresh_knowledge_index() -> int:
    """Encode what changed and refit the calibration now, rather than on the next ticket.
    Running it twice is harmless: the second run finds everything stored."""
    from django.core.cache import cache

    from chatbot.knowledge import REFRESH_PENDING_KEY, snapshot

    cache.delete(REFRESH_PENDING_KEY)  # a change from now on queues another refresh
    return snapshot().version


@shared_task(name="chatbot.settle_deflections", acks_late=True, ignore_result=True)
def settle_bot_deflections() -> int:
    from chatbot.deflection import settle_deflections

    return settle_deflections()
