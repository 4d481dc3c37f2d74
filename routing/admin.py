from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from routing.engine.priority import DEFAULT_CONFIG, config_from_dict, config_to_dict
from support_site.admin_utils import LinesField, json_block

from .models import PrioritySettings, RoutingRule
from .services import DRY_RUN_DAYS, dry_run_rules


class RoutingRuleForm(admin.options.forms.ModelForm):
    target_specialties = LinesField(label=_("required specialties"))

    class Meta:
        model = RoutingRule
        fields = "__all__"


@admin.register(RoutingRule)
class RoutingRuleAdmin(ModelAdmin):
    form = RoutingRuleForm
    list_display = ["name", "order", "target_department", "auto_assign", "is_active", "conditions_summary"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active", "auto_assign", "target_department"]
    search_fields = ["name", "description"]
    list_select_related = ["target_department"]
    readonly_fields = ["conditions_preview", "created_at", "updated_at"]
    actions = ["dry_run"]
    fieldsets = [
        (None, {"fields": ["name", "description", "order", "is_active"]}),
        (_("When"), {"fields": ["conditions", "conditions_preview"]}),
        (_("Then"), {"fields": ["target_department", "target_specialties", "auto_assign"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]

    @display(description=_("conditions"))
    def conditions_summary(self, obj: RoutingRule) -> str:
        text = str(obj.conditions)
        return text if len(text) <= 80 else text[:77] + "…"

    @display(description=_("conditions (formatted)"))
    def conditions_preview(self, obj: RoutingRule) -> str:
        return json_block(obj.conditions)

    @action(description=_("Dry run: active rules plus the selected ones, against the last 30 days"), permissions=["view"])
    def dry_run(self, request, queryset):
        enable = list(queryset)
        report = dry_run_rules(enable=enable, days=DRY_RUN_DAYS)
        enabled_ids = {rule.pk for rule in enable if not rule.is_active}
        rules = [r for r in RoutingRule.objects.all() if r.is_active or r.pk in enabled_ids]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Routing dry run"),
            "report": report,
            "rules": rules,
            "enabled": enabled_ids,
            "moves": sorted(report.moves.items(), key=lambda item: -item[1]),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/routing/dry_run.html", context)


@admin.register(PrioritySettings)
class PrioritySettingsAdmin(ModelAdmin):
    """One row of overrides; the page shows the effective settings next to them."""

    fields = ["overrides", "effective"]
    readonly_fields = ["effective"]

    def has_add_permission(self, request) -> bool:
        return not PrioritySettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        obj.pk = 1
        super().save_model(request, obj, form, change)

    @display(description=_("effective settings (defaults with your overrides)"))
    def effective(self, obj: PrioritySettings) -> str:
        try:
            config = config_from_dict(obj.overrides if obj else None)
        except ValueError:
            config = DEFAULT_CONFIG
        return json_block(config_to_dict(config))
