"""Which status moves a ticket may make. Pure: no Django imports, so the rules are testable alone.

received ──► chatbot_handled ──► resolved ──► closed
   │               │  ▲              │
   ▼               ▼  │ (reopen)     ▼ (reopen)
  open ◄──► in_progress ◄──► pending
"""

from __future__ import annotations

from collections.abc import Callable

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


def _identity(text: str) -> str:
    return text


def transition_error(old: str, new: str, _: Callable[[str], str] = _identity) -> str | None:
    """None when the move is allowed, else a sentence saying why not and what is allowed.

    ``_`` translates the sentence (callers pass Django's gettext; the strings are extracted by
    makemessages), so this module stays free of Django."""
    if old == new:
        return _("The ticket is already '%(status)s'.") % {"status": new}
    if new not in ALLOWED:
        return _("Unknown status '%(status)s'.") % {"status": new}
    if can_transition(old, new):
        return None
    options = ", ".join(sorted(ALLOWED.get(old, ()))) or _("none (closed tickets are final)")
    return _("A ticket cannot go from '%(old)s' to '%(new)s'. From '%(old)s' it can go to: %(options)s.") % {
        "old": old, "new": new, "options": options,
    }
