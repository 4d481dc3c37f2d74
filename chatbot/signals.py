"""Any change to the knowledge base or the scoring settings bumps the index version."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import ChatbotSettings, FAQArticle


@receiver(post_save, sender=FAQArticle, dispatch_uid="chatbot-article-saved")
@receiver(post_delete, sender=FAQArticle, dispatch_uid="chatbot-article-deleted")
@receiver(post_save, sender=ChatbotSettings, dispatch_uid="chatbot-settings-saved")
def knowledge_base_changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    from .knowledge import bump_version

    bump_version()
