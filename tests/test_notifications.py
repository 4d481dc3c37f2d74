"""Customer e-mails: written to an outbox with the change, delivered by a task, once."""

import re

import pytest
from django.core import mail

from chatbot.models import ChatbotInteraction
from notifications.models import EmailTemplate, Notification
from notifications.services import deliver, queue_after_pipeline, resend
from tests.test_pipeline import submit
from tickets.events import Actor
from tickets.services.status import change_ticket_status

pytestmark = pytest.mark.django_db


def sent_for(ticket):
    notification = Notification.objects.get(ticket=ticket)
    assert deliver(notification.pk) == "sent"
    return notification, mail.outbox[-1]


def test_the_bots_answer_is_e_mailed_with_did_this_solve_it_links(desk):
    ticket = submit(description="¿Cómo restablezco mi contraseña?")
    notification, message = sent_for(ticket)
    assert notification.event == "chatbot.resolved" and message.to == ["cliente@example.com"]
    assert message.subject == f"Re: ¿Cómo restablezco mi contraseña? [#{ticket.short_id}]"
    assert "Olvidaste tu contraseña" in message.body and "¿Te ha resuelto el problema?" in message.body
    html = message.alternatives[0][0]
    assert "Sí, me lo ha resuelto" in html and "/help/answer/" in html
    assert deliver(notification.pk) == "sent" and len(mail.outbox) == 1  # a second delivery sends nothing


def test_a_ticket_for_a_person_gets_a_confirmation_once(desk):
    ticket = submit(description="The reports export fails with error 500", customer_email="enterprise@example.com")
    queue_after_pipeline(ticket)  # the step ran again: still one message
    notification, message = sent_for(ticket)
    assert notification.event == "ticket.created" and Notification.objects.filter(ticket=ticket).count() == 1
    assert "We received your request" in message.subject  # in the ticket's language
    assert "A person from our team will answer it." in message.body


def test_resolution_e_mail_and_a_supervisors_template(desk):
    EmailTemplate.objects.create(event="ticket.resolved", language="es", subject="Listo: {{ subject }}",
                                 body_text="Hola {{ customer_name }}, ya está. Ref. {{ reference }}")
    ticket = submit(description="La exportación de informes falla con un error 500")
    change_ticket_status(ticket_id=ticket.ticket_id, new_status="resolved", actor=Actor.system("test"))
    notification = Notification.objects.get(ticket=ticket, event="ticket.resolved")
    deliver(notification.pk)
    assert mail.outbox[-1].subject == "Listo: La exportación de informes falla con un error 500"
    assert mail.outbox[-1].body.startswith("Hola Juan Pérez, ya está.")


def test_a_failing_mail_server_is_retried_then_left_for_the_admin(desk, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens there
    ticket = submit(description="¿Cómo restablezco mi contraseña?")
    notification = Notification.objects.get(ticket=ticket)
    for _ in range(4):
        assert deliver(notification.pk) == "pending"
    assert deliver(notification.pk) == "failed"
    notification.refresh_from_db()
    assert notification.attempts == 5 and "ConnectionRefusedError" in notification.last_error
    assert resend([notification.pk]) == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver(notification.pk) == "sent"


def test_the_no_link_asks_first_then_hands_the_ticket_to_a_person(client, desk):
    ticket = submit(description="¿Cómo restablezco mi contraseña?")
    _, message = sent_for(ticket)
    no_url = re.search(r"https?://\S+/help/answer/\S+/no/", message.body).group(0)
    path = no_url.split("localhost:8000", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and "No, necesito una persona" in page.content.decode()
    assert ChatbotInteraction.objects.get(ticket=ticket).customer_confirmed is None  # a GET changes nothing
    done = client.post(path)
    assert "Una persona de nuestro equipo te responderá" in done.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "open" and ChatbotInteraction.objects.get(ticket=ticket).deflection == "failed"
    assert "Ya tenemos tu respuesta" in client.post(path).content.decode()
    assert client.get("/help/answer/forged-token/no/").status_code == 404


def test_an_agent_taking_the_ticket_later_is_announced_but_not_during_intake(desk):
    from agents.models import Agent
    from agents.services import assign_ticket

    vip = submit(subject="URGENTE: Sistema caído", description="El sistema no funciona", customer_email="vip@example.com", source="phone")
    assert vip.assigned_agent is not None  # auto-assigned during intake: the confirmation names the agent
    assert list(Notification.objects.filter(ticket=vip, channel="email").values_list("event", flat=True)) == ["ticket.created"]
    confirmation = Notification.objects.get(ticket=vip)
    assert vip.assigned_agent.name in confirmation.body_text
    ticket = submit(description="La exportación de informes falla con un error 500")
    agent = Agent.objects.filter(department__code="technical").exclude(pk=ticket.assigned_agent_id).first()
    assign_ticket(ticket_id=ticket.ticket_id, agent_id=agent.pk, actor=Actor.system("test"))
    assigned = Notification.objects.get(ticket=ticket, event="ticket.assigned")
    assert assigned.subject.startswith(f"{agent.name} se está ocupando de tu solicitud")


def test_the_sweep_sends_what_a_lost_task_left_behind(desk):
    from datetime import timedelta

    from django.utils import timezone

    from notifications.services import retry_pending

    ticket = submit(description="¿Cómo restablezco mi contraseña?")
    assert retry_pending() == 0  # just queued: its own task will send it
    Notification.objects.filter(ticket=ticket).update(created_at=timezone.now() - timedelta(minutes=11))
    assert retry_pending() == 1 and Notification.objects.get(ticket=ticket).status == "sent"
    assert retry_pending() == 0
