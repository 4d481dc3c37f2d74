"""The only writer of TicketEvent, and the Actor value every service is given.

Services call ``record_ticket_event`` inside their own transaction, so a change and its
history line are committed together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models import ActorType, EventKind, Ticket, TicketEvent


@dataclass(frozen=True)
class Actor:
    """Who or what made a change."""

    type: str
    user: Any = None
    label: str = ""
    extra: dict = field(default_factory=dict)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(type=ActorType.SYSTEM, label=label)

    @classmethod
    def for_user(cls, user) -> Actor:
        return cls(type=ActorType.AGENT, user=user, label=user.get_full_name() or user.get_username())

    @classmethod
    def rule(cls, name: str) -> Actor:
        return cls(type=ActorType.RULE, label=name)

    @classmethod
    def chatbot(cls, model: str = "retrieval") -> Actor:
        return cls(type=ActorType.CHATBOT, label=model)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


def record_ticket_event(
    *,
    ticket: Ticket,
    kind: str,
    actor: Actor,
    field: str = "",
    old: Any = None,
    new: Any = None,
    reason: str = "",
    data: dict | None = None,
) -> TicketEvent:
    if kind not in EventKind.values:
        raise ValueError(f"Unknown ticket event kind {kind!r}.")
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor_type=actor.type,
        actor_user=actor.user if getattr(actor.user, "pk", None) else None,
        actor_label=actor.label[:150],
        field=field,
        old_value=_text(old),
        new_value=_text(new),
        reason=reason,
        data=data or {},
    )
