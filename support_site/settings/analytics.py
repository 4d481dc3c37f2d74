"""Analytics: dashboard caching, the export folder, and the /metrics endpoint."""

from __future__ import annotations

from .env import VAR_DIR, env

#: Seconds a computed dashboard is shared between viewers (0: compute on every request).
ANALYTICS_CACHE_SECONDS = env.int("ANALYTICS_CACHE_SECONDS", default=10)

#: Where the daily export (tickets CSV, metrics JSON, feedback CSV) is written.
ANALYTICS_EXPORT_DIR = env.str("ANALYTICS_EXPORT_DIR", default=str(VAR_DIR / "exports"))
#: Days of daily exports kept in that folder; older files are deleted by the export job.
ANALYTICS_EXPORT_KEEP_DAYS = env.int("ANALYTICS_EXPORT_KEEP_DAYS", default=14)

#: Bearer token Prometheus sends to /metrics (``authorization: credentials``). Without it only
#: signed-in supervisors can read /metrics; the endpoint is never public.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
#: Seconds the business figures behind /metrics are reused between scrapes (shared cache).
METRICS_CACHE_SECONDS = env.int("METRICS_CACHE_SECONDS", default=30)

#: The dashboard page polls this often when the channel layer cannot reach it from the worker
#: (the embedded in-memory layer); with Redis it is only a safety net behind the websocket.
DASHBOARD_POLL_SECONDS = env.int("DASHBOARD_POLL_SECONDS", default=15)

#: Set (to an empty folder, the same for every web process) when several processes serve
#: /metrics; prometheus_client then merges their request metrics. Empty: one process.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")

#: django-import-export: exporting needs the model's view permission (agents export their
#: department's tickets, which is what they can see); importing is not offered.
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

#: Closed days whose rollups beat recomputes every ten minutes (late bot outcomes, reopenings
#: and surveys change them for a few days), and how far back missing days are filled.
ANALYTICS_ROLLUP_REFRESH_DAYS = env.int("ANALYTICS_ROLLUP_REFRESH_DAYS", default=7)
ANALYTICS_ROLLUP_MAX_DAYS = env.int("ANALYTICS_ROLLUP_MAX_DAYS", default=400)
