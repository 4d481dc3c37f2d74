from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from support_site.admin_utils import LinesField, json_block

from .models import RoutingRule


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
