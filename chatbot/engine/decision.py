"""Answer or escalate: the bot's decision, with its reason in words."""

from __future__ import annotations

from dataclasses import dataclass

from .calibration import Calibrator
from .index import OUT_OF_SCOPE, Retrieval
from .intents import COMPLAINT, GREETING, HUMAN_AGENT, THANKS, URGENT, Intent

SHORT_CIRCUIT_REASONS = {
    HUMAN_AGENT: "The customer asked for a person ('{matched}'); the bot does not try.",
    URGENT: "The message reports an outage or an urgency ('{matched}'); a person takes it now, not an article.",
    COMPLAINT: "The customer is complaining ('{matched}'); a person handles complaints.",
    GREETING: "The message is only a greeting; there is no question for the knowledge base.",
    THANKS: "The message only says thanks; there is no question for the knowledge base.",
}


@dataclass(frozen=True)
class Decision:
    resolve: bool
    confidence: float
    reason: str
    article_key: str = ""
    #: True when retrieval ran (intents may stop it first).
    searched: bool = True


def decide(*, intent: Intent, retrieval: Retrieval | None, calibrator: Calibrator | None, threshold: float) -> Decision:
    if intent.short_circuits:
        reason = SHORT_CIRCUIT_REASONS[intent.name].format(matched=", ".join(intent.matched))
        return Decision(False, 0.0, reason, searched=False)
    if retrieval is None or retrieval.top is None:
        return Decision(False, 0.0, "The knowledge base has no published article to answer from.")
    top = retrieval.top
    if top.key == OUT_OF_SCOPE:
        return Decision(
            False,
            0.0,
            "The message is closest to a question marked as one the bot must not answer; "
            "escalated to a person with the candidates attached.",
        )
    if calibrator is None:
        return Decision(
            False,
            0.0,
            f"Best match '{top.key}', but the knowledge base has too few example questions to calibrate "
            "confidence, so the bot does not answer.",
            top.key,
        )
    if tuple(calibrator.feature_names) != tuple(retrieval.feature_names):
        return Decision(
            False,
            0.0,
            f"Best match '{top.key}', but the calibration was fitted for other encoders; "
            "the bot does not answer until it is refitted.",
            top.key,
        )
    confidence = calibrator.confidence(retrieval.features)
    runner_up = f"; next '{retrieval.candidates[1].key}'" if len(retrieval.candidates) > 1 else ""
    if confidence >= threshold:
        return Decision(
            True,
            confidence,
            f"Answered from '{top.key}' with confidence {confidence:.2f} ≥ threshold {threshold:.2f}{runner_up}.",
            top.key,
        )
    return Decision(
        False,
        confidence,
        f"Best match '{top.key}' has confidence {confidence:.2f} < threshold {threshold:.2f}"
        f"{runner_up}; escalated to a person with the candidates attached.",
        top.key,
    )
