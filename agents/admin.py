from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from support_site.admin_utils import LinesField

from .models import Agent, Department

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


@admin.register(Department)
class DepartmentAdmin(ModelAdmin):
    list_display = ["name", "code", "email", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


class AgentForm(admin.options.forms.ModelForm):
    specialties = LinesField(label=_("specialties"))

    class Meta:
        model = Agent
        fields = "__all__"


@admin.register(Agent)
class AgentAdmin(ModelAdmin):
    form = AgentForm
    list_display = ["name", "email", "department", "seniority", "is_available", "load", "max_concurrent_tickets"]
    list_filter = ["department", "seniority", "is_available"]
    search_fields = ["name", "email", "user__username"]
    list_select_related = ["department", "user"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_active_ticket_count()

    @display(description=_("active tickets"), ordering="active_ticket_count")
    def load(self, obj: Agent) -> str:
        return f"{obj.active_ticket_count} / {obj.max_concurrent_tickets}"


# django-celery-beat's schedules, shown in the admin theme (supervisors edit intervals here).
from django_celery_beat import admin as beat_admin  # noqa: E402
from django_celery_beat.models import (  # noqa: E402
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

for beat_model in (PeriodicTask, IntervalSchedule, CrontabSchedule, SolarSchedule, ClockedSchedule):
    admin.site.unregister(beat_model)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin, ModelAdmin):
    pass


@admin.register(IntervalSchedule)
class IntervalScheduleAdmin(ModelAdmin):
    pass


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin, ModelAdmin):
    pass


@admin.register(SolarSchedule)
class SolarScheduleAdmin(ModelAdmin):
    pass


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(beat_admin.ClockedScheduleAdmin, ModelAdmin):
    pass
