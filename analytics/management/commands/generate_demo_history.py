"""Fill the database with a realistic support history, for the dashboard, the reports and benchmarks.

Tickets follow the working week and the working day in the supervisors' time zone (peaks mid-
morning and mid-afternoon, quiet nights and weekends) with a slow growth over the period;
categories, priorities, channels, the bot's share, response and resolution times (log-normal,
faster for urgent work), SLA outcomes, reopenings and satisfaction answers are drawn from
fixed distributions with a seed, so a run is reproducible.

Rows are written in bulk (the per-ticket history lines of a live desk are not generated), and
everything generated belongs to customers at ``@history.example``: ``--clear`` removes exactly that.
"""

from __future__ import annotations

import math
import random
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from agents.models import Agent, Department
from analytics.models import ReportSettings, RollupDay
from analytics.rollups import refresh_rollups
from chatbot.models import ChatbotInteraction
from sla.models import TicketSLA
from tickets.models import Customer, Feedback, Ticket

DOMAIN = "history.example"

CATEGORIES = {"technical": 35, "billing": 25, "account": 15, "general": 12, "sales": 8, "security": 5}
SOURCES = {"email": 34, "web": 26, "chat": 18, "api": 8, "whatsapp": 8, "phone": 5, "social": 1}
PRIORITIES = {  # by category: low, medium, high, urgent, critical
    "technical": (20, 40, 25, 10, 5), "billing": (25, 50, 18, 6, 1), "account": (35, 45, 15, 4, 1),
    "general": (60, 35, 4, 1, 0), "sales": (45, 45, 8, 2, 0), "security": (5, 20, 35, 25, 15),
}
LEVELS = ("low", "medium", "high", "urgent", "critical")
#: Median minutes to a first response and to resolution, by priority.
FIRST_MEDIAN = {"low": 240, "medium": 120, "high": 45, "urgent": 20, "critical": 8}
RESOLVE_MEDIAN = {"low": 1800, "medium": 900, "high": 420, "urgent": 200, "critical": 120}
SLA_MINUTES = {"low": (480, 4320), "medium": (240, 2880), "high": (60, 1440), "urgent": (30, 480), "critical": (15, 240)}
BOT_SHARE = {"technical": 0.22, "billing": 0.30, "account": 0.45, "general": 0.40, "sales": 0.15, "security": 0.05}
WEEKDAY = (1.15, 1.1, 1.05, 1.0, 0.9, 0.35, 0.25)  # Monday … Sunday
HOURLY = (0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.4, 0.8, 1.4, 1.9, 2.1, 2.0, 1.6, 1.3, 1.6, 1.8, 1.7, 1.4, 1.0, 0.8, 0.6, 0.5, 0.35, 0.25)
SUBJECTS = {
    "technical": ("La aplicación da error 500 al exportar", "Cannot log in to the dashboard", "La API devuelve timeouts",
                  "Sync stopped working since yesterday"),
    "billing": ("No puedo descargar mi factura", "Charged twice this month", "Cambio de método de pago", "Refund request"),
    "account": ("Cambiar el correo de mi cuenta", "How do I add a user?", "Quiero cerrar mi cuenta", "Reset my password"),
    "general": ("Pregunta sobre horarios", "Where is the documentation?", "Información general", "Feedback on the product"),
    "sales": ("Precio del plan empresa", "Upgrade to the annual plan", "Solicitud de demo", "Volume discount"),
    "security": ("Acceso sospechoso a mi cuenta", "Phishing e-mail using your name", "Activar 2FA", "Data breach question"),
}
COMMENTS = {1: "Muy lento, nadie respondía.", 2: "Not solved properly.", 3: "Correcto.", 4: "Good help, thanks.", 5: "¡Excelente atención!"}


def _weighted(rng: random.Random, table: dict) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def _lognormal_minutes(rng: random.Random, median: float, sigma: float = 0.9) -> float:
    return max(0.5, rng.lognormvariate(math.log(median), sigma))


@contextmanager
def _explicit_creation_times():
    """Let bulk_create keep the generated ``created_at`` instead of stamping now."""
    fields = [model._meta.get_field(name) for model, name in
              ((Ticket, "created_at"), (Ticket, "last_activity_at"), (Feedback, "created_at"), (ChatbotInteraction, "created_at"))]
    saved = [field.auto_now_add for field in fields]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field, value in zip(fields, saved):
            field.auto_now_add = value


