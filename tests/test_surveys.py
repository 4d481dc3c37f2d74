"""Satisfaction surveys: sent a day after resolution, reminded once, answered on a public page."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import Notification, WebhookEndpoint
from notifications.services import deliver, send_surveys
from tests.test_pipeline import submit
from tickets.events import Actor
from tickets.models import Feedback, Ticket
from tickets.services.status import change_ticket_status

pytestmark = pytest.mark.django_db


def resolved_ticket(hours_ago: float) -> Ticket:
    ticket = submit(description="La exportación de informes falla con un error 500")
    change_ticket_status(ticket_id=ticket.ticket_id, new_status="resolved", actor=Actor.system("test"))
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - timedelta(hours=hours_ago))
    return Ticket.objects.get(pk=ticket.pk)


def survey_link(message) -> str:
    return re.search(r"/help/survey/\S+/", message.body).group(0)


def test_survey_a_day_after_resolution_then_one_reminder(desk):
    recent, due = resolved_ticket(2), resolved_ticket(25)
    assert send_surveys() == (1, 0)
    survey = Notification.objects.get(event="survey")
    assert survey.ticket == due and "¿Qué tal lo hicimos?" in survey.subject
    assert send_surveys() == (0, 0)  # once
    deliver(survey.pk)
    assert "/help/survey/" in mail.outbox[-1].body and not Notification.objects.filter(ticket=recent, event="survey").exists()
    assert send_surveys(now=timezone.now() + timedelta(days=3, minutes=1)) == (1, 1)  # the recent one's turn, and a reminder
    assert Notification.objects.filter(event="survey.reminder", ticket=due).count() == 1
    assert send_surveys(now=timezone.now() + timedelta(days=8)) == (0, 0)


def test_the_public_survey_records_feedback_and_an_unhappy_answer_alerts_supervisors(client, desk, sink, django_capture_on_commit_callbacks):
    WebhookEndpoint.objects.create(name="ops", kind="slack", url=sink.url, events=["feedback.negative"])
    ticket = resolved_ticket(25)
    send_surveys()
    deliver(Notification.objects.get(event="survey").pk)
    path = survey_link(mail.outbox[-1])
    page = client.get(path)
    assert page.status_code == 200 and "¿Qué tal lo hicimos?" in page.content.decode()
    assert client.post(path, {"satisfaction": "9"}).status_code == 200 and not Feedback.objects.exists()  # 1–5 only
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(path, {"satisfaction": "2", "nps": "3", "comment": "Tardasteis mucho"})
    assert "Gracias por contárnoslo" in done.content.decode()
    feedback = Feedback.objects.get(ticket=ticket)
    assert (feedback.satisfaction, feedback.nps, feedback.comment) == (2, 3, "Tardasteis mucho")
    assert any("Unhappy customer: 2/5" in m.subject for m in mail.outbox)  # to the supervisors
    assert Notification.objects.filter(event="feedback.negative", channel="slack").exists()
    assert send_surveys(now=timezone.now() + timedelta(days=4)) == (0, 0)  # answered: no reminder
    assert client.get("/help/survey/forged/").status_code == 404

