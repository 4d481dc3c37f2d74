"""The bot's attempt to answer a ticket from the knowledge base.

The retrieval engine and calibrated confidence arrive with the chatbot issue; until then the
pipeline calls ``attempt_chatbot_answer``, which declines every ticket and says so, so that
every ticket reaches a person.
"""

from __future__ import annotations

from dataclasses import dataclass

from tickets.models import Ticket


@dataclass(frozen=True)
class ChatbotOutcome:
    attempted: bool
    resolved: bool = False
    confidence: float = 0.0
    article_id: str = ""
    reason: str = ""


def attempt_chatbot_answer(ticket: Ticket) -> ChatbotOutcome:
    """Knowledge-base answering is not installed yet: decline, with the reason."""
    return ChatbotOutcome(attempted=False, reason="Knowledge-base answering is not enabled; the ticket goes to an agent.")
