"""Outbound webhooks, Slack and Teams: delivered to real local HTTP sinks, signed, retried."""

import json
import time

import pytest

from notifications.admin import WebhookEndpointForm
from notifications.models import Notification, WebhookEndpoint
from notifications.services import deliver, emit, resend
from notifications.signing import signature, verify
from tests.test_pipeline import submit
from tickets.events import Actor
from tickets.services.escalation import escalate_ticket

pytestmark = pytest.mark.django_db


def deliver_all() -> list[str]:
    return [deliver(pk) for pk in Notification.objects.exclude(channel="email").filter(status="pending").values_list("pk", flat=True)]


def test_signed_webhook_the_receiver_can_verify(desk, sink):
    endpoint = WebhookEndpoint.objects.create(name="crm", url=sink.url, events=["ticket.created", "ticket.escalated"])
    ticket = submit(description="The reports export fails with error 500", customer_email="enterprise@example.com")
    assert deliver_all() == ["sent"]
    request = sink.requests[0]
    headers, body = request["headers"], request["body"]
    assert headers["X-Support-Event"] == "ticket.created"
    # the receiver's side: the signature over timestamp.body with the shared secret
    assert verify(endpoint.secret, headers["X-Support-Timestamp"], body, headers["X-Support-Signature"])
    assert not verify("another-secret", headers["X-Support-Timestamp"], body, headers["X-Support-Signature"])
    assert not verify(endpoint.secret, headers["X-Support-Timestamp"], body + b" ", headers["X-Support-Signature"])
    assert not verify(endpoint.secret, "1000", body, signature(endpoint.secret, "1000", body))  # too old: a replay
    payload = json.loads(body)
    assert payload["event"] == "ticket.created" and payload["ticket"]["ticket_id"] == str(ticket.ticket_id)
    assert payload["ticket"]["priority"] == ticket.priority and payload["ticket"]["department"] == "technical"
    # subscribed to escalations too; not to resolutions
    escalate_ticket(ticket_id=ticket.ticket_id, actor=Actor.system("test"), reason="Customer called")
    assert deliver_all() == ["sent"] and json.loads(sink.requests[1]["body"])["event"] == "ticket.escalated"


def test_slack_and_teams_get_a_text_message(desk, sink):
    WebhookEndpoint.objects.create(name="slack", kind="slack", url=sink.url, events=["chatbot.resolved"])
    WebhookEndpoint.objects.create(name="teams", kind="teams", url=sink.url, events=["chatbot.resolved"])
    submit(description="¿Cómo restablezco mi contraseña?")
    assert deliver_all() == ["sent", "sent"]
    texts = [json.loads(r["body"])["text"] for r in sink.requests]
    assert all(text.startswith("chatbot.resolved: #") and "/admin/tickets/ticket/" in text for text in texts)


def test_a_failing_endpoint_is_retried_then_given_up_and_sent_again_from_the_admin(desk, sink):
    WebhookEndpoint.objects.create(name="flaky", url=sink.url)
    sink.status = 503
    emit("alert.raised", data={"message": "test"}, summary="An alert", occurrence="1")
    notification = Notification.objects.get(channel="webhook")
    assert [deliver(notification.pk) for _ in range(5)] == ["pending"] * 4 + ["failed"]
    notification.refresh_from_db()
    assert (notification.response_status, notification.last_error, notification.attempts) == (503, "HTTP 503", 5)
    assert deliver(notification.pk) == "failed" and len(sink.requests) == 5  # given up: no more tries
    sink.status = 200
    assert resend([notification.pk]) == 1 and deliver(notification.pk) == "sent"


