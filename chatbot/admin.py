from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from support_site.admin_utils import DepartmentScopedMixin, LinesField, ReadOnlyAdminMixin, table

from .models import ChatbotInteraction, FAQArticle


class FAQArticleForm(admin.options.forms.ModelForm):
    tags = LinesField(label=_("tags"))
    keywords = LinesField(label=_("keywords"))
    example_questions = LinesField(label=_("example questions"), help_text=_("One question per line, as customers write them."))

    class Meta:
        model = FAQArticle
        fields = "__all__"


@admin.register(FAQArticle)
class FAQArticleAdmin(ModelAdmin):
    form = FAQArticleForm
    list_display = ["article_id", "language", "title", "category", "questions", "published", "updated_at"]
    list_filter = ["published", "language", "category"]
    search_fields = ["article_id", "title", "summary", "content"]
    ordering = ["article_id", "language"]
    fieldsets = [
        (None, {"fields": ["article_id", "language", "title", "summary", "content", "published"]}),
        (_("Finding it"), {"fields": ["category", "tags", "keywords", "example_questions"]}),
    ]

    @display(description=_("example questions"))
    def questions(self, obj: FAQArticle) -> int:
        return len(obj.example_questions or [])


def interaction_candidates(obj: ChatbotInteraction) -> str:
    rows = [[m.get("article_id", ""), m.get("language", ""), m.get("title", ""), f"{m.get('score', 0):.3f}"] for m in obj.matched_articles or []]
    return table([_("article"), _("language"), _("title"), _("score")], rows)


@admin.register(ChatbotInteraction)
class ChatbotInteractionAdmin(DepartmentScopedMixin, ReadOnlyAdminMixin, ModelAdmin):
    department_path = "ticket__department"
    list_display = ["ticket", "outcome", "confidence_display", "article", "intent", "model_used", "created_at"]
    list_filter = ["resolved", "intent", "model_used", "language"]
    search_fields = ["query", "ticket__subject"]
    list_select_related = ["ticket", "article"]
    fields = [
        "ticket", "query", "language", "intent", "candidates", "article", "confidence", "threshold", "resolved",
        "decision_reason", "answer", "model_used", "prompt_tokens", "completion_tokens", "latency_ms", "created_at",
    ]
    readonly_fields = fields

    @display(description=_("outcome"), label={"resolved": "success", "escalated": "warning"})
    def outcome(self, obj: ChatbotInteraction) -> tuple[str, str]:
        return ("resolved", _("resolved")) if obj.resolved else ("escalated", _("escalated"))

    @display(description=_("confidence"), ordering="confidence")
    def confidence_display(self, obj: ChatbotInteraction) -> str:
        return f"{obj.confidence:.2f}"

    @display(description=_("candidates"))
    def candidates(self, obj: ChatbotInteraction) -> str:
        return interaction_candidates(obj)
