"""WSGI entry point, kept for tooling; the service runs on ASGI (support_site.asgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_site.settings")
application = get_wsgi_application()
