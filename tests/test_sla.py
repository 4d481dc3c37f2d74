"""SLA clocks on real tickets: applied when routed, paused, settled, swept by beat with controlled time."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User

from sla.models import BusinessCalendar, SLAPolicy, TicketSLA
from sla.services import apply_sla, refresh_due_slas
from tests.test_pipeline import submit
from tickets.events import Actor
from tickets.models import Customer, Ticket
from tickets.services.escalation import escalate_ticket
from tickets.services.status import change_ticket_status

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
SYSTEM = Actor.system("test")


def standard_ticket_created_at(created: datetime) -> Ticket:
    """A standard customer's low-priority question, created at a controlled time, under the
    demo 'Standard' policy (8 h / 48 h of Madrid office hours)."""
    customer = Customer.objects.get(email="cliente@example.com")
    ticket = Ticket.objects.create(customer=customer, subject="Pregunta", description="¿Podéis ayudarme con los informes?",
                                   status="open", priority="low", category="general")
    Ticket.objects.filter(pk=ticket.pk).update(created_at=created)
    ticket.refresh_from_db()
    apply_sla(ticket, actor=SYSTEM, now=created)
    return ticket


def test_standard_policy_counts_office_hours(desk):
    ticket = standard_ticket_created_at(datetime(2026, 11, 27, 14, 0, tzinfo=MADRID))  # Friday; the office closes at 15:00
    sla = ticket.sla
    assert sla.policy_name == "Standard" and sla.state == "on_track"
    # 8 working hours: 1 on Friday, 7 on Monday from 09:00
    assert sla.first_response_due_at.astimezone(MADRID) == datetime(2026, 11, 30, 16, 0, tzinfo=MADRID)
    assert sla.next_change_at == sla.first_response_at_risk_at
    event = ticket.events.get(kind="sla", field="sla_policy")
    assert event.new_value == "Standard" and "Madrid office" in event.reason


def test_the_sweep_moves_tickets_at_their_moment_and_only_once(desk):
    ticket = standard_ticket_created_at(datetime(2026, 11, 23, 9, 0, tzinfo=MADRID))  # Monday opening
    sla = ticket.sla
    assert refresh_due_slas(now=sla.first_response_at_risk_at - timedelta(seconds=1)) == 0
    assert refresh_due_slas(now=sla.first_response_at_risk_at) == 1
    sla.refresh_from_db()
    assert sla.state == "at_risk" and sla.next_change_at == sla.first_response_due_at
    assert refresh_due_slas(now=sla.first_response_at_risk_at) == 0  # running it again changes nothing
    assert refresh_due_slas(now=sla.first_response_due_at + timedelta(minutes=1)) == 1
    sla.refresh_from_db()
    assert sla.state == "breached"
    states = list(ticket.events.filter(kind="sla", field="sla_state").values_list("new_value", flat=True))
    assert states == ["at_risk", "breached"]


def test_waiting_on_the_customer_pauses_the_clock(desk):
    from sla.services import sla_after_status_change

    ticket = standard_ticket_created_at(datetime(2026, 11, 23, 9, 0, tzinfo=MADRID))
    due_before = ticket.sla.resolution_due_at
    paused_at = datetime(2026, 11, 23, 10, 0, tzinfo=MADRID)
    Ticket.objects.filter(pk=ticket.pk).update(status="pending")
    ticket.refresh_from_db()
    sla_after_status_change(ticket, old="open", new="pending", actor=SYSTEM, now=paused_at)
    sla = TicketSLA.objects.get(ticket=ticket)
    assert sla.paused_since == paused_at and sla.next_change_at is None
    assert refresh_due_slas(now=datetime(2026, 12, 31, tzinfo=MADRID)) == 0  # a paused clock never breaches
    # The customer answers at 17:00 the same day: 7 working hours later.
    Ticket.objects.filter(pk=ticket.pk).update(status="open")
    ticket.refresh_from_db()
    sla_after_status_change(ticket, old="pending", new="open", actor=SYSTEM, now=datetime(2026, 11, 23, 17, 0, tzinfo=MADRID))
    sla.refresh_from_db()
    assert sla.paused_seconds == 7 * 3600 and sla.paused_since is None
    assert sla.resolution_due_at > due_before
    assert sla.state == "on_track"


def test_a_pending_move_by_an_agent_pauses_and_counts_as_first_response(desk):
    ticket = submit(description="La exportación de informes falla con un error 500")
    agent = User.objects.get(username="javier.morales")
    change_ticket_status(ticket_id=ticket.ticket_id, new_status="pending", actor=Actor.for_user(agent), reason="Asked for a screenshot")
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None and ticket.sla.paused_since is not None


def test_resolution_settles_met_or_missed(desk):
    on_time = standard_ticket_created_at(datetime(2026, 11, 23, 9, 0, tzinfo=MADRID))
    change_ticket_status(ticket_id=on_time.ticket_id, new_status="resolved", actor=SYSTEM)
    on_time.sla.refresh_from_db()
    assert on_time.sla.state in ("met", "missed")  # resolved "now", after the controlled creation time
    late = standard_ticket_created_at(datetime(2020, 1, 6, 9, 0, tzinfo=MADRID))
    change_ticket_status(ticket_id=late.ticket_id, new_status="resolved", actor=SYSTEM)
    late.sla.refresh_from_db()
    assert late.sla.state == "missed" and late.sla.next_change_at is None


def test_escalation_recomputes_the_targets_under_the_new_policy(desk):
    ticket = standard_ticket_created_at(datetime(2026, 11, 23, 9, 0, tzinfo=MADRID))
    Ticket.objects.filter(pk=ticket.pk).update(priority="urgent")
    escalate_ticket(ticket_id=ticket.ticket_id, actor=SYSTEM, reason="Customer called twice")
    sla = TicketSLA.objects.get(ticket=ticket)
    assert sla.policy_name == "Critical" and sla.first_response_minutes == 30
    assert sla.first_response_due_at == sla.started_at + timedelta(minutes=30)  # 24×7


def test_bot_tickets_have_no_sla_until_reopened_for_a_person(desk):
    ticket = submit(description="¿Cómo restablezco mi contraseña?")
    assert ticket.status == "chatbot_handled" and not TicketSLA.objects.filter(ticket=ticket).exists()
    change_ticket_status(ticket_id=ticket.ticket_id, new_status="open", actor=SYSTEM, reason="Customer replied: it did not help")
    assert TicketSLA.objects.get(ticket=ticket).policy_name == "Standard"


def test_an_agents_first_move_is_the_first_response(desk):
    ticket = submit(description="La exportación de informes falla con un error 500", customer_email="enterprise@example.com")
    assert ticket.sla.policy_name == "Enterprise" and ticket.first_response_at is None
    agent = User.objects.get(username="javier.morales")
    change_ticket_status(ticket_id=ticket.ticket_id, new_status="in_progress", actor=Actor.for_user(agent))
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert ticket.sla.state == "on_track" and ticket.sla.next_change_at == ticket.sla.resolution_at_risk_at


def test_invalid_calendar_and_policy_are_refused_with_a_reason(desk):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="ends before it starts"):
        BusinessCalendar(name="Bad", time_zone="UTC", hours={"mon": [["18:00", "09:00"]]}).full_clean()
    with pytest.raises(ValidationError, match="cannot be shorter"):
        SLAPolicy(name="Odd", first_response_minutes=120, resolution_minutes=60).full_clean()
