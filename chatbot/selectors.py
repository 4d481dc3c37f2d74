"""Read-side queries for the bot: A/B results and knowledge-base health."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, Q, Sum

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
