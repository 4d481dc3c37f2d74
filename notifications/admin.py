from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template import Template, TemplateSyntaxError
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from support_site.admin_utils import LinesField, ReadOnlyAdminMixin

from .models import EmailTemplate, Event, Notification, WebhookEndpoint
from .services import resend


class EmailTemplateForm(admin.options.forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = "__all__"

    def clean(self):
        data = super().clean()
        for name in ("subject", "body_text", "body_html"):
            try:
                Template(data.get(name) or "")
            except TemplateSyntaxError as exc:
                self.add_error(name, ValidationError(_("Template error: %(error)s") % {"error": exc}))
        return data


@admin.register(EmailTemplate)
class EmailTemplateAdmin(ModelAdmin):
    form = EmailTemplateForm
    list_display = ["event", "language", "subject", "is_active", "updated_at"]
    list_filter = ["event", "language", "is_active"]
    fields = ["event", "language", "is_active", "subject", "body_text", "body_html"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ["created_at", "event", "channel", "recipient", "subject", "status_label", "attempts", "response_status", "sent_at"]
    list_filter = ["status", "event", "channel", "endpoint"]
    search_fields = ["recipient", "subject"]
    list_select_related = ["ticket"]
    fields = ["ticket", "event", "channel", "recipient", "endpoint", "subject", "body_text", "payload", "status", "attempts", "last_error",
              "response_status", "response_body", "created_at", "sent_at"]
    readonly_fields = fields
    actions = ["send_again"]

    @display(description=_("status"), ordering="status", label={"pending": "info", "sent": "success", "failed": "danger"})
    def status_label(self, obj: Notification):
        return obj.status, obj.get_status_display()

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("notifications.change_notification")

    @action(description=_("Send again"), permissions=["change"])
    def send_again(self, request, queryset):
        count = resend(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(count)d failed message(s) queued again.") % {"count": count}, messages.SUCCESS)


class WebhookEndpointForm(admin.options.forms.ModelForm):
    url = admin.options.forms.URLField(label=_("URL"), max_length=500, assume_scheme="https", required=False)
    events = LinesField(label=_("events"), help_text=_("One per line; empty: all. Known: %(events)s.") % {"events": ", ".join(Event.values)})

    class Meta:
        model = WebhookEndpoint
        fields = "__all__"

    def clean_events(self):
        events = self.cleaned_data["events"]
        unknown = [e for e in events if e not in Event.values]
        if unknown:
            raise ValidationError(_("Unknown events: %(events)s.") % {"events": ", ".join(unknown)})
        return events


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "kind", "url", "event_list", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    fields = ["name", "kind", "url", "phone", "events", "secret", "is_active"]

    @display(description=_("events"))
    def event_list(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.events or []) or str(_("all"))
