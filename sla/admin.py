from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from .engine.clock import CalendarError
from .models import BusinessCalendar, SLAPolicy


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


