"""The public help-centre page of an article: where the bot's answers link to."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.utils import translation

from .models import FAQArticle


def faq_article(request, article_id: str, language: str):
    article = get_object_or_404(FAQArticle, article_id=article_id, language=language, published=True)
    other = FAQArticle.objects.filter(article_id=article_id, published=True).exclude(language=language).only("language", "title")
    with translation.override(language):
        return render(request, "chatbot/faq_article.html", {"article": article, "translations": other})
