from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from support_site.admin_utils import ReadOnlyAdminMixin, SingletonAdminMixin, table

from . import selectors
from .engine.stats import PERIODS, rolling_period
from .models import Alert, MetricSnapshot, Report, ReportSettings
from .monitoring import acknowledge_alerts, resolve_alerts
from .reports import render_report, report_pdf, send_report
from .services import desk_time_zone


class OpenFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("resolved", _("Resolved"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(Alert)
class AlertAdmin(ModelAdmin):
    list_display = ["severity_label", "message", "raised_at", "last_seen_at", "acknowledged_at", "resolved_at", "resolved_by"]
    list_filter = [OpenFilter, "severity", "kind"]
    search_fields = ["message"]
    fields = ["severity", "kind", "message", "raised_at", "last_seen_at", "acknowledged_at", "acknowledged_by", "resolved_at",
              "resolved_by", "notified"]
    readonly_fields = fields
    actions = ["acknowledge", "resolve"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @display(description=_("severity"), ordering="severity", label={"critical": "danger", "warning": "warning"})
    def severity_label(self, obj: Alert):
        return obj.severity, obj.get_severity_display()

    @action(description=_("Acknowledge"), permissions=["change"])
    def acknowledge(self, request, queryset):
        done = acknowledge_alerts(alert_ids=list(queryset.values_list("pk", flat=True)), user=request.user)
        self.message_user(request, _("%(count)d alert(s) acknowledged.") % {"count": done}, messages.SUCCESS)

    @action(description=_("Resolve"), permissions=["change"])
    def resolve(self, request, queryset):
        done = resolve_alerts(alert_ids=list(queryset.values_list("pk", flat=True)), user=request.user)
        self.message_user(request, _("%(count)d alert(s) resolved.") % {"count": done}, messages.SUCCESS)


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ["taken_at", "unassigned_critical", "critical_open_over_limit", "sla_breaches_critical", "tickets_last_24h",
                    "chatbot_resolution_rate", "avg_first_response_minutes"]
    fields = ["taken_at", "unassigned_critical", "critical_open_over_limit", "sla_breaches_critical", "tickets_last_24h",
              "chatbot_resolution_rate", "avg_first_response_minutes", "utilisation"]
    readonly_fields = fields

    @display(description=_("agent utilisation"))
    def utilisation(self, obj: MetricSnapshot) -> str:
        return table([_("agent"), _("share of capacity")], [[name, f"{share:.0%}"] for name, share in sorted(obj.agent_utilisation.items())])


@admin.register(ReportSettings)
class ReportSettingsAdmin(SingletonAdminMixin, ModelAdmin):
    fields = ["time_zone", "language", "weekly_enabled", "monthly_enabled", "extra_recipients"]


def dashboard_labels() -> dict:
    """The dashboard script's words, in the viewer's language."""
    from sla.models import SLAState
    from tickets.models import Priority

    return {
        "tickets": str(_("Tickets received")), "backlog": str(_("Open backlog")), "chatbot": str(_("Bot resolution rate")),
        "first_response": str(_("First response (median)")), "resolution": str(_("Resolution (median)")),
        "sla": str(_("SLA compliance")), "csat": str(_("Satisfaction (1–5)")), "nps": str(_("NPS")),
        "vs_previous": str(_("vs previous period")), "no_previous": str(_("no previous period to compare")),
        "unassigned": str(_("%s unassigned")), "deflection": str(_("%s of answers held")), "p90": str(_("p90 %s")),
        "fcr": str(_("first contact %s")), "breached": str(_("%s breached now")), "responses": str(_("%s answers")),
        "active": str(_("open tickets")), "capacity": str(_("free capacity")), "no_sla": str(_("No open ticket is at risk.")),
        "no_feedback": str(_("No feedback in this period.")), "live_socket": str(_("Live")),
        "live_poll": str(_("Refreshing every %s s")), "updated": str(_("updated %s")), "error": str(_("Could not load the figures")),
        "overdue": str(_("%s overdue")), "due_in": str(_("in %s")),
        "priorities": {value: str(label) for value, label in Priority.choices},
        "states": {value: str(label) for value, label in SLAState.choices},
    }


def _period_key(request) -> str:
    key = request.GET.get("period", "7d")
    return key if key in PERIODS else "7d"


@admin.register(Report)
class ReportAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """The kept reports, and the analytics pages (dashboard and the spec's three views) as admin URLs."""

    list_display = ["__str__", "period_start", "period_end", "created_at", "sent_at", "links"]
    list_filter = ["kind"]
    fields = ["kind", "period_start", "period_end", "time_zone", "created_at", "sent_at", "preview"]
    readonly_fields = fields
    actions = ["send_again"]

    @display(description=_("open"))
    def links(self, obj: Report) -> str:
        return format_html('<a class="text-primary-600" href="{}">HTML</a> · <a class="text-primary-600" href="{}">PDF</a>',
                           reverse("admin:analytics_report_html", args=[obj.pk]), reverse("admin:analytics_report_pdf", args=[obj.pk]))

    @display(description=_("report"))
    def preview(self, obj: Report) -> str:
        return format_html('<iframe src="{}" style="width:100%;height:70vh;border:0"></iframe>', reverse("admin:analytics_report_html", args=[obj.pk]))

    @action(description=_("Send again to the current recipients"), permissions=["view"])
    def send_again(self, request, queryset):
        report_settings = ReportSettings.current()
        queued = 0
        for report in queryset:
            queued += send_report(report, report_settings=report_settings, again=True)
        self.message_user(request, _("%(count)d message(s) queued.") % {"count": queued}, messages.SUCCESS)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("dashboard/", view(self.dashboard_view), name="analytics_dashboard"),
            path("pending/", view(self.pending_view), name="analytics_pending"),
            path("chatbot/", view(self.chatbot_view), name="analytics_chatbot"),
            path("workload/", view(self.workload_view), name="analytics_workload"),
            path("<int:pk>/html/", view(self.html_view), name="analytics_report_html"),
            path("<int:pk>/pdf/", view(self.pdf_view), name="analytics_report_pdf"),
            *super().get_urls(),
        ]

    def _context(self, request, title, **extra) -> dict:
        if not request.user.has_perm("analytics.view_dashboard"):
            raise PermissionDenied
        return {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta, "periods": list(PERIODS), **extra}

    def dashboard_view(self, request):
        """The live dashboard: figures from the dashboard API, refreshed by websocket (and polling)."""
        shared_layer = "InMemory" not in settings.CHANNEL_LAYERS["default"]["BACKEND"]  # reaches from the workers too
        config = {
            "api_url": reverse("api-dashboard"), "period": _period_key(request), "websocket_path": "/ws/dashboard/",
            "poll_seconds": settings.DASHBOARD_POLL_SECONDS, "safety_poll_seconds": max(settings.DASHBOARD_POLL_SECONDS, 120),
            "socket_carries_all": shared_layer, "cache_seconds": settings.ANALYTICS_CACHE_SECONDS,
            "ticket_url": reverse("admin:tickets_ticket_changelist"), "language": request.LANGUAGE_CODE,
            "time_zone": desk_time_zone().key, "labels": dashboard_labels(),
        }
        context = self._context(request, _("Support dashboard"), period=config["period"], dashboard_config=config)
        return TemplateResponse(request, "admin/analytics/dashboard.html", context)

    def pending_view(self, request):
        """The spec's ``v_support_tickets_pending``: open work by priority and age, most urgent first."""
        now = timezone.now()
        context = self._context(
            request, _("Pending tickets by priority"), backlog=selectors.backlog(selectors.Filters(), now=now),
            tickets=selectors.pending_tickets(limit=100), now=now,
        )
        return TemplateResponse(request, "admin/analytics/pending.html", context)

    def chatbot_view(self, request):
        """The spec's ``v_support_chatbot_stats``: the bot per day, and over the period."""
        key = _period_key(request)
        window = rolling_period(key, now=timezone.now(), tz=desk_time_zone())
        context = self._context(
            request, _("Bot statistics"), period=key, summary=selectors.chatbot(window, selectors.Filters()),
            days=selectors.chatbot_daily(window, selectors.Filters()),
        )
        return TemplateResponse(request, "admin/analytics/chatbot.html", context)

    def workload_view(self, request):
        """The spec's ``v_support_agents_workload``: each agent's open tickets against capacity."""
        key = _period_key(request)
        window = rolling_period(key, now=timezone.now(), tz=desk_time_zone())
        context = self._context(request, _("Agent workload"), period=key, agents=selectors.agents(window, selectors.Filters()))
        return TemplateResponse(request, "admin/analytics/workload.html", context)

    @method_decorator(xframe_options_sameorigin)
    def html_view(self, request, pk: int):
        if not request.user.has_perm("analytics.view_report"):
            raise PermissionDenied
        report = get_object_or_404(Report, pk=pk)
        return HttpResponse(render_report(report, request.LANGUAGE_CODE)[2])

    def pdf_view(self, request, pk: int):
        if not request.user.has_perm("analytics.view_report"):
            raise PermissionDenied
        report = get_object_or_404(Report, pk=pk)
        response = HttpResponse(report_pdf(report, request.LANGUAGE_CODE), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="support-{report.kind}-{report.period_start:%Y-%m-%d}.pdf"'
        return response
