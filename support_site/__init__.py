"""support_site: customer-support automation on Django."""

from .celery import app as celery_app

__all__ = ("celery_app",)
