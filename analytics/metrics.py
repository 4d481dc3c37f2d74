"""Prometheus: the business figures behind ``/metrics``, next to django-prometheus's request metrics.

The figures are read from the database, not counted in process memory: every web process and
worker then reports the same totals, a restart resets nothing, and scaling out needs no
shared metrics directory for them. They are computed at most once per ``METRICS_CACHE_SECONDS``
(shared cache), whatever the number of scrapers and web processes.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from agents.models import Agent
from chatbot.models import ChatbotInteraction
from sla.models import SLAState, TicketSLA
from tickets.models import PRIORITY_ORDER, Feedback, Source, Ticket

from .selectors import OPEN_STATUSES

#: First-response histogram buckets, in seconds (1 min … 1 day).
FIRST_RESPONSE_BUCKETS = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400)
CACHE_KEY = "analytics:prometheus-figures"


def business_figures() -> dict:
    """The numbers the collector exposes, as plain data (cached)."""
    found = cache.get(CACHE_KEY)
    if found is not None:
        return found
    created = dict(Ticket.objects.values_list("source").annotate(n=Count("pk")).order_by())
    open_by_priority = dict(Ticket.objects.filter(status__in=OPEN_STATUSES).values_list("priority").annotate(n=Count("pk")).order_by())
    waited = ExpressionWrapper(F("first_response_at") - F("created_at"), output_field=DurationField())
    responded = Ticket.objects.filter(first_response_at__isnull=False).aggregate(
        count=Count("pk"), total=Sum(waited),
        **{f"le_{bound}": Count("pk", filter=Q(first_response_at__lte=F("created_at") + timedelta(seconds=bound)))
           for bound in FIRST_RESPONSE_BUCKETS},
    )
    satisfaction = dict(Feedback.objects.values_list("satisfaction").annotate(n=Count("pk")).order_by())
    figures = {
        "created": {source: created.get(source, 0) for source in Source.values},
        "open": {level: open_by_priority.get(level, 0) for level in PRIORITY_ORDER},
        "bot_resolutions": ChatbotInteraction.objects.filter(resolved=True).count(),
        "sla_breaches": TicketSLA.objects.filter(state__in=(SLAState.BREACHED, SLAState.MISSED)).count(),
        "sla_breached_open": TicketSLA.objects.filter(state=SLAState.BREACHED, ticket__status__in=OPEN_STATUSES).count(),
        "first_response": {
            "count": responded["count"],
            "sum": responded["total"].total_seconds() if responded["total"] is not None else 0.0,
            "buckets": [(bound, responded[f"le_{bound}"]) for bound in FIRST_RESPONSE_BUCKETS],
        },
        "agents_available": Agent.objects.filter(is_available=True).count(),
        "feedback": {str(score): satisfaction.get(score, 0) for score in range(1, 6)},
    }
    cache.set(CACHE_KEY, figures, settings.METRICS_CACHE_SECONDS)
    return figures


class BusinessCollector(Collector):
    NAMES = (
        ("support_tickets_created", CounterMetricFamily), ("support_tickets_open", GaugeMetricFamily),
        ("support_chatbot_resolutions", CounterMetricFamily), ("support_sla_breaches", CounterMetricFamily),
        ("support_sla_breached_open", GaugeMetricFamily), ("support_agents_available", GaugeMetricFamily),
        ("support_feedback", CounterMetricFamily), ("support_first_response_seconds", HistogramMetricFamily),
    )

    def describe(self):
        """Names only, so registering does not query the database (it runs at start-up)."""
        for name, family in self.NAMES:
            yield family(name, "")

    def collect(self):
        figures = business_figures()
        created = CounterMetricFamily("support_tickets_created", "Tickets received, by channel.", labels=["source"])
        for source, count in figures["created"].items():
            created.add_metric([source], count)
        yield created
        open_work = GaugeMetricFamily("support_tickets_open", "Open tickets (received, open, in progress, waiting), by priority.",
                                      labels=["priority"])
        for level, count in figures["open"].items():
            open_work.add_metric([level], count)
        yield open_work
        yield CounterMetricFamily("support_chatbot_resolutions", "Tickets the bot answered.", value=figures["bot_resolutions"])
        yield CounterMetricFamily("support_sla_breaches", "Tickets whose SLA was breached (open or since resolved).",
                                  value=figures["sla_breaches"])
        yield GaugeMetricFamily("support_sla_breached_open", "Open tickets past an SLA target.", value=figures["sla_breached_open"])
        yield GaugeMetricFamily("support_agents_available", "Agents marked available.", value=figures["agents_available"])
        feedback = CounterMetricFamily("support_feedback", "Satisfaction answers received, by score (1–5).", labels=["satisfaction"])
        for score, count in figures["feedback"].items():
            feedback.add_metric([score], count)
        yield feedback
        first = figures["first_response"]
        yield HistogramMetricFamily(
            "support_first_response_seconds", "Time from a ticket's arrival to a person's first response.",
            buckets=[(str(float(bound)), count) for bound, count in first["buckets"]] + [("+Inf", first["count"])],
            sum_value=first["sum"],
        )


_collector = BusinessCollector()


def register_collector() -> None:
    """Called once from ``AnalyticsConfig.ready``."""
    try:
        REGISTRY.register(_collector)
    except ValueError:  # already registered (autoreload, tests)
        pass


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return True
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.has_perm("analytics.view_dashboard"))


def metrics_view(request: HttpRequest) -> HttpResponse:
    """``/metrics``: a bearer token (``METRICS_TOKEN``) or a supervisor's session; never public."""
    if not _allowed(request):
        response = HttpResponse("Send Authorization: Bearer <METRICS_TOKEN>, or sign in as a supervisor.\n", status=401,
                                content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if settings.PROMETHEUS_MULTIPROC_DIR:  # several web processes: merge their request metrics
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(_collector)
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