class Command(BaseCommand):
    help = "Generate a realistic ticket history (seasonality, categories, agents, bot answers, SLA, feedback)."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, required=True, help="How many tickets to add.")
        parser.add_argument("--days", type=int, default=365, help="Spread them over this many days up to now (default 365).")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--clear", action="store_true", help=f"First delete what earlier runs generated (customers @{DOMAIN}).")
        parser.add_argument("--no-rollups", action="store_true", help="Do not compute the daily rollups afterwards (beat fills them in).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when a generated history is already there (make demo).")

    def handle(self, *args, tickets: int, days: int, seed: int, batch: int, clear: bool, no_rollups: bool = False,
               if_empty: bool = False, **options):
        if tickets < 0 or days < 1 or batch < 1:
            raise CommandError("--tickets must be 0 or more, --days and --batch 1 or more.")
        departments = {department.code: department for department in Department.objects.all()}
        agents: dict[int, list[Agent]] = {}
        for agent in Agent.objects.all():
            agents.setdefault(agent.department_id, []).append(agent)
        if not departments or not agents:
            raise CommandError("There are no departments or agents yet: run `python manage.py seed_demo` first.")
        if if_empty and Customer.objects.filter(email__endswith=f"@{DOMAIN}").exists():
            self.stdout.write("a generated history is already there; nothing to do")
            return
        if clear:
            removed = self.clear()
            self.stdout.write(f"removed {removed} generated tickets")
        rng = random.Random(seed)
        now = timezone.now()
        tz = ZoneInfo(ReportSettings.current().time_zone)
        customers = self.customers(rng, max(10, tickets // 25), seed)
        days_back = [now - timedelta(days=offset) for offset in range(days)]
        day_weights = [WEEKDAY[moment.astimezone(tz).weekday()] * (1 + 0.4 * (1 - offset / days)) for offset, moment in enumerate(days_back)]
        started, made = time.monotonic(), 0
        fallback = next(iter(departments.values()))
        # Oldest first, as a live desk writes them: each day's tickets sit together on disk.
        moments = sorted(self.moment(rng, day, tz=tz, now=now) for day in rng.choices(days_back, weights=day_weights, k=tickets))
        with _explicit_creation_times():
            while made < tickets:
                size = min(batch, tickets - made)
                self.write_batch(rng, moments[made:made + size], now=now, customers=customers, departments=departments,
                                 fallback=fallback, agents=agents)
                made += size
                if made % (batch * 20) == 0 or made == tickets:
                    self.stdout.write(f"  {made:,} tickets ({time.monotonic() - started:.0f} s)")
        self.stdout.write(self.style.SUCCESS(f"generated {made:,} tickets over {days} days in {time.monotonic() - started:.1f} s"))
        if not no_rollups and made:
            started = time.monotonic()
            # The history went into days that may already be stored: forget them so they are recomputed.
            RollupDay.objects.filter(day__gte=moments[0].astimezone(tz).date()).delete()
            result = refresh_rollups(backfill_limit=days + 1)
            self.stdout.write(f"rolled up {result['recent'] + result['backfilled']} days ({result['rows']:,} rows) in {time.monotonic() - started:.1f} s")

    def clear(self) -> int:
        generated = Ticket.objects.filter(customer__email__endswith=f"@{DOMAIN}")
        count = generated.count()
        with transaction.atomic():
            generated.delete()
            Customer.objects.filter(email__endswith=f"@{DOMAIN}").delete()
        return count

    def customers(self, rng: random.Random, count: int, seed: int) -> list[Customer]:
        prefix = f"h{seed}-"
        existing = list(Customer.objects.filter(email__startswith=prefix, email__endswith=f"@{DOMAIN}"))
        wanted = [f"{prefix}{index:07d}@{DOMAIN}" for index in range(len(existing), count)]
        tiers = ("standard",) * 90 + ("enterprise",) * 8 + ("vip",) * 2
        Customer.objects.bulk_create(
            [Customer(email=email, name=f"Customer {email[:12]}", tier=rng.choice(tiers), language=rng.choice(("es", "es", "es", "en")))
             for email in wanted], batch_size=5000, ignore_conflicts=True,
        )
        return list(Customer.objects.filter(email__startswith=prefix, email__endswith=f"@{DOMAIN}"))

    @staticmethod
    def moment(rng, day: datetime, *, tz: ZoneInfo, now: datetime) -> datetime:
        """A creation time on ``day``'s local date, at an hour drawn from the working-day curve."""
        local = day.astimezone(tz)
        hour = rng.choices(range(24), weights=HOURLY)[0]
        created = datetime(local.year, local.month, local.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=tz)
        return created if created < now else now - timedelta(minutes=rng.randrange(1, 600))

    def write_batch(self, rng, moments: list[datetime], *, now, customers, departments, fallback, agents) -> None:
        everyone = [agent for team in agents.values() for agent in team]
        rows, plans = [], []
        for created in moments:
            category = _weighted(rng, CATEGORIES)
            priority = rng.choices(LEVELS, weights=PRIORITIES[category])[0]
            department = departments.get(category, fallback)
            bot = rng.random() < BOT_SHARE[category] and priority in ("low", "medium")
            age_hours = (now - created).total_seconds() / 3600
            ticket = Ticket(
                ticket_id=uuid.UUID(int=rng.getrandbits(128), version=4), customer=rng.choice(customers), source=_weighted(rng, SOURCES),
                subject=rng.choice(SUBJECTS[category]), description="(generated history)", category=category, priority=priority,
                priority_score={"low": 25, "medium": 45, "high": 62, "urgent": 75, "critical": 88}[priority] + rng.randrange(-3, 4),
                department=department, language=rng.choice(("es", "es", "es", "en")), tags=["demo-history"],
                pipeline_stage="done", pipeline_completed_at=created + timedelta(seconds=2), created_at=created, last_activity_at=created,
            )
            plan = {"bot": bot, "feedback": None, "sla": None, "interaction": None}
            if bot:
                ticket.status = "chatbot_handled"
                plan["interaction"] = (True, rng.choices(("deflected", "failed", "pending"), weights=(85, 10, 5) if age_hours > 72 else (0, 10, 90))[0])
                if plan["interaction"][1] == "failed":
                    bot = plan["bot"] = False
                    ticket.status, ticket.reopen_count = "open", 1
            if not bot:
                if rng.random() < 0.5:
                    plan["interaction"] = plan["interaction"] or (False, "")
                self.human(rng, ticket, plan, now=now, agents=agents.get(department.pk) or everyone)
            rows.append(ticket)
            plans.append(plan)
        Ticket.objects.bulk_create(rows, batch_size=len(rows))
        interactions, clocks, answers = [], [], []
        for ticket, plan in zip(rows, plans):
            if plan["interaction"]:
                resolved, deflection = plan["interaction"]
                interactions.append(ChatbotInteraction(
                    ticket=ticket, query=ticket.subject, language=ticket.language, confidence=round(rng.uniform(0.72, 0.97) if resolved else rng.uniform(0.1, 0.65), 3),
                    resolved=resolved, deflection=deflection, created_at=ticket.created_at + timedelta(seconds=1),
                ))
            if plan["sla"]:
                clocks.append(TicketSLA(ticket=ticket, **plan["sla"]))
            if plan["feedback"]:
                answers.append(Feedback(ticket=ticket, customer_id=ticket.customer_id, **plan["feedback"]))
        ChatbotInteraction.objects.bulk_create(interactions, batch_size=len(rows))
        TicketSLA.objects.bulk_create(clocks, batch_size=len(rows))
        Feedback.objects.bulk_create(answers, batch_size=len(rows))

    def human(self, rng, ticket: Ticket, plan: dict, *, now, agents: list[Agent]) -> None:
        """A person's ticket: agent, first response, resolution, SLA outcome and maybe feedback — as far as time has got."""
        created, level = ticket.created_at, ticket.priority
        first_minutes, resolution_minutes = SLA_MINUTES[level]
        first_due, resolution_due = created + timedelta(minutes=first_minutes), created + timedelta(minutes=resolution_minutes)
        ticket.assigned_agent = rng.choice(agents) if agents else None
        first = created + timedelta(minutes=_lognormal_minutes(rng, FIRST_MEDIAN[level]))
        resolved = first + timedelta(minutes=_lognormal_minutes(rng, RESOLVE_MEDIAN[level], 1.0))
        ticket.escalation_level = 1 if rng.random() < 0.04 else 0
        ticket.reopen_count = ticket.reopen_count or (1 if rng.random() < 0.06 else 0)
        state = "on_track"
        if ticket.assigned_agent is None:
            ticket.status = "open"
        elif resolved <= now:
            ticket.status = "closed" if (now - resolved) > timedelta(days=3) else "resolved"
            ticket.first_response_at, ticket.resolved_at = first, resolved
            ticket.closed_at = resolved + timedelta(days=3) if ticket.status == "closed" else None
            state = "met" if first <= first_due and resolved <= resolution_due else "missed"
            if rng.random() < 0.3:
                late = resolved > resolution_due
                satisfaction = rng.choices((1, 2, 3, 4, 5), weights=(15, 20, 25, 25, 15) if late else (3, 5, 12, 40, 40))[0]
                plan["feedback"] = {"satisfaction": satisfaction, "nps": min(10, max(0, satisfaction * 2 + rng.randrange(-2, 2))),
                                    "comment": COMMENTS[satisfaction] if rng.random() < 0.4 else "",
                                    "created_at": min(now, resolved + timedelta(hours=rng.uniform(1, 48)))}
        elif first <= now:
            ticket.status = rng.choice(("in_progress", "in_progress", "pending"))
            ticket.first_response_at = first
            state = "breached" if now > resolution_due or first > first_due else ("at_risk" if now > created + (resolution_due - created) * 0.8 else "on_track")
        else:
            ticket.status = "open"
            state = "breached" if now > first_due else "on_track"
        ticket.last_activity_at = ticket.resolved_at or ticket.first_response_at or created
        plan["sla"] = {
            "policy_name": f"History {level}", "first_response_minutes": first_minutes, "resolution_minutes": resolution_minutes,
            "started_at": created, "first_response_due_at": first_due, "resolution_due_at": resolution_due, "state": state,
        }
