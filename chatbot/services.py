"""The bot's attempt to answer a ticket from the knowledge base, and what happens after.

``propose_answer`` does the slow part (retrieval, the optional language model) without
touching the database's write side or holding a lock; ``record_bot_attempt`` stores the
outcome inside the pipeline step's transaction. Splitting them keeps a 10-second model call
from holding the ticket's row lock (or, on SQLite, the database's write lock).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext

from routing.engine.priority import find_terms
from routing.engine.text import fold
from routing.models import PrioritySettings
from support_site.api.exceptions import ApplicationError
from tickets.events import Actor, record_ticket_event
from tickets.language import detect_language
from tickets.models import ActorType, EventKind, Status, Ticket

from . import knowledge
from .answers import composed_answer, offline_answer, pick_translation
from .deflection import fail_deflection, pending_answer_for_repeat
from .engine.decision import Decision, decide
from .engine.experiments import pick_variant
from .engine.intents import detect_intent
from .llm import compose_answer, llm_configured
from .models import ChatbotInteraction, ChatbotSettings, Deflection, Experiment, ExperimentVariant, FAQArticle

logger = logging.getLogger(__name__)
TOP_K = 5
LLM_ARTICLES = 3


@dataclass(frozen=True)
class ChatbotOutcome:
    attempted: bool
    resolved: bool = False
    confidence: float = 0.0
    article_id: str = ""
    reason: str = ""
    details: dict = field(default_factory=dict)


def assign_variant(ticket: Ticket) -> ExperimentVariant | None:
    """The running A/B test's variant for this ticket (same ticket, same variant, always)."""
    experiment = Experiment.objects.filter(is_active=True).prefetch_related("variants").first()
    if experiment is None:
        return None
    variants = {v.key: v for v in experiment.variants.all()}
    key = pick_variant(experiment.name, str(ticket.ticket_id), [(v.key, v.weight) for v in variants.values()])
    return variants.get(key) if key else None


def _urgent_terms(message: str) -> tuple[str, ...]:
    """The priority engine's critical and urgent words in the message (one vocabulary to edit)."""
    config = PrioritySettings.current_config()
    found, _negated = find_terms(fold(message), config.critical_terms + config.urgent_terms, config.negators)
    return tuple(found)


def _message(ticket: Ticket) -> str:
    return "\n".join(part for part in (ticket.subject, ticket.description) if part).strip()


def propose_answer(ticket: Ticket) -> ChatbotOutcome:
    """Search the knowledge base, decide, and compose the answer. Writes nothing but vectors."""
    bot = ChatbotSettings.current()
    if not bot.enabled:
        return ChatbotOutcome(False, reason="The bot is switched off in the bot settings; the ticket goes to an agent.")
    started = time.monotonic()
    message = _message(ticket)
    language = ticket.language or detect_language(message, default="es")
    variant = assign_variant(ticket)
    threshold = variant.confidence_threshold if variant and variant.confidence_threshold is not None else bot.confidence_threshold
    prompt_version = (variant.prompt_version if variant and variant.prompt_version else "") or bot.prompt_version
    intent = detect_intent(message, urgent_terms=_urgent_terms(message))
    details: dict = {
        "query": message,
        "language": language,
        "intent": intent.name,
        "threshold": threshold,
        "variant_id": variant.pk if variant else None,
        "candidates": [],
        "features": {},
    }
    retrieval, snap = None, None
    if not intent.short_circuits:
        snap = knowledge.snapshot()
        retrieval = snap.index.search(message, language, top_k=TOP_K)
        details["candidates"] = [c.as_dict() for c in retrieval.candidates]
        details["features"] = dict(zip(retrieval.feature_names, (round(f, 4) for f in retrieval.features), strict=False))
        details["encoders"] = snap.encoders.signature
    decision = decide(intent=intent, retrieval=retrieval, calibrator=snap.calibrator if snap else None, threshold=threshold)
    if decision.resolve:
        decision = _unless_customer_came_back(ticket, decision, details)
    if decision.resolve:
        decision = _compose(snap, retrieval, decision, language, prompt_version, bot, details)
    details["latency_ms"] = int((time.monotonic() - started) * 1000)
    return ChatbotOutcome(True, decision.resolve, round(decision.confidence, 4), decision.article_key, decision.reason, details)


