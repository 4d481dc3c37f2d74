from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from support_site.admin_utils import LinesField, ReadOnlyAdminMixin

from .engine.clock import CalendarError
from .models import BusinessCalendar, EscalationRecord, EscalationRule, SLAPolicy


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ModelAdmin):
    list_display = ["name", "time_zone", "always_open", "weekly_hours", "holiday_count", "updated_at"]
    search_fields = ["name"]
    fields = ["name", "time_zone", "always_open", "hours", "holidays"]

    @display(description=_("hours per week"))
    def weekly_hours(self, obj: BusinessCalendar) -> str:
        try:
            calendar = obj.as_calendar()
        except CalendarError:
            return "—"
        if calendar.always_open:
            return "168"
        minutes = sum(
            (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
            for intervals in calendar.hours.values() for start, end in intervals
        )
        return f"{minutes / 60:g}"

    @display(description=_("holidays"))
    def holiday_count(self, obj: BusinessCalendar) -> int:
        return len(obj.holidays or [])


@admin.register(SLAPolicy)
class SLAPolicyAdmin(ModelAdmin):
    list_display = ["name", "customer_tier", "category", "priority", "first_response_minutes", "resolution_minutes", "calendar",
                    "pause_when_pending", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active", "customer_tier", "category", "priority", "calendar"]
    search_fields = ["name"]
    list_select_related = ["calendar"]
    fieldsets = [
        (None, {"fields": ["name", "is_active", "order"]}),
        (_("Applies to"), {"fields": ["customer_tier", "category", "priority"],
                           "description": _("The most specific active policy that matches a ticket applies.")}),
        (_("Targets"), {"fields": ["first_response_minutes", "resolution_minutes", "calendar", "pause_when_pending", "at_risk_share"]}),
    ]




class EscalationRuleForm(admin.options.forms.ModelForm):
    priorities = LinesField(label=_("priorities"), help_text=_("One per line (low, medium, high, urgent, critical); empty: any."))

    class Meta:
        model = EscalationRule
        fields = "__all__"


@admin.register(EscalationRule)
class EscalationRuleAdmin(ModelAdmin):
    form = EscalationRuleForm
    list_display = ["name", "kind", "minutes", "priority_list", "raise_priority", "reassign_to_senior", "notify_supervisors",
                    "cooldown_minutes", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active", "kind"]
    fieldsets = [
        (None, {"fields": ["name", "is_active", "order"]}),
        (_("When"), {"fields": ["kind", "minutes", "priorities"]}),
        (_("Then"), {"fields": ["raise_priority", "reassign_to_senior", "notify_supervisors", "cooldown_minutes"]}),
    ]

    @display(description=_("priorities"))
    def priority_list(self, obj: EscalationRule) -> str:
        return ", ".join(obj.priorities or []) or "—"


@admin.register(EscalationRecord)
class EscalationRecordAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ["created_at", "ticket", "rule", "reason", "action_list"]
    list_filter = ["rule"]
    list_select_related = ["ticket", "rule"]
    search_fields = ["ticket__subject", "reason"]
    fields = ["created_at", "ticket", "rule", "reason", "actions"]
    readonly_fields = fields

    @display(description=_("actions"))
    def action_list(self, obj: EscalationRecord) -> str:
        return "; ".join(obj.actions or []) or "—"
