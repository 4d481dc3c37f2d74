"""The 15-minute monitor: take the spec's metrics, raise new alerts once, resolve cleared ones."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from agents.models import Agent
from agents.notify import email_supervisors
from notifications.models import Event
from notifications.services import emit
from tickets.models import Status, Ticket
from tickets.transitions import ACTIVE

from .engine.alerts import AlertSpec, Metrics, Thresholds, evaluate
from .models import Alert, MetricSnapshot

logger = logging.getLogger(__name__)


def collect_metrics(*, now: datetime, thresholds: Thresholds = Thresholds()) -> Metrics:
    active = Ticket.objects.filter(status__in=ACTIVE)
    critical = active.filter(priority="critical")
    unassigned = critical.filter(assigned_agent__isnull=True)
    day = Ticket.objects.filter(created_at__gte=now - timedelta(hours=24))
    totals = day.aggregate(
        total=Count("pk"),
        by_bot=Count("pk", filter=Q(status=Status.CHATBOT_HANDLED) | Q(chatbot_interactions__resolved=True), distinct=True),
    )
    first_response = (
        day.exclude(status=Status.CHATBOT_HANDLED).filter(first_response_at__isnull=False)
        .aggregate(mean=Avg(ExpressionWrapper(F("first_response_at") - F("created_at"), output_field=DurationField())))["mean"]
    )
    utilisation = {
        agent.name: round(agent.active_ticket_count / agent.max_concurrent_tickets, 3)
        for agent in Agent.objects.available().with_active_ticket_count()
        if agent.max_concurrent_tickets
    }
    return Metrics(
        unassigned_critical=unassigned.count(),
        unassigned_critical_over_limit=unassigned.filter(created_at__lte=now - timedelta(minutes=thresholds.critical_unassigned_minutes)).count(),
        critical_open_over_limit=critical.filter(created_at__lte=now - timedelta(hours=thresholds.critical_open_hours)).count(),
        sla_breaches_critical=critical.filter(sla__state="breached").count(),
        tickets_last_24h=totals["total"],
        chatbot_resolution_rate=round(totals["by_bot"] / totals["total"], 4) if totals["total"] else None,
        avg_first_response_minutes=round(first_response.total_seconds() / 60, 1) if first_response is not None else None,
        agent_utilisation=utilisation,
    )


@dataclass
class MonitorReport:
    snapshot: MetricSnapshot
    raised: list
    resolved: list


def run_monitor(*, now: datetime | None = None, thresholds: Thresholds = Thresholds()) -> MonitorReport:
    now = now or timezone.now()
    metrics = collect_metrics(now=now, thresholds=thresholds)
    wanted = {spec.key: spec for spec in evaluate(metrics, thresholds)}
    raised, resolved = [], []
    with transaction.atomic():
        snapshot = MetricSnapshot.objects.create(
            taken_at=now, unassigned_critical=metrics.unassigned_critical, critical_open_over_limit=metrics.critical_open_over_limit,
            sla_breaches_critical=metrics.sla_breaches_critical, tickets_last_24h=metrics.tickets_last_24h,
            chatbot_resolution_rate=metrics.chatbot_resolution_rate, avg_first_response_minutes=metrics.avg_first_response_minutes,
            agent_utilisation=metrics.agent_utilisation,
        )
        open_alerts = {alert.key: alert for alert in Alert.objects.select_for_update().filter(resolved_at__isnull=True)}
        for key, alert in open_alerts.items():
            if key in wanted:
                alert.last_seen_at, alert.message = now, wanted[key].message
                alert.save(update_fields=["last_seen_at", "message"])
            else:
                alert.resolved_at, alert.resolved_by = now, "monitor (condition cleared)"
                alert.save(update_fields=["resolved_at", "resolved_by"])
                resolved.append(alert)
        for key, spec in wanted.items():
            if key not in open_alerts:
                alert = _raise(spec, now)
                raised.append(alert)
                if alert is not None:
                    emit(Event.ALERT_RAISED, data={"kind": alert.kind, "severity": alert.severity, "message": alert.message},
                         summary=f"[{alert.severity.upper()}] {alert.message}", occurrence=str(alert.pk))
    for alert in raised:
        if alert is not None:
            transaction.on_commit(lambda alert=alert: _notify(alert.pk))
    return MonitorReport(snapshot, [a for a in raised if a is not None], resolved)


def _raise(spec: AlertSpec, now: datetime) -> Alert | None:
    try:
        with transaction.atomic():
            return Alert.objects.create(key=spec.key, kind=spec.kind, severity=spec.severity, message=spec.message,
                                        raised_at=now, last_seen_at=now)
    except IntegrityError:  # another monitor run raised it a moment ago
        return None


def _notify(alert_pk: int) -> None:
    alert = Alert.objects.get(pk=alert_pk)
    link = f"{settings.SUPPORT_BASE_URL.rstrip('/')}/admin/analytics/alert/{alert.pk}/change/"
    sent = email_supervisors(subject=f"[{alert.severity.upper()}] {alert.message}", body=f"{alert.message}\n\n{link}\n")
    Alert.objects.filter(pk=alert.pk).update(notified=F("notified") + sent)


def acknowledge_alerts(*, alert_ids, user) -> int:
    return Alert.objects.filter(pk__in=alert_ids, acknowledged_at__isnull=True).update(acknowledged_at=timezone.now(), acknowledged_by=user)


def resolve_alerts(*, alert_ids, user) -> int:
    return Alert.objects.filter(pk__in=alert_ids, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=user.get_username()
    )
