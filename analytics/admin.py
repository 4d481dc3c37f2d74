from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from support_site.admin_utils import ReadOnlyAdminMixin, table

from .models import Alert, MetricSnapshot
from .monitoring import acknowledge_alerts, resolve_alerts


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