def test_a_slow_endpoint_times_out_without_holding_anything(desk, sink, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    WebhookEndpoint.objects.create(name="slow", url=sink.url)
    sink.delay = 2
    emit("alert.raised", summary="An alert", occurrence="2")
    pk = Notification.objects.get(channel="webhook").pk
    started = time.monotonic()
    assert deliver(pk) == "pending" and time.monotonic() - started < 2
    assert "timed out" in Notification.objects.get(pk=pk).last_error
    assert Notification.objects.filter(pk=pk, lease_until__isnull=True).exists()  # the lease is released


def test_endpoint_events_are_validated_and_inactive_endpoints_get_nothing(desk, sink):
    form = WebhookEndpointForm(data={"name": "x", "kind": "webhook", "url": sink.url, "events": "ticket.created\nticket.exploded",
                                     "secret": "s", "is_active": True})
    assert not form.is_valid() and "ticket.exploded" in str(form.errors["events"])
    WebhookEndpoint.objects.create(name="off", url=sink.url, is_active=False)
    assert emit("ticket.created", summary="x") == 0


def test_monitoring_alerts_reach_the_supervisors_channel(desk, sink):
    from analytics.monitoring import run_monitor
    from tests.test_monitoring import critical_ticket

    WebhookEndpoint.objects.create(name="ops", kind="slack", url=sink.url, events=["alert.raised"])
    critical_ticket(10)
    run_monitor()
    assert deliver_all() == ["sent"] and "critical ticket(s) unassigned" in json.loads(sink.requests[0]["body"])["text"]


def test_edits_are_pushed_as_ticket_updated(desk, sink):
    from tickets.services.edit import update_ticket

    WebhookEndpoint.objects.create(name="crm", url=sink.url, events=["ticket.updated"])
    ticket = submit(description="The reports export fails with error 500", customer_email="enterprise@example.com")
    update_ticket(ticket_id=ticket.ticket_id, actor=Actor.system("test"), changes={"priority": "urgent", "tags": ["export"]})
    assert deliver_all() == ["sent"]
    payload = json.loads(sink.requests[0]["body"])
    assert payload["event"] == "ticket.updated" and payload["data"]["fields"] == ["priority", "tags"]
    assert payload["ticket"]["priority"] == "urgent"


def test_sms_and_whatsapp_go_through_twilio(desk, sink, settings):
    import base64
    from urllib.parse import parse_qs

    from django.core.exceptions import ValidationError

    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC123", "secret-token"
    settings.TWILIO_FROM_NUMBER, settings.TWILIO_WHATSAPP_FROM = "+15550001111", "+15550002222"
    settings.TWILIO_API_BASE = sink.url.rsplit("/", 1)[0]
    with pytest.raises(ValidationError, match="international form"):
        WebhookEndpoint(name="bad", kind="sms", phone="600111222").full_clean()
    WebhookEndpoint.objects.create(name="on-call", kind="sms", phone="+34600111222", events=["sla.breached", "alert.raised"])
    WebhookEndpoint.objects.create(name="lead", kind="whatsapp", phone="+34600333444", events=["alert.raised"])
    emit("alert.raised", summary="[CRITICAL] 1 critical ticket(s) unassigned", occurrence="9")
    assert deliver_all() == ["sent", "sent"]
    by_to = {parse_qs(r["body"].decode())["To"][0]: r for r in sink.requests}
    sms, whatsapp = by_to["+34600111222"], by_to["whatsapp:+34600333444"]
    assert sms["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert sms["headers"]["Authorization"] == "Basic " + base64.b64encode(b"AC123:secret-token").decode()
    assert parse_qs(sms["body"].decode())["From"] == ["+15550001111"]
    assert parse_qs(whatsapp["body"].decode())["From"] == ["whatsapp:+15550002222"]
    assert parse_qs(sms["body"].decode())["Body"][0].startswith("[CRITICAL] 1 critical ticket(s) unassigned")
    settings.TWILIO_ACCOUNT_SID = ""
    emit("alert.raised", summary="again", occurrence="10")
    assert set(deliver_all()) == {"pending"}
    assert "Twilio is not configured" in Notification.objects.filter(channel="sms").latest("created_at").last_error
