"""The analytics figures against hand-computed fixtures: a fixed clock, tickets placed at known
moments, and the expected numbers worked out in the comments. Runs on SQLite and PostgreSQL
(the medians use percentile_cont there and Python here; both must agree with the hand figures)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analytics import selectors
from analytics.engine import stats
from analytics.selectors import Filters
from chatbot.models import ChatbotInteraction
from sla.models import TicketSLA
from tickets.models import Feedback, Ticket

UTC = ZoneInfo("UTC")
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # 13:00 in Madrid (CET, +1)


def place(ticket: Ticket, *, created: datetime, first: datetime | None = None, resolved: datetime | None = None, **fields) -> Ticket:
    Ticket.objects.filter(pk=ticket.pk).update(created_at=created, first_response_at=first, resolved_at=resolved, **fields)
    ticket.refresh_from_db()
    return ticket


# -- pure helpers ---------------------------------------------------------------------------------
def test_percentile_interpolates_like_percentile_cont():
    assert stats.percentile([], 0.5) is None
    assert stats.percentile([7], 0.9) == 7
    assert stats.percentile([10, 20, 30, 100], 0.5) == 25
    assert stats.percentile([10, 20, 30, 100], 0.9) == pytest.approx(79.0)  # rank 2.7: 30 + 0.7 × 70


def test_nps_and_rates():
    assert stats.nps_score(0, 0, 0) is None
    assert stats.nps_score(2, 1, 1) == 25.0
    assert stats.rate(1, 3) == 0.3333 and stats.rate(1, 0) is None
    assert stats.change_pct(3, 1) == 200.0 and stats.change_pct(3, 0) is None


def test_hour_buckets_follow_the_local_clock():
    period = stats.rolling_period("24h", now=NOW, tz=MADRID)
    starts = stats.bucket_starts(period)
    assert len(starts) == 24
    assert starts[0] == datetime(2026, 3, 9, 13, 0, tzinfo=MADRID) and starts[-1] == datetime(2026, 3, 10, 12, 0, tzinfo=MADRID)


def test_calendar_week_across_the_spring_clock_change():
    # Monday 30 March 2026, 10:00 in Madrid; the week before contains the change on Sunday 29 March.
    week = stats.calendar_week(now=datetime(2026, 3, 30, 8, 0, tzinfo=UTC), tz=MADRID)
    assert week.start == datetime(2026, 3, 23, tzinfo=MADRID) and week.end == datetime(2026, 3, 30, tzinfo=MADRID)
    assert week.end.astimezone(UTC) - week.start.astimezone(UTC) == timedelta(days=7) - timedelta(hours=1)  # 167 real hours
    assert [start.day for start in stats.bucket_starts(week)] == [23, 24, 25, 26, 27, 28, 29]


def test_calendar_month_and_the_one_before():
    month = stats.calendar_month(now=datetime(2026, 1, 1, 8, 0, tzinfo=UTC), tz=MADRID)
    assert (month.start, month.end) == (datetime(2025, 12, 1, tzinfo=MADRID), datetime(2026, 1, 1, tzinfo=MADRID))


# -- the figures ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_empty_desk_gives_zeros_and_nones_not_errors():
    data = selectors.dashboard(period="24h", now=NOW, tz=MADRID)
    assert data["volume"]["total"] == 0 and data["volume"]["change_pct"] is None
    assert len(data["volume"]["series"]) == 24 and {bucket["count"] for bucket in data["volume"]["series"]} == {0}
    assert data["chatbot"]["resolution_rate"] is None and data["first_response"]["median_minutes"] is None
    assert data["resolution"]["count"] == 0 and data["first_contact_resolution"]["rate"] is None
    assert data["sla"]["compliance_rate"] is None and data["sla"]["at_risk"] == []
    assert data["csat"]["mean"] is None and data["nps"]["score"] is None
    assert data["top_categories"] == [] and data["recent_feedback"] == [] and data["backlog"]["oldest_minutes"] is None


@pytest.mark.django_db
def test_volume_per_local_hour_against_the_previous_period(make_ticket):
    for moment in (datetime(2026, 3, 10, 9, 30, tzinfo=UTC), datetime(2026, 3, 10, 9, 45, tzinfo=UTC),
                   datetime(2026, 3, 10, 11, 10, tzinfo=UTC)):
        place(make_ticket(source="email", priority="high"), created=moment)
    place(make_ticket(), created=datetime(2026, 3, 9, 10, 0, tzinfo=UTC))  # the 24 h before
    place(make_ticket(), created=datetime(2026, 3, 10, 12, 0, tzinfo=UTC))  # now: outside [start, end)

    volume = selectors.volume(stats.rolling_period("24h", now=NOW, tz=MADRID), Filters())

    assert (volume["total"], volume["previous_total"], volume["change_pct"]) == (3, 1, 200.0)
    counts = {bucket["start"]: bucket["count"] for bucket in volume["series"] if bucket["count"]}
    assert counts == {"2026-03-10T10:00:00+01:00": 2, "2026-03-10T12:00:00+01:00": 1}  # 09:30 and 09:45 UTC are 10:xx in Madrid
    assert volume["by_source"] == {"email": 3} and volume["by_priority"]["high"] == 3 and volume["by_priority"]["critical"] == 0


@pytest.mark.django_db
def test_days_are_local_days(make_ticket):
    place(make_ticket(), created=datetime(2026, 3, 9, 23, 30, tzinfo=UTC))  # 10 March 00:30 in Madrid
    madrid = selectors.volume(stats.rolling_period("7d", now=NOW, tz=MADRID), Filters())["series"]
    utc = selectors.volume(stats.rolling_period("7d", now=NOW, tz=UTC), Filters())["series"]
    assert [bucket["start"][:10] for bucket in madrid if bucket["count"]] == ["2026-03-10"]
    assert [bucket["start"][:10] for bucket in utc if bucket["count"]] == ["2026-03-09"]
    assert len(madrid) == 8  # 3 March 13:00 → 10 March 13:00 touches eight local days


@pytest.mark.django_db
def test_first_response_mean_median_p90(make_ticket):
    start = NOW - timedelta(hours=5)
    for minutes in (10, 20, 30, 100):
        place(make_ticket(), created=start, first=start + timedelta(minutes=minutes))
    place(make_ticket(), created=start - timedelta(days=3), first=start - timedelta(days=2))  # answered before the period

    summary = selectors.first_response(stats.rolling_period("24h", now=NOW, tz=MADRID), Filters())

    assert summary == {"count": 4, "mean_minutes": 40.0, "median_minutes": 25.0, "p90_minutes": 79.0}


@pytest.mark.django_db
def test_resolution_and_first_contact_resolution(make_ticket, technical_agent):
    start = NOW - timedelta(hours=6)
    for minutes, reopens in ((60, 0), (120, 0), (240, 1)):
        place(make_ticket(status="resolved", assigned_agent=technical_agent), created=start, resolved=start + timedelta(minutes=minutes),
              reopen_count=reopens)
    place(make_ticket(status="closed", assigned_agent=None), created=start, resolved=start + timedelta(minutes=5))  # no person: not counted
    escalated = place(make_ticket(status="resolved", assigned_agent=technical_agent, escalation_level=1), created=start,
                      resolved=start + timedelta(minutes=90))
    period = stats.rolling_period("24h", now=NOW, tz=MADRID)

    resolution = selectors.resolution(period, Filters())
    fcr = selectors.first_contact_resolution(period, Filters())

    # 60, 90, 120, 240 → mean 127.5, median 105, p90 rank 2.7 → 120 + 0.7 × 120 = 204
    assert resolution == {"count": 4, "resolved": 4, "mean_minutes": 127.5, "median_minutes": 105.0, "p90_minutes": 204.0}
    assert fcr == {"resolved": 4, "first_contact": 2, "rate": 0.5}  # the reopened one and the escalated one do not count
    assert escalated.escalation_level == 1


@pytest.mark.django_db
def test_chatbot_resolution_and_deflection(make_ticket):
    created = NOW - timedelta(hours=2)
    held = place(make_ticket(status="chatbot_handled"), created=created)
    came_back = place(make_ticket(status="open"), created=created)
    declined = place(make_ticket(status="open"), created=created)
    place(make_ticket(status="open"), created=created)  # never tried
    for ticket, resolved, deflection in ((held, True, "deflected"), (came_back, True, "failed"), (declined, False, "")):
        ChatbotInteraction.objects.create(ticket=ticket, query="q", confidence=0.8 if resolved else 0.3, resolved=resolved,
                                          deflection=deflection)

    bot = selectors.chatbot(stats.rolling_period("24h", now=NOW, tz=MADRID), Filters())

    assert (bot["tickets"], bot["attempted"], bot["answered"], bot["resolution_rate"]) == (4, 3, 2, 0.5)
    assert (bot["deflected"], bot["failed"], bot["pending"], bot["deflection_rate"]) == (1, 1, 0, 0.5)
    assert bot["mean_confidence"] == pytest.approx(0.6333, abs=1e-4)
    days = selectors.chatbot_daily(stats.rolling_period("7d", now=NOW, tz=MADRID), Filters())
    assert len(days) == 8 and days[0]["day"].isoformat() == "2026-03-10"  # newest first
    assert {k: days[0][k] for k in ("tickets", "answered", "resolution_rate", "deflected", "failed")} == {
        "tickets": 4, "answered": 2, "resolution_rate": 0.5, "deflected": 1, "failed": 1}
    assert sum(day["tickets"] for day in days[1:]) == 0 and days[1]["mean_confidence"] is None


@pytest.mark.django_db
def test_csat_nps_and_recent_feedback(make_ticket, customer):
    for satisfaction, nps, hours_ago in ((5, 10, 1), (4, 8, 2), (2, 3, 3), (1, 0, 30)):
        ticket = make_ticket(status="resolved")
        answer = Feedback.objects.create(ticket=ticket, customer=customer, satisfaction=satisfaction, nps=nps, comment=f"s{satisfaction}")
        Feedback.objects.filter(pk=answer.pk).update(created_at=NOW - timedelta(hours=hours_ago))
    period = stats.rolling_period("24h", now=NOW, tz=MADRID)

    csat, nps = selectors.csat(period, Filters()), selectors.nps(period, Filters())

    assert csat == {"responses": 3, "mean": 3.67, "satisfied_rate": 0.6667, "distribution": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}}
    assert nps == {"responses": 3, "score": 0.0, "promoters": 1, "passives": 1, "detractors": 1}
    assert [item["comment"] for item in selectors.recent_feedback(period, Filters())] == ["s5", "s4", "s2"]


@pytest.mark.django_db
def test_sla_compliance_and_tickets_at_risk(make_ticket):
    start = NOW - timedelta(hours=8)

    def clock(ticket, state, *, first_due, resolution_due):
        return TicketSLA.objects.create(ticket=ticket, policy_name="p", first_response_minutes=60, resolution_minutes=480,
                                        started_at=start, first_response_due_at=first_due, resolution_due_at=resolution_due, state=state)

    for state in ("met", "met", "missed"):
        ticket = place(make_ticket(status="resolved"), created=start, first=start + timedelta(minutes=30), resolved=NOW - timedelta(hours=1))
        clock(ticket, state, first_due=start + timedelta(minutes=45), resolution_due=start + timedelta(hours=8))
    late = place(make_ticket(status="open", priority="urgent"), created=start, first=start + timedelta(minutes=90))
    clock(late, "breached", first_due=start + timedelta(minutes=60), resolution_due=NOW + timedelta(minutes=30))
    waiting = place(make_ticket(status="open"), created=NOW - timedelta(minutes=50))
    clock(waiting, "at_risk", first_due=NOW + timedelta(minutes=10), resolution_due=NOW + timedelta(hours=7))

    sla = selectors.sla(stats.rolling_period("24h", now=NOW, tz=MADRID), Filters(), now=NOW)

    assert (sla["met"], sla["missed"], sla["compliance_rate"]) == (2, 1, 0.6667)
    assert sla["first_response_compliance_rate"] == 0.75  # three within 45 min, the late one at 90 min past a 60 min target
    assert (sla["breached_now"], sla["at_risk_now"]) == (1, 1)
    assert [(row["pk"], row["target"], row["minutes_left"]) for row in sla["at_risk"]] == [(late.pk, "resolution", 30.0), (waiting.pk, "first_response", 10.0)]


@pytest.mark.django_db
def test_agent_workload_utilisation_and_filters(make_ticket, make_agent):
    busy, idle = make_agent("technical", capacity=4), make_agent("billing", capacity=5)
    for _ in range(3):
        make_ticket(status="in_progress", assigned_agent=busy)
    place(make_ticket(status="resolved", assigned_agent=busy), created=NOW - timedelta(hours=3), resolved=NOW - timedelta(hours=1))
    place(make_ticket(department="billing", category="billing"), created=NOW - timedelta(hours=1))
    period = stats.rolling_period("24h", now=NOW, tz=MADRID)

    team = selectors.agents(period, Filters())
    rows = {row["id"]: row for row in team["workload"]}

    assert (rows[busy.pk]["active"], rows[busy.pk]["utilisation"], rows[busy.pk]["resolved"]) == (3, 0.75, 1)
    assert rows[busy.pk]["mean_resolution_minutes"] == 120.0
    assert (rows[idle.pk]["active"], rows[idle.pk]["utilisation"]) == (0, 0.0)
    assert team["utilisation"] == round(3 / 9, 4) and [row["id"] for row in team["top"]] == [busy.pk]
    assert [row["id"] for row in selectors.agents(period, Filters(department="billing"))["workload"]] == [idle.pk]
    assert selectors.volume(period, Filters(department="billing"))["total"] == 1
    assert selectors.top_categories(period, Filters(category="billing"))[0]["category"] == "billing"


@pytest.mark.django_db
def test_backlog_by_priority_and_age(make_ticket):
    for priority, hours in (("critical", 0.5), ("high", 2), ("high", 30), ("low", 100)):
        place(make_ticket(status="open", priority=priority), created=NOW - timedelta(hours=hours))
    place(make_ticket(status="resolved"), created=NOW - timedelta(hours=1))

    backlog = selectors.backlog(Filters(), now=NOW)

    assert backlog["total"] == 4 and backlog["by_priority"] == {"critical": 1, "urgent": 0, "high": 2, "medium": 0, "low": 1}
    assert backlog["by_age"] == {"lt_1h": 1, "1h_4h": 1, "4h_24h": 0, "1d_3d": 1, "gt_3d": 1}
    assert backlog["oldest_minutes"] == 6000.0
