"""Telling supervisors: by e-mail for now (the notification channels of #5 will add Slack,
Teams and webhooks behind the same call)."""

from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django.core.mail import send_mail

from .roles import SUPERVISORS_GROUP

logger = logging.getLogger(__name__)


def supervisor_emails() -> list[str]:
    return list(
        User.objects.filter(groups__name=SUPERVISORS_GROUP, is_active=True).exclude(email="").values_list("email", flat=True).distinct()
    )


def email_supervisors(*, subject: str, body: str) -> int:
    """Best effort: returns how many messages went out (0 when nobody to tell or mail failed)."""
    recipients = supervisor_emails()
    if not recipients:
        return 0
    try:
        return send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)
    except Exception as exc:  # the caller has recorded what happened; mail must not undo it
        logger.warning("could not e-mail supervisors (%s): %s", subject, exc)
        return 0
