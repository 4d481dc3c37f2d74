"""The bot's answer without a language model: the article itself, in the customer's language."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from .models import FAQArticle


def article_url(article: FAQArticle) -> str:
    return settings.SUPPORT_BASE_URL.rstrip("/") + reverse("chatbot:faq-article", args=[article.article_id, article.language])


def pick_translation(articles: dict, article_id: str, language: str) -> FAQArticle | None:
    """The article in ``language`` when it exists, else English, else any language it has."""
    for lang in (language, "en", "es"):
        if (article_id, lang) in articles:
            return articles[(article_id, lang)]
    return next((a for (key, _lang), a in articles.items() if key == article_id), None)


def _closing(articles: list[FAQArticle], language: str) -> str:
    with translation.override(language):
        links = "\n".join(gettext("Read it online: %(url)s") % {"url": article_url(a)} for a in articles)
        ask = gettext(
            "Did this solve your problem? If it did not, reply to this message and a person from our team will help you."
        )
    return f"{links}\n\n{ask}"


def offline_answer(article: FAQArticle, language: str) -> str:
    """The article itself, with a lead-in, its link and "did this solve it?"."""
    language = language or article.language
    with translation.override(language):
        lead = gettext("Hello! This article from our help centre answers your question:")
    return f"{lead}\n\n{article.title}\n\n{article.content.strip()}\n\n{_closing([article], language)}"


def composed_answer(text: str, cited: list[FAQArticle], language: str) -> str:
    """A language model's answer, followed by the links of the articles it cited."""
    return f"{text.strip()}\n\n{_closing(cited, language)}"
