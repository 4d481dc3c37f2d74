"""The Celery application: ``celery -A support_site worker`` / ``beat``."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_site.settings")

app = Celery("support_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
