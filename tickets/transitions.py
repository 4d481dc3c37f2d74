"""Which status moves a ticket may make. Pure: no Django imports, so the rules are testable alone.

received ──► chatbot_handled ──► resolved ──► closed
   │               │  ▲              │
   ▼               ▼  │ (reopen)     ▼ (reopen)
  open ◄──► in_progress ◄──► pending
"""

from __future__ import annotations

ALLOWED: dict[str, frozenset[str]] = {
    "received": frozenset({"chatbot_handled", "open", "in_progress", "closed"}),
    "chatbot_handled": frozenset({"open", "resolved", "closed"}),
    "open": frozenset({"in_progress", "pending", "resolved", "closed"}),
    "in_progress": frozenset({"open", "pending", "resolved", "closed"}),
    "pending": frozenset({"open", "in_progress", "resolved", "closed"}),
    "resolved": frozenset({"open", "closed"}),
    "closed": frozenset(),
}

#: Statuses in which a ticket still needs a person.
ACTIVE = frozenset({"open", "in_progress", "pending"})


def can_transition(old: str, new: str) -> bool:
    return new in ALLOWED.get(old, frozenset())


def transition_error(old: str, new: str) -> str | None:
    """None when the move is allowed, else a sentence saying why not and what is allowed."""
    if old == new:
        return f"The ticket is already '{new}'."
    if new not in ALLOWED:
        return f"Unknown status '{new}'."
    if can_transition(old, new):
        return None
    options = ", ".join(sorted(ALLOWED.get(old, ()))) or "none (closed tickets are final)"
    return f"A ticket cannot go from '{old}' to '{new}'. From '{old}' it can go to: {options}."
