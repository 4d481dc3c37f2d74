"""Signal receivers wired in ``TicketsConfig.ready``."""

from __future__ import annotations


def ensure_schedules_after_migrate(sender, using, **kwargs) -> None:
    """After every ``migrate``, create beat schedules that do not exist yet (admin edits survive)."""
    from support_site.schedules import ensure_periodic_tasks

    ensure_periodic_tasks()
