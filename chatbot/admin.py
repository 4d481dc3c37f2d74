from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from support_site.admin_utils import DepartmentScopedMixin, LinesField, ReadOnlyAdminMixin, SingletonAdminMixin, json_block, table

from .models import ChatbotInteraction, ChatbotSettings, Experiment, ExperimentVariant, FAQArticle, KnowledgeBaseState
from .selectors import article_effectiveness, experiment_results, knowledge_gaps

REPORT_DAYS = 30


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


def _fmt(value, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def interaction_candidates(obj: ChatbotInteraction) -> str:
    """The ranked candidates with every score that went into the ranking."""
    matches = obj.matched_articles or []
    components = sorted({k for m in matches for k in m if k.startswith("cos_")})
    headers = [_("article"), _("title"), _("score")] + components + ["bm25"]
    rows = [
        [m.get("article_id", ""), m.get("title", ""), _fmt(m.get("score"))]
        + [_fmt(m.get(c)) for c in components]
        + [_fmt(m.get("bm25"))]
        for m in matches
    ]
    return table(headers, rows)


class InteractionDisplayMixin:
    @display(description=_("candidates"))
    def candidates(self, obj: ChatbotInteraction) -> str:
        return interaction_candidates(obj)

    @display(description=_("confidence features"))
    def features_table(self, obj: ChatbotInteraction) -> str:
        return table([_("feature"), _("value")], [[k, _fmt(v, 4)] for k, v in (obj.features or {}).items()])


@admin.register(ChatbotInteraction)
class ChatbotInteractionAdmin(InteractionDisplayMixin, DepartmentScopedMixin, ReadOnlyAdminMixin, ModelAdmin):
    department_path = "ticket__department"
    list_display = ["ticket", "outcome", "confidence_display", "article", "intent", "deflection", "model_used", "created_at"]
    list_filter = ["resolved", "deflection", "intent", "model_used", "language", "variant"]
    search_fields = ["query", "ticket__subject"]
    list_select_related = ["ticket", "article"]
    fieldsets = [
        (None, {"fields": ["ticket", "query", "language", "intent", "created_at"]}),
        (
            _("Decision"),
            {
                "fields": [
                    "candidates",
                    "article",
                    "confidence",
                    "threshold",
                    "resolved",
                    "decision_reason",
                    "features_table",
                    "encoders",
                ]
            },
        ),
        (
            _("Answer"),
            {
                "fields": [
                    "answer",
                    "answer_language",
                    "model_used",
                    "prompt_version",
                    "prompt_tokens",
                    "completion_tokens",
                    "cost_usd",
                    "latency_ms",
                    "llm_error",
                    "variant",
                ]
            },
        ),
        (_("Deflection"), {"fields": ["deflection", "deflection_reason", "deflection_settled_at", "customer_confirmed"]}),
    ]
    readonly_fields = [f for _name, opts in fieldsets for f in opts["fields"]]

    def get_urls(self):
        report = self.admin_site.admin_view(self.knowledge_report)
        return [path("knowledge-report/", report, name="chatbot_knowledge_report"), *super().get_urls()]

    def knowledge_report(self, request):
        """Knowledge gaps (what the bot could not answer) and how each article performs."""
        if not request.user.has_perm("chatbot.view_chatbotsettings"):  # supervisors: it shows every department's messages
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Knowledge gaps and article effectiveness"),
            "days": REPORT_DAYS,
            "gaps": knowledge_gaps(days=REPORT_DAYS),
            "articles": article_effectiveness(days=REPORT_DAYS),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/chatbot/knowledge_report.html", context)

    @display(description=_("outcome"), label={"resolved": "success", "escalated": "warning"})
    def outcome(self, obj: ChatbotInteraction) -> tuple[str, str]:
        return ("resolved", _("resolved")) if obj.resolved else ("escalated", _("escalated"))

    @display(description=_("confidence"), ordering="confidence")
    def confidence_display(self, obj: ChatbotInteraction) -> str:
        return f"{obj.confidence:.2f}"


class ChatbotSettingsForm(admin.options.forms.ModelForm):
    out_of_scope_examples = LinesField(
        label=_("questions the bot must not answer"), help_text=ChatbotSettings._meta.get_field("out_of_scope_examples").help_text
    )

    class Meta:
        model = ChatbotSettings
        fields = "__all__"


@admin.register(ChatbotSettings)
class ChatbotSettingsAdmin(SingletonAdminMixin, ModelAdmin):
    form = ChatbotSettingsForm
    list_display = ["__str__", "enabled", "confidence_threshold", "deflection_window_hours", "prompt_version", "updated_at"]
    fields = [
        "enabled",
        "confidence_threshold",
        "deflection_window_hours",
        "lexical_weight",
        "use_language_model",
        "prompt_version",
        "out_of_scope_examples",
    ]


@admin.register(KnowledgeBaseState)
class KnowledgeBaseStateAdmin(SingletonAdminMixin, ReadOnlyAdminMixin, ModelAdmin):
    """The index version and its calibration: how far the bot's confidence can be trusted."""

    list_display = ["__str__", "calibrated_version", "calibration_signature", "calibrated_at"]
    fields = ["version", "calibrated_version", "calibration_signature", "calibrated_at", "summary", "reliability", "coefficients"]
    readonly_fields = fields

    @display(description=_("calibration"))
    def summary(self, obj: KnowledgeBaseState) -> str:
        data = obj.calibration or {}
        if not data:
            return str(_("Not calibrated: add example questions to the articles (at least a few per article)."))
        return _("%(samples)s samples (%(positives)s correct answers), out-of-fold calibration error %(ece)s") % {
            "samples": data.get("samples"),
            "positives": data.get("positives"),
            "ece": _fmt(data.get("ece")),
        }

    @display(description=_("reliability (out of fold)"))
    def reliability(self, obj: KnowledgeBaseState) -> str:
        rows = [
            [f"{r['from']:.1f}–{r['to']:.1f}", r["count"], _fmt(r["confidence"]), _fmt(r["accuracy"])]
            for r in (obj.calibration or {}).get("reliability", [])
        ]
        return table([_("confidence"), _("questions"), _("mean confidence"), _("right")], rows)

    @display(description=_("confidence model (standardised coefficients)"))
    def coefficients(self, obj: KnowledgeBaseState) -> str:
        data = obj.calibration or {}
        return json_block(dict(zip(data.get("feature_names", []), data.get("coef", []), strict=False)))


class ExperimentVariantInline(TabularInline):
    model = ExperimentVariant
    extra = 0
    fields = ["key", "weight", "confidence_threshold", "prompt_version"]


@admin.register(Experiment)
class ExperimentAdmin(ModelAdmin):
    list_display = ["name", "is_active", "created_at"]
    list_filter = ["is_active"]
    inlines = [ExperimentVariantInline]
    fields = ["name", "description", "is_active", "results"]
    readonly_fields = ["results"]

    @display(description=_("results per variant"))
    def results(self, obj: Experiment) -> str:
        if not obj.pk:
            return "—"

        def pct(value):
            return "—" if value is None else f"{value:.0%}"

        rows = [
            [
                r["variant"],
                _fmt(r["threshold"], 2) or "—",
                r["prompt_version"] or "—",
                r["attempts"],
                pct(r["answer_rate"]),
                r["deflected"],
                r["failed"],
                r["pending"],
                pct(r["deflection_rate"]),
                pct(r["reopen_rate"]),
                "—" if r["csat"] is None else f"{r['csat']} ({r['csat_answers']})",
                f"{r['cost_usd']:.4f}",
            ]
            for r in experiment_results(obj)
        ]
        return table(
            [
                _("variant"),
                _("threshold"),
                _("prompt"),
                _("attempts"),
                _("answered"),
                _("deflected"),
                _("failed"),
                _("pending"),
                _("deflection rate"),
                _("reopen rate"),
                _("CSAT"),
                _("cost (USD)"),
            ],
            rows,
        )
