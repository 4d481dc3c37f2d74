"""Read-side queries for the bot: A/B results, knowledge gaps and article effectiveness."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from .engine.index import OUT_OF_SCOPE
from .models import ChatbotInteraction, Deflection, Experiment


def experiment_results(experiment: Experiment) -> list[dict[str, Any]]:
    """Per variant: attempts, answer rate, deflection outcomes, reopen rate, CSAT and LLM cost."""
    rows = (
        ChatbotInteraction.objects.filter(variant__experiment=experiment)
        .values("variant__key", "variant__confidence_threshold", "variant__prompt_version")
        .annotate(
            attempts=Count("pk"),
            answered=Count("pk", filter=Q(resolved=True)),
            deflected=Count("pk", filter=Q(deflection=Deflection.DEFLECTED)),
            failed=Count("pk", filter=Q(deflection=Deflection.FAILED)),
            pending=Count("pk", filter=Q(deflection=Deflection.PENDING)),
            said_no=Count("pk", filter=Q(customer_confirmed=False)),
            csat=Avg("ticket__feedback__satisfaction"),
            csat_answers=Count("ticket__feedback"),
            cost=Sum("cost_usd"),
        )
        .order_by("variant__key")
    )
    results = []
    for row in rows:
        settled = row["deflected"] + row["failed"]
        results.append(
            {
                "variant": row["variant__key"],
                "threshold": row["variant__confidence_threshold"],
                "prompt_version": row["variant__prompt_version"] or "",
                "attempts": row["attempts"],
                "answered": row["answered"],
                "answer_rate": row["answered"] / row["attempts"] if row["attempts"] else None,
                "deflected": row["deflected"],
                "failed": row["failed"],
                "pending": row["pending"],
                "deflection_rate": row["deflected"] / settled if settled else None,
                "reopen_rate": row["failed"] / row["answered"] if row["answered"] else None,
                "csat": round(row["csat"], 2) if row["csat"] is not None else None,
                "csat_answers": row["csat_answers"],
                "cost_usd": row["cost"] or 0,
            }
        )
    return results


def knowledge_gaps(*, days: int = 30, limit: int = 20) -> list[dict[str, Any]]:
    """What customers asked that the bot searched for and could not answer, grouped by the article
    it came closest to: add the phrasings to that article, or write the missing one."""
    since = timezone.now() - timedelta(days=days)
    escalated = (
        ChatbotInteraction.objects.filter(created_at__gte=since, resolved=False)
        .exclude(matched_articles=[])
        .only("query", "matched_articles", "confidence", "created_at")
        .order_by("-created_at")
    )
    groups: dict[str, dict[str, Any]] = {}
    for row in escalated.iterator(chunk_size=500):
        top = (row.matched_articles or [{}])[0]
        key = top.get("article_id") or "—"
        group = groups.setdefault(key, {"article_id": key, "title": top.get("title", ""), "count": 0, "confidence": 0.0, "examples": []})
        group["count"] += 1
        group["confidence"] += row.confidence
        if len(group["examples"]) < 5:
            group["examples"].append(row.query[:200])
    for group in groups.values():
        group["confidence"] = round(group["confidence"] / group["count"], 3)
        group["out_of_scope"] = group["article_id"] == OUT_OF_SCOPE
    return sorted(groups.values(), key=lambda g: -g["count"])[:limit]


def article_effectiveness(*, days: int = 30) -> list[dict[str, Any]]:
    """Per article: answers given, deflected, failed, pending, and the customers' "did it solve it?"."""
    since = timezone.now() - timedelta(days=days)
    rows = (
        ChatbotInteraction.objects.filter(created_at__gte=since, resolved=True, article__isnull=False)
        .values("article__article_id")
        .annotate(
            answers=Count("pk"),
            deflected=Count("pk", filter=Q(deflection=Deflection.DEFLECTED)),
            failed=Count("pk", filter=Q(deflection=Deflection.FAILED)),
            pending=Count("pk", filter=Q(deflection=Deflection.PENDING)),
            said_yes=Count("pk", filter=Q(customer_confirmed=True)),
            said_no=Count("pk", filter=Q(customer_confirmed=False)),
            confidence=Avg("confidence"),
        )
        .order_by("-answers")
    )
    return [
        {**row, "article_id": row.pop("article__article_id"), "confidence": round(row["confidence"] or 0, 3),
         "deflection_rate": row["deflected"] / (row["deflected"] + row["failed"]) if row["deflected"] + row["failed"] else None}
        for row in rows
    ]
