"""The knowledge base the bot answers from, and every answer it attempted."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.models import Category, Language

from .prompts import DEFAULT_PROMPT, PROMPT_CHOICES


class FAQArticle(models.Model):
    """One article in one language. The same ``article_id`` in another language is its translation."""

    article_id = models.SlugField(
        _("article id"), max_length=50, help_text=_("Shared by the translations of one article, e.g. 'faq-001'.")
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=255)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    content = models.TextField(_("content"))
    category = models.CharField(_("category"), max_length=12, choices=Category.choices, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    example_questions = models.JSONField(
        _("example questions"),
        default=list,
        blank=True,
        help_text=_("Real phrasings customers used; the strongest retrieval signal."),
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


class Deflection(models.TextChoices):
    PENDING = "pending", _("pending")
    DEFLECTED = "deflected", _("deflected")
    FAILED = "failed", _("failed")


class ChatbotInteraction(models.Model):
    """What the bot saw, which articles it matched with which scores, and what it decided."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="chatbot_interactions", verbose_name=_("ticket")
    )
    query = models.TextField(_("query"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, blank=True)
    intent = models.CharField(_("intent"), max_length=30, blank=True)
    matched_articles = models.JSONField(
        _("matched articles"), default=list, blank=True, help_text=_("[{article_id, language, score}], best first.")
    )
    article = models.ForeignKey(
        FAQArticle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("answered with")
    )
    confidence = models.FloatField(_("confidence"), default=0.0)
    threshold = models.FloatField(_("threshold"), default=0.7)
    resolved = models.BooleanField(_("resolved"), default=False)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    model_used = models.CharField(_("model"), max_length=100, blank=True)
    prompt_tokens = models.PositiveIntegerField(_("prompt tokens"), default=0)
    completion_tokens = models.PositiveIntegerField(_("completion tokens"), default=0)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    cost_usd = models.DecimalField(_("cost (USD)"), max_digits=10, decimal_places=6, default=0)
    prompt_version = models.CharField(_("prompt version"), max_length=20, blank=True)
    answer_language = models.CharField(_("answer language"), max_length=2, choices=Language.choices, blank=True)
    llm_error = models.CharField(_("language-model error"), max_length=500, blank=True)
    encoders = models.CharField(
        _("encoders"), max_length=120, blank=True, help_text=_("The retrieval models used; 'lexical' when only BM25 ran.")
    )
    features = models.JSONField(_("confidence features"), default=dict, blank=True)
    variant = models.ForeignKey(
        "chatbot.ExperimentVariant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
        verbose_name=_("A/B variant"),
    )
    deflection = models.CharField(_("deflection"), max_length=10, choices=Deflection.choices, blank=True)
    deflection_reason = models.CharField(_("deflection reason"), max_length=300, blank=True)
    deflection_settled_at = models.DateTimeField(_("deflection settled"), null=True, blank=True)
    customer_confirmed = models.BooleanField(_("customer said it solved the problem"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("bot interaction")
        verbose_name_plural = _("bot interactions")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="botinteraction_ticket"),
            models.Index(fields=["created_at", "resolved"], name="botinteraction_created"),
            models.Index(fields=["deflection", "created_at"], name="botinteraction_deflection"),
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


class ChatbotSettings(models.Model):
    """The bot's knobs, one row (pk=1), edited by supervisors in the admin."""

    enabled = models.BooleanField(_("bot enabled"), default=True)
    confidence_threshold = models.FloatField(
        _("confidence threshold"),
        default=0.7,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("Answer when the calibrated confidence is at least this; otherwise a person answers."),
    )
    deflection_window_hours = models.PositiveIntegerField(
        _("deflection window (hours)"),
        default=72,
        validators=[MinValueValidator(1)],
        help_text=_(
            "A bot answer counts as a deflection only if the customer does not come back on the same issue within this time."
        ),
    )
    lexical_weight = models.FloatField(
        _("lexical weight"),
        default=1.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(10.0)],
        help_text=_("Weight of BM25 next to the encoders (0 turns it off). Changing it recalibrates."),
    )
    use_language_model = models.BooleanField(
        _("compose answers with the language model"),
        default=True,
        help_text=_("Only when OPENAI_API_KEY is configured; otherwise the article's own answer is sent."),
    )
    prompt_version = models.CharField(_("prompt version"), max_length=20, choices=PROMPT_CHOICES, default=DEFAULT_PROMPT)
    out_of_scope_examples = models.JSONField(
        _("questions the bot must not answer"),
        default=list,
        blank=True,
        help_text=_(
            "Near-topic messages the articles do not cover, one per line, in Spanish or English. "
            "They teach the confidence model when to escalate."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("bot settings")
        verbose_name_plural = _("bot settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence_threshold__gte=0) & Q(confidence_threshold__lte=1), name="botsettings_threshold_0_1"
            ),
            models.CheckConstraint(condition=Q(pk=1), name="botsettings_singleton"),
        ]

    def __str__(self) -> str:
        return str(_("Bot settings"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> ChatbotSettings:
        return cls.objects.filter(pk=1).first() or cls()


class ArticleEmbedding(models.Model):
    """One encoder's vectors for one article's views, so a restart does not re-encode the knowledge base.

    ``content_hash`` covers the texts that were encoded; an edited article gets new rows and the
    old ones are deleted when the index is rebuilt."""

    article = models.ForeignKey(FAQArticle, on_delete=models.CASCADE, related_name="embeddings", verbose_name=_("article"))
    encoder = models.CharField(_("encoder"), max_length=80)
    content_hash = models.CharField(_("content hash"), max_length=40)
    views = models.PositiveIntegerField(_("views"))
    dim = models.PositiveIntegerField(_("dimensions"))
    vectors = models.BinaryField(_("vectors"), help_text=_("float32, views × dimensions, row-major."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("article embedding")
        verbose_name_plural = _("article embeddings")
        constraints = [
            models.UniqueConstraint(fields=["article", "encoder", "content_hash"], name="embedding_article_encoder_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}/{self.encoder}"


class KnowledgeBaseState(models.Model):
    """One row (pk=1): the knowledge base's version counter and the calibration fitted for it."""

    version = models.PositiveBigIntegerField(_("version"), default=0)
    calibration = models.JSONField(_("calibration"), null=True, blank=True)
    calibrated_version = models.PositiveBigIntegerField(_("calibrated for version"), null=True, blank=True)
    calibration_signature = models.CharField(_("calibrated for"), max_length=200, blank=True)
    calibrated_at = models.DateTimeField(_("calibrated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("knowledge base state")
        verbose_name_plural = _("knowledge base state")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="kbstate_singleton")]

    def __str__(self) -> str:
        return f"v{self.version}"


class Experiment(models.Model):
    """An A/B test of the bot's threshold and prompt version. At most one runs at a time."""

    name = models.SlugField(_("name"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("running"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("A/B test")
        verbose_name_plural = _("A/B tests")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_running_experiment",
                violation_error_message=_("Another A/B test is already running; stop it before starting this one."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class ExperimentVariant(models.Model):
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="variants", verbose_name=_("A/B test"))
    key = models.SlugField(_("variant"), max_length=30)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1, validators=[MinValueValidator(1)])
    confidence_threshold = models.FloatField(
        _("confidence threshold"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("Empty: the bot settings' threshold."),
    )
    prompt_version = models.CharField(
        _("prompt version"), max_length=20, choices=PROMPT_CHOICES, blank=True, help_text=_("Empty: the bot settings' prompt.")
    )

    class Meta:
        ordering = ["experiment", "key"]
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        constraints = [models.UniqueConstraint(fields=["experiment", "key"], name="variant_key_unique")]

    def __str__(self) -> str:
        return f"{self.experiment.name}:{self.key}"
