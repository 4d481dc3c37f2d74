"""The knowledge base the bot answers from, and every answer it attempted."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.models import Category, Language


class FAQArticle(models.Model):
    """One article in one language. The same ``article_id`` in another language is its translation."""

    article_id = models.SlugField(_("article id"), max_length=50, help_text=_("Shared by the translations of one article, e.g. 'faq-001'."))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=255)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    content = models.TextField(_("content"))
    category = models.CharField(_("category"), max_length=12, choices=Category.choices, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    example_questions = models.JSONField(
        _("example questions"), default=list, blank=True, help_text=_("Real phrasings customers used; the strongest retrieval signal.")
    )
    published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["article_id", "language"]
        verbose_name = _("FAQ article")
        verbose_name_plural = _("FAQ articles")
        constraints = [
            models.UniqueConstraint(fields=["article_id", "language"], name="faq_article_language_unique"),
            models.CheckConstraint(condition=~Q(content=""), name="faq_content_not_empty"),
        ]
        indexes = [models.Index(fields=["published", "language"], name="faq_published_language")]

    def __str__(self) -> str:
        return f"{self.article_id} [{self.language}] {self.title}"


class ChatbotInteraction(models.Model):
    """What the bot saw, which articles it matched with which scores, and what it decided."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="chatbot_interactions", verbose_name=_("ticket"))
    query = models.TextField(_("query"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, blank=True)
    intent = models.CharField(_("intent"), max_length=30, blank=True)
    matched_articles = models.JSONField(
        _("matched articles"), default=list, blank=True, help_text=_("[{article_id, language, score}], best first.")
    )
    article = models.ForeignKey(FAQArticle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("answered with"))
    confidence = models.FloatField(_("confidence"), default=0.0)
    threshold = models.FloatField(_("threshold"), default=0.7)
    resolved = models.BooleanField(_("resolved"), default=False)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    model_used = models.CharField(_("model"), max_length=100, blank=True)
    prompt_tokens = models.PositiveIntegerField(_("prompt tokens"), default=0)
    completion_tokens = models.PositiveIntegerField(_("completion tokens"), default=0)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("bot interaction")
        verbose_name_plural = _("bot interactions")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="botinteraction_ticket"),
            models.Index(fields=["created_at", "resolved"], name="botinteraction_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(confidence__gte=0) & Q(confidence__lte=1), name="botinteraction_confidence_0_1"),
        ]

    def __str__(self) -> str:
        outcome = _("resolved") if self.resolved else _("escalated")
        return f"{self.ticket} — {outcome} ({self.confidence:.2f})"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens
