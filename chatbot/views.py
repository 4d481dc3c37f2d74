"""The public help-centre page of an article: where the bot's answers link to."""

from __future__ import annotations

from django import forms
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from support_site.api.exceptions import ApplicationError
from tickets.models import Ticket

from .models import FAQArticle


def faq_article(request, article_id: str, language: str):
    article = get_object_or_404(FAQArticle, article_id=article_id, language=language, published=True)
    other = FAQArticle.objects.filter(article_id=article_id, published=True).exclude(language=language).only("language", "title")
    with translation.override(language):
        return render(request, "chatbot/faq_article.html", {"article": article, "translations": other})


ANSWER_LINK_MAX_AGE = 60 * 60 * 24 * 30  # links in e-mails work for 30 days


@require_http_methods(["GET", "POST"])
def answer_feedback(request, token: str, answer: str):
    """The "did this solve it?" links of the bot's e-mail. GET only asks (mail scanners open
    links); the button POSTs, and the answer is recorded once."""
    from notifications.services import FEEDBACK_SALT

    from .services import record_bot_answer_feedback

    try:
        ticket_id = signing.loads(token, salt=FEEDBACK_SALT, max_age=ANSWER_LINK_MAX_AGE)
    except signing.BadSignature:
        raise Http404("This link is not valid or has expired.") from None
    ticket = get_object_or_404(Ticket.objects.select_related("customer"), ticket_id=ticket_id)
    solved = answer == "yes"
    language = ticket.language or ticket.customer.language or "es"
    context = {"ticket": ticket, "solved": solved, "answer": answer}
    with translation.override(language):
        if request.method == "POST":
            try:
                record_bot_answer_feedback(ticket_id=ticket.ticket_id, solved=solved)
                context["recorded"] = True
            except ApplicationError as exc:
                context["error"] = exc.message
        return render(request, "chatbot/answer_feedback.html", context)


class SurveyForm(forms.Form):
    satisfaction = forms.TypedChoiceField(label=_("How satisfied are you with how we handled your request?"), coerce=int,
                                          choices=[(i, str(i)) for i in range(1, 6)], widget=forms.RadioSelect)
    nps = forms.TypedChoiceField(label=_("How likely are you to recommend us to a friend (0–10)?"), coerce=int, required=False,
                                 empty_value=None, choices=[("", "—")] + [(i, str(i)) for i in range(11)])
    comment = forms.CharField(label=_("Anything you want to tell us?"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


SURVEY_MAX_AGE = 60 * 60 * 24 * 30


@require_http_methods(["GET", "POST"])
def survey(request, token: str):
    """The satisfaction survey linked from the e-mail; the answer goes through the feedback service."""
    from notifications.services import SURVEY_SALT
    from tickets.services.feedback import record_feedback

    try:
        ticket_id = signing.loads(token, salt=SURVEY_SALT, max_age=SURVEY_MAX_AGE)
    except signing.BadSignature:
        raise Http404("This link is not valid or has expired.") from None
    ticket = get_object_or_404(Ticket.objects.select_related("customer"), ticket_id=ticket_id)
    with translation.override(ticket.language or ticket.customer.language or "es"):
        form = SurveyForm(request.POST or None)
        context = {"ticket": ticket, "form": form}
        if request.method == "POST" and form.is_valid():
            try:
                record_feedback(ticket_id=ticket.ticket_id, satisfaction=form.cleaned_data["satisfaction"],
                                nps=form.cleaned_data["nps"], comment=form.cleaned_data["comment"])
                context["recorded"] = True
            except ApplicationError as exc:
                context["error"] = exc.message
        return render(request, "chatbot/survey.html", context)
