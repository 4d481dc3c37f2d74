"""The Celery application: ``celery -A support_site worker`` / ``beat``."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_site.settings")

app = Celery("support_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _forget_inherited_database_pools(**kwargs) -> None:
    """A prefork child must not use connections its parent opened: drop any inherited pool
    (without closing it — its sockets belong to the parent); the child builds its own lazily."""
    from django.db import DEFAULT_DB_ALIAS, connections

    wrapper = connections[DEFAULT_DB_ALIAS]
    if wrapper.vendor == "postgresql":
        type(wrapper)._connection_pools.clear()


@worker_process_init.connect
def _load_bot_encoders(**kwargs) -> None:
    """Load the bot's sentence encoders in each worker child, after the fork (libgomp is not
    fork-safe), so the first ticket does not wait for them. A failure only logs: the bot then
    runs on what loaded, and the health check says so."""
    import logging

    try:
        from chatbot.knowledge import encoders

        encoders()
    except Exception:
        logging.getLogger(__name__).exception("could not preload the bot's encoders")