def _unless_customer_came_back(ticket: Ticket, decision: Decision, details: dict) -> Decision:
    previous = pending_answer_for_repeat(
        customer_id=ticket.customer_id, exclude_ticket_id=ticket.pk, article_id=decision.article_key
    )
    if previous is None:
        return decision
    details["repeat_of"] = previous.pk
    return Decision(
        False,
        decision.confidence,
        f"The customer already got '{decision.article_key}' on ticket {previous.ticket.ticket_id} and came back: "
        "that answer did not deflect, so a person takes this one.",
        decision.article_key,
    )


def _compose(snap, retrieval, decision: Decision, language: str, prompt_version: str, bot, details) -> Decision:
    article = pick_translation(snap.articles, decision.article_key, language)
    details.update(
        article_pk=article.pk, answer_language=article.language, answer=offline_answer(article, language), model_used="retrieval"
    )
    if not (bot.use_language_model and llm_configured()):
        return decision
    grounding = []
    for candidate in retrieval.candidates[:LLM_ARTICLES]:
        translated = pick_translation(snap.articles, candidate.key, language)
        if translated is not None:
            grounding.append({"article_id": translated.article_id, "title": translated.title, "content": translated.content})
    reply = compose_answer(message=details["query"], language=language, articles=grounding, prompt_version=prompt_version)
    details.update(
        prompt_version=prompt_version,
        model_used=reply.model,
        prompt_tokens=reply.prompt_tokens,
        completion_tokens=reply.completion_tokens,
        cost_usd=reply.cost_usd,
        llm_latency_ms=reply.latency_ms,
        llm_error=reply.error,
        masked=reply.masked or {},
    )
    if reply.error:
        details["model_used"] = "retrieval"
        return Decision(
            True,
            decision.confidence,
            decision.reason + f" The language model failed ({reply.error[:120]}); the article's own answer was sent.",
            decision.article_key,
        )
    if not reply.covered:
        details.pop("answer", None)
        return Decision(
            False,
            decision.confidence,
            f"Best match '{decision.article_key}' passed the threshold with confidence {decision.confidence:.2f}, but the "
            "language model found the articles do not answer the message; escalated to a person.",
            decision.article_key,
        )
    cited = [a for a in (pick_translation(snap.articles, key, language) for key in reply.cited) if a is not None] or [article]
    details.update(
        answer=composed_answer(reply.answer, cited, language), article_pk=cited[0].pk, answer_language=language,
        cited=list(reply.cited),
    )
    return Decision(
        True,
        decision.confidence,
        decision.reason + f" Composed by {reply.model} citing {', '.join(reply.cited)}.",
        cited[0].article_id,
    )


