"""The 15-minute monitor: metrics, alerts raised once, resolved when cleared or by a person."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from agents.models import Agent, Department
from analytics.engine.alerts import Metrics, Thresholds, evaluate
from analytics.models import Alert, MetricSnapshot
from analytics.monitoring import acknowledge_alerts, resolve_alerts, run_monitor
from tickets.models import Customer, Ticket


def test_alert_rules_follow_the_spec():
    quiet = Metrics(tickets_last_24h=5, chatbot_resolution_rate=0.1, avg_first_response_minutes=30, agent_utilisation={"Ana": 0.9})
    assert evaluate(quiet) == []  # too few tickets to judge the bot; 90 % is not above 90 %
    busy = Metrics(unassigned_critical=2, unassigned_critical_over_limit=1, critical_open_over_limit=3, tickets_last_24h=40,
                   chatbot_resolution_rate=0.3, avg_first_response_minutes=75, agent_utilisation={"Ana": 1.0, "Javier": 0.5})
    keys = {alert.key: alert for alert in evaluate(busy)}
    assert set(keys) == {"critical_unassigned", "critical_open", "bot_resolution_low", "agent_utilisation:Ana", "first_response_slow"}
    assert keys["critical_unassigned"].severity == "critical" and "more than 5 minutes" in keys["critical_unassigned"].message
    assert "30%" in keys["bot_resolution_low"].message
    assert evaluate(busy, Thresholds(agent_utilisation_max=1.0)).__len__() == 4


def critical_ticket(minutes_ago: int, **fields) -> Ticket:
    ticket = Ticket.objects.create(customer=Customer.objects.get(email="vip@example.com"), subject="Caído", description="Todo parado",
                                   status="open", priority="critical", department=Department.objects.get(code="technical"), **fields)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    return ticket


@pytest.mark.django_db
def test_a_critical_ticket_waiting_raises_one_alert_until_it_is_assigned(desk, django_capture_on_commit_callbacks):
    ticket = critical_ticket(10)
    with django_capture_on_commit_callbacks(execute=True):
        report = run_monitor()
    assert [a.key for a in report.raised] == ["critical_unassigned"]
    snapshot = MetricSnapshot.objects.latest()
    assert (snapshot.unassigned_critical, snapshot.critical_open_over_limit) == (1, 0)
    assert len(mail.outbox) == 1 and "critical ticket(s) unassigned" in mail.outbox[0].subject
    assert Alert.objects.get().notified == 1
    with django_capture_on_commit_callbacks(execute=True):
        again = run_monitor(now=timezone.now() + timedelta(minutes=15))
    assert again.raised == [] and Alert.objects.count() == 1 and len(mail.outbox) == 1  # raised once
    Ticket.objects.filter(pk=ticket.pk).update(assigned_agent=Agent.objects.get(user__username="javier.morales"))
    cleared = run_monitor(now=timezone.now() + timedelta(minutes=30))
    assert [a.key for a in cleared.resolved] == ["critical_unassigned"]
    alert = Alert.objects.get()
    assert alert.resolved_at is not None and alert.resolved_by == "monitor (condition cleared)"


@pytest.mark.django_db
def test_people_acknowledge_and_resolve_alerts_and_a_recurrence_is_a_new_alert(desk):
    critical_ticket(60 * 25)
    run_monitor()
    alert = Alert.objects.get(key="critical_open")
    supervisor = User.objects.get(username="ana.garcia")
    assert acknowledge_alerts(alert_ids=[alert.pk], user=supervisor) == 1
    assert resolve_alerts(alert_ids=[alert.pk], user=supervisor) == 1
    alert.refresh_from_db()
    assert alert.acknowledged_by == supervisor and alert.resolved_by == "ana.garcia"
    run_monitor()  # still true: raised again, as a new alert
    assert Alert.objects.filter(key="critical_open").count() == 2
    assert Alert.objects.filter(key="critical_open", resolved_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_agent_utilisation_is_measured_against_capacity(desk):
    agent = Agent.objects.get(user__username="javier.morales")
    for _ in range(agent.max_concurrent_tickets):
        critical_ticket(1, assigned_agent=agent)
    report = run_monitor()
    assert report.snapshot.agent_utilisation[agent.name] == 1.0
    assert f"agent_utilisation:{agent.name}" in {a.key for a in report.raised}


@pytest.mark.django_db
def test_admin_actions(client, desk):
    critical_ticket(10)
    run_monitor()
    alert = Alert.objects.get()
    client.force_login(User.objects.get(username="ana.garcia"))
    response = client.post("/admin/analytics/alert/", {"action": "acknowledge", "_selected_action": [alert.pk]}, follow=True)
    assert response.status_code == 200 and "1 alert(s) acknowledged" in response.content.decode()
    client.post("/admin/analytics/alert/", {"action": "resolve", "_selected_action": [alert.pk]})
    alert.refresh_from_db()
    assert alert.resolved_by == "ana.garcia"
    client.force_login(User.objects.get(username="javier.morales"))
    assert client.get("/admin/analytics/alert/").status_code == 403  # agents do not see desk-wide alerts
