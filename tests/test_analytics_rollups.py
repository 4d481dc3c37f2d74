"""Daily rollups change how fast the figures come, never what they are; and the history generator."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from agents.models import Agent
from analytics import selectors
from analytics.models import AgentDailyRollup, DailyRollup, ReportSettings, RollupDay
from analytics.rollups import refresh_rollups, store_days
from analytics.selectors import Filters
from tickets.models import Feedback, Ticket

pytestmark = pytest.mark.django_db

CASES = [("7d", Filters()), ("30d", Filters()), ("30d", Filters(department="billing")), ("30d", Filters(category="technical", priority="high")),
         ("30d", Filters(source="email"))]


def figures(period, filters, now):
    data = selectors.dashboard(period=period, filters=filters, now=now, tz="Europe/Madrid")
    data.pop("generated_at")
    return data


def test_the_dashboard_is_the_same_with_and_without_rollups(desk):
    call_command("generate_demo_history", tickets=1500, days=40, seed=7, no_rollups=True, stdout=io.StringIO())
    assert not RollupDay.objects.exists()
    now = timezone.now()
    live = {(period, filters): figures(period, filters, now) for period, filters in CASES}
    assert live[("30d", Filters())]["volume"]["total"] > 500 and live[("30d", Filters())]["csat"]["responses"] > 20

    result = refresh_rollups(now=now, backfill_limit=100)
    assert result["recent"] == 7 and result["backfilled"] >= 30 and DailyRollup.objects.exists()
    for (period, filters), expected in live.items():
        assert figures(period, filters, now) == expected, (period, filters)
    agent = Agent.objects.first()
    assert figures("30d", Filters(agent=agent.pk), now)["volume"]["total"] == Ticket.objects.filter(
        assigned_agent=agent, created_at__gte=now - timedelta(days=30), created_at__lt=now).count()


def test_a_stale_rollup_is_refreshed_and_another_time_zone_is_ignored(desk):
    call_command("generate_demo_history", tickets=300, days=10, seed=3, no_rollups=True, stdout=io.StringIO())
    now = timezone.now()
    refresh_rollups(now=now)
    before = figures("7d", Filters(), now)
    yesterday = (now - timedelta(days=2)).date()
    ticket = Ticket.objects.filter(created_at__date=yesterday, feedback__isnull=True).first()
    Feedback.objects.create(ticket=ticket, customer=ticket.customer, satisfaction=1, nps=0)
    Feedback.objects.filter(ticket=ticket).update(created_at=now - timedelta(days=2))
    stale = figures("7d", Filters(), now)
    refresh_rollups(now=now)
    fresh = figures("7d", Filters(), now)
    assert stale["csat"] == before["csat"]  # the stored day does not know yet
    assert fresh["csat"]["responses"] == before["csat"]["responses"] + 1
    assert fresh["csat"]["distribution"]["1"] == before["csat"]["distribution"]["1"] + 1

    ReportSettings.objects.update_or_create(pk=1, defaults={"time_zone": "America/Mexico_City"})
    assert figures("7d", Filters(), now)["volume"]["total"] == fresh["volume"]["total"]  # days stored in Madrid are not used
    refresh_rollups(now=now)
    assert set(RollupDay.objects.values_list("time_zone", flat=True)) == {"America/Mexico_City"}


def test_more_history_recomputes_the_days_it_lands_in(desk):
    call_command("generate_demo_history", tickets=300, days=20, seed=1, stdout=io.StringIO())
    now = timezone.now()
    call_command("generate_demo_history", tickets=300, days=20, seed=2, stdout=io.StringIO())
    stored = figures("30d", Filters(), now)
    RollupDay.objects.all().delete()
    assert figures("30d", Filters(), now) == stored and stored["volume"]["total"] == 600


def test_store_days_replaces_a_day(desk):
    call_command("generate_demo_history", tickets=200, days=5, seed=1, stdout=io.StringIO())
    day = (timezone.now() - timedelta(days=2)).date()
    from zoneinfo import ZoneInfo

    first = store_days([day], ZoneInfo("Europe/Madrid"))
    second = store_days([day], ZoneInfo("Europe/Madrid"))
    assert first == second == DailyRollup.objects.filter(day=day).count() + AgentDailyRollup.objects.filter(day=day).count()
    assert DailyRollup.objects.filter(day=day).exists() and AgentDailyRollup.objects.filter(day=day).exists()


def test_history_generator_is_realistic_and_clearable(desk):
    out = io.StringIO()
    call_command("generate_demo_history", tickets=2000, days=60, seed=11, stdout=out)
    generated = Ticket.objects.filter(customer__email__endswith="@history.example")
    assert generated.count() == 2000 and "generated 2,000 tickets" in out.getvalue()
    local_hours = [moment.astimezone(ReportSettings.current().tz).hour for moment in generated.values_list("created_at", flat=True)]
    daytime = sum(1 for hour in local_hours if 9 <= hour < 19)
    assert daytime > 0.6 * len(local_hours)  # busier by day than by night
    assert generated.filter(status="chatbot_handled").count() > 100 and generated.filter(feedback__isnull=False).count() > 100
    assert generated.filter(category="technical").count() > generated.filter(category="security").count()
    open_work = generated.filter(status__in=("open", "in_progress", "pending"))
    assert open_work.count() < 0.1 * 2000  # old tickets are closed
    call_command("generate_demo_history", tickets=0, clear=True, stdout=io.StringIO())
    assert not Ticket.objects.filter(customer__email__endswith="@history.example").exists()


def test_history_generator_needs_a_desk(db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("generate_demo_history", tickets=10)


def test_refresh_rollups_command_recomputes_everything_with_all(desk):
    call_command("generate_demo_history", tickets=200, days=12, seed=4, no_rollups=True, stdout=io.StringIO())
    out = io.StringIO()
    call_command("refresh_rollups", "--all", stdout=out)
    assert "recomputed 7 recent days, filled" in out.getvalue()
    assert RollupDay.objects.count() >= 11  # every closed day back to the oldest ticket