def record_bot_attempt(ticket: Ticket, outcome: ChatbotOutcome) -> ChatbotInteraction | None:
    """Store the attempt on a ticket the caller has locked: interaction, history, status."""
    from tickets.services.status import apply_status

    d = outcome.details
    interaction = None
    if d.get("article_pk") and not FAQArticle.objects.filter(pk=d["article_pk"]).exists():
        d = {**d, "article_pk": None}  # deleted while we answered; the answer text is still recorded
    if outcome.attempted:
        interaction = ChatbotInteraction.objects.create(
            ticket=ticket,
            query=d.get("query", ""),
            language=d.get("language", ""),
            intent=d.get("intent", ""),
            matched_articles=d.get("candidates", []),
            article_id=d.get("article_pk"),
            confidence=outcome.confidence,
            threshold=d.get("threshold", 0.7),
            resolved=outcome.resolved,
            decision_reason=outcome.reason,
            answer=d.get("answer", "") if outcome.resolved else "",
            model_used=d.get("model_used", ""),
            prompt_tokens=d.get("prompt_tokens", 0),
            completion_tokens=d.get("completion_tokens", 0),
            latency_ms=d.get("latency_ms", 0),
            cost_usd=d.get("cost_usd", Decimal(0)),
            prompt_version=d.get("prompt_version", ""),
            answer_language=d.get("answer_language", "") if outcome.resolved else "",
            llm_error=d.get("llm_error", "")[:500],
            encoders=d.get("encoders", ""),
            features=d.get("features", {}),
            variant_id=d.get("variant_id"),
            deflection=Deflection.PENDING if outcome.resolved else "",
        )
        if d.get("repeat_of"):
            ChatbotInteraction.objects.filter(pk=d["repeat_of"], deflection=Deflection.PENDING).update(
                deflection=Deflection.FAILED, deflection_reason=f"The customer came back with ticket {ticket.ticket_id}."
            )
    record_ticket_event(
        ticket=ticket,
        kind=EventKind.CHATBOT,
        actor=Actor.chatbot(d.get("model_used") or "retrieval"),
        reason=outcome.reason,
        data={
            "attempted": outcome.attempted,
            "resolved": outcome.resolved,
            "confidence": outcome.confidence,
            "article_id": outcome.article_id,
            "intent": d.get("intent"),
            "candidates": [c["article_id"] for c in d.get("candidates", [])][:3],
        },
    )
    if outcome.resolved and ticket.status == Status.RECEIVED:
        apply_status(ticket, new_status=Status.CHATBOT_HANDLED, actor=Actor.chatbot(), reason=outcome.reason)
    return interaction


def record_bot_answer_feedback(*, ticket_id, solved: bool, customer_email: str | None = None) -> ChatbotInteraction:
    """The customer's answer to "did this solve it?". A "no" is a failed deflection and reopens
    the ticket for a person, with the bot's attempt on it."""
    from tickets.services.locks import ticket_for_update
    from tickets.services.notify import broadcast_ticket_change
    from tickets.services.status import apply_status

    with transaction.atomic():
        ticket = ticket_for_update(ticket_id)
        if customer_email and customer_email.strip().lower() != ticket.customer.email:
            raise ApplicationError(gettext("This ticket belongs to another customer."), field="customer_email")
        interaction = ticket.chatbot_interactions.filter(resolved=True).order_by("-created_at").first()
        if interaction is None:
            raise ApplicationError(gettext("The bot did not answer this ticket, so there is nothing to confirm."), field="solved")
        if interaction.customer_confirmed is not None:
            raise ApplicationError(
                gettext("The customer already said whether the bot's answer solved this ticket."), field="solved"
            )
        interaction.customer_confirmed = solved
        interaction.save(update_fields=["customer_confirmed"])
        customer = Actor(type=ActorType.CUSTOMER, label=ticket.customer.email)
        record_ticket_event(
            ticket=ticket,
            kind=EventKind.FEEDBACK,
            actor=customer,
            reason="The customer said the bot's answer solved the problem."
            if solved
            else "The customer said the bot's answer did not solve the problem.",
            data={"bot_answer_solved": solved, "interaction": interaction.pk},
        )
        if not solved:
            fail_deflection(ticket_id=ticket.pk, reason="The customer said the answer did not solve the problem.")
            if ticket.status == Status.CHATBOT_HANDLED:
                apply_status(
                    ticket,
                    new_status=Status.OPEN,
                    actor=customer,
                    reason="Reopened for a person: the bot's answer did not solve it (the attempt is on the ticket).",
                )
                _assign_after_reopen(ticket)
            broadcast_ticket_change(ticket)
    interaction.refresh_from_db()
    return interaction


def _assign_after_reopen(ticket: Ticket) -> None:
    from agents.services import auto_assign_ticket

    if ticket.department_id and ticket.assigned_agent_id is None:
        auto_assign_ticket(ticket, department=ticket.department, specialties=(), seniority=(), actor=Actor.system("assigner"))
