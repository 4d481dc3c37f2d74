"""Business-time clocks, policy matching and SLA states: pure, no database."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.engine.clock import ALWAYS_OPEN, Calendar, CalendarError, add_business_time, business_time_between, calendar_from_config
from sla.engine.policy import PolicySpec, match_policy
from sla.engine.state import AT_RISK, BREACHED, MET, MISSED, ON_TRACK, Targets, next_change, sla_state

MADRID = ZoneInfo("Europe/Madrid")
OFFICE = calendar_from_config(
    time_zone="Europe/Madrid",
    hours={"mon": [["09:00", "14:00"], ["15:00", "18:00"]], "tue": [["09:00", "18:00"]], "wed": [["09:00", "18:00"]],
           "thu": [["09:00", "18:00"]], "fri": [["09:00", "15:00"]]},
    holidays=["2026-12-25"],
)


def madrid(*args) -> datetime:
    return datetime(*args, tzinfo=MADRID)


def test_always_open_is_plain_arithmetic():
    start = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert add_business_time(start, timedelta(hours=5), ALWAYS_OPEN) == start + timedelta(hours=5)
    assert business_time_between(start, start + timedelta(days=2), ALWAYS_OPEN) == timedelta(days=2)


def test_within_one_working_day_and_across_the_lunch_break():
    assert add_business_time(madrid(2026, 11, 23, 10, 0), timedelta(hours=3), OFFICE) == madrid(2026, 11, 23, 13, 0)
    assert add_business_time(madrid(2026, 11, 23, 13, 0), timedelta(hours=2), OFFICE) == madrid(2026, 11, 23, 16, 0)
    assert business_time_between(madrid(2026, 11, 23, 13, 0), madrid(2026, 11, 23, 16, 0), OFFICE) == timedelta(hours=2)


def test_outside_hours_starts_at_the_next_opening_and_skips_the_weekend():
    # Friday 14:00 with 3 h to go: 1 h on Friday (closes 15:00), then Monday 09:00 + 2 h
    assert add_business_time(madrid(2026, 11, 27, 14, 0), timedelta(hours=3), OFFICE) == madrid(2026, 11, 30, 11, 0)
    # Saturday night counts from Monday's opening
    assert add_business_time(madrid(2026, 11, 28, 23, 0), timedelta(minutes=30), OFFICE) == madrid(2026, 11, 30, 9, 30)
    assert business_time_between(madrid(2026, 11, 27, 14, 0), madrid(2026, 11, 30, 11, 0), OFFICE) == timedelta(hours=3)


def test_holidays_have_no_working_time():
    # Thursday 24 Dec 17:00 + 2 h: 1 h on the 24th, Friday 25th is a holiday, then Monday 28th 09:00 + 1 h
    assert add_business_time(madrid(2026, 12, 24, 17, 0), timedelta(hours=2), OFFICE) == madrid(2026, 12, 28, 10, 0)


def test_daylight_saving_changes_are_real_hours():
    night = Calendar(time_zone="Europe/Madrid", hours={6: ((time(0, 0), time(12, 0)),)})  # Sundays 00:00–12:00
    spring = madrid(2027, 3, 28, 0, 0)  # clocks go 02:00 → 03:00 that night
    autumn = madrid(2026, 10, 25, 0, 0)  # clocks go 03:00 → 02:00
    assert business_time_between(spring, spring + timedelta(days=1), night) == timedelta(hours=11)
    assert business_time_between(autumn, autumn + timedelta(days=1), night) == timedelta(hours=13)
    assert add_business_time(spring, timedelta(hours=11), night).astimezone(MADRID) == madrid(2027, 3, 28, 12, 0)


def test_the_same_hours_in_another_time_zone_are_other_instants():
    mexico = calendar_from_config(time_zone="America/Mexico_City", hours={"mon": [["09:00", "18:00"]]})
    start = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Madrid, 02:00 in Mexico City
    assert add_business_time(start, timedelta(hours=1), OFFICE) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert add_business_time(start, timedelta(hours=1), mexico) == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"time_zone": "Mars/Olympus", "hours": {"mon": [["09:00", "18:00"]]}}, "Unknown time zone"),
        ({"time_zone": "UTC", "hours": {"monday": [["09:00", "18:00"]]}}, "Unknown weekday 'monday'"),
        ({"time_zone": "UTC", "hours": {"mon": [["18:00", "09:00"]]}}, "ends before it starts"),
        ({"time_zone": "UTC", "hours": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "overlap"),
        ({"time_zone": "UTC", "hours": {"mon": [["9am", "6pm"]]}}, "pairs like"),
        ({"time_zone": "UTC", "hours": {}}, "at least one weekday"),
        ({"time_zone": "UTC", "hours": {"mon": [["09:00", "18:00"]]}, "holidays": ["25/12/2026"]}, "dates like"),
    ],
)
def test_bad_calendars_say_what_to_fix(config, message):
    with pytest.raises(CalendarError, match=message):
        calendar_from_config(**config)


def test_naive_datetimes_and_negative_budgets_are_refused():
    with pytest.raises(CalendarError, match="timezone-aware"):
        add_business_time(datetime(2026, 1, 1), timedelta(hours=1), OFFICE)
    with pytest.raises(CalendarError, match="negative"):
        add_business_time(madrid(2026, 1, 1), timedelta(hours=-1), OFFICE)


def test_the_most_specific_policy_wins_then_the_lowest_order():
    policies = [
        PolicySpec(1, "Standard", order=100),
        PolicySpec(2, "VIP", tier="vip", order=1),
        PolicySpec(3, "Critical", priority="critical", order=10),
        PolicySpec(4, "VIP billing", tier="vip", category="billing", order=50),
    ]
    assert match_policy(policies, tier="standard", category="technical", priority="low").name == "Standard"
    assert match_policy(policies, tier="vip", category="technical", priority="critical").name == "VIP"
    assert match_policy(policies, tier="standard", category="billing", priority="critical").name == "Critical"
    assert match_policy(policies, tier="vip", category="billing", priority="critical").name == "VIP billing"
    assert match_policy(policies[1:], tier="standard", category="", priority="low") is None


def test_states_through_a_tickets_life():
    t0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    targets = Targets(t0 + timedelta(minutes=60), t0 + timedelta(hours=8), t0 + timedelta(minutes=45), t0 + timedelta(hours=6))

    def at(minutes, **facts):
        facts.setdefault("first_response_at", None)
        facts.setdefault("resolved_at", None)
        return sla_state(targets, now=t0 + timedelta(minutes=minutes), **facts)

    assert at(10) == ON_TRACK and at(50) == AT_RISK and at(61) == BREACHED
    replied = t0 + timedelta(minutes=30)
    assert at(61, first_response_at=replied) == ON_TRACK and at(400, first_response_at=replied) == AT_RISK
    assert at(481, first_response_at=replied) == BREACHED
    assert at(500, first_response_at=replied, resolved_at=t0 + timedelta(hours=7)) == MET
    assert at(500, first_response_at=replied, resolved_at=t0 + timedelta(hours=9)) == MISSED
    assert at(500, first_response_at=t0 + timedelta(minutes=90), resolved_at=t0 + timedelta(hours=7)) == MISSED
    assert at(500, paused_since=t0 + timedelta(minutes=20)) == ON_TRACK  # the clock stopped at minute 20
    assert next_change(targets, now=t0, first_response_at=None, resolved_at=None) == t0 + timedelta(minutes=45)
    assert next_change(targets, now=t0 + timedelta(minutes=61), first_response_at=replied, resolved_at=None) == t0 + timedelta(hours=6)
    assert next_change(targets, now=t0, first_response_at=None, resolved_at=None, paused_since=t0) is None
