"""Escalation sweep benchmark: does its cost follow the stale tickets or the table size?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/support_bench python bench/escalation.py
    DATABASE_URL=… python bench/escalation.py --sizes 10000,100000,1000000 --stale 200

Writes to the database it is given, so it refuses a name that does not end in ``_bench``.
The table grows to each size with closed history (the bulk of a real desk) plus the same 2,000
open tickets; at each size, ``--stale`` new tickets are made stale (critical without a first
response, VIPs unresolved, urgent ones waiting, idle work in progress) and the demo escalation
rules are swept twice: once escalating them, once more with everything in cooldown (the query
cost alone). Prints one row per size.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_site.settings")
os.environ.setdefault("CHATBOT_ENCODERS", "")  # the bot plays no part here
os.environ.setdefault("EMAIL_URL", "dummymail://")  # supervisors' e-mails are built, not sent

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from agents.models import Department  # noqa: E402
from sla.escalation import candidates, escalate_stale_tickets  # noqa: E402
from sla.models import EscalationRule  # noqa: E402
from sla.services import apply_sla  # noqa: E402
from tickets.demo.loader import load_demo_desk  # noqa: E402
from tickets.events import Actor  # noqa: E402
from tickets.models import Customer, Ticket  # noqa: E402

OPEN_TICKETS = 2_000
BATCH = 10_000


def grow_to(size: int, customers: list[Customer], departments: list[Department]) -> float:
    """Add closed tickets until the table holds ``size``; returns seconds spent."""
    started = time.perf_counter()
    missing = size - Ticket.objects.count()
    rng = random.Random(size)
    while missing > 0:
        n = min(BATCH, missing)
        Ticket.objects.bulk_create([
            Ticket(customer=rng.choice(customers), subject="Histórico", description="Resuelto hace tiempo", status="closed",
                   priority=rng.choice(("low", "medium", "high")), department=rng.choice(departments), pipeline_stage="done")
            for _ in range(n)
        ])
        missing -= n
    with connection.cursor() as cursor:  # spread the history over two years
        cursor.execute("UPDATE tickets_ticket SET created_at = now() - (id % 17520) * interval '1 hour', "
                       "last_activity_at = now() - (id % 17520) * interval '1 hour' WHERE status = 'closed' AND subject = 'Histórico'")
        cursor.execute("ANALYZE tickets_ticket")
    return time.perf_counter() - started


def make_open(count: int, customers: list[Customer], departments: list[Department], *, stale: bool, seed: int) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    vip = [c for c in customers if c.tier == "vip"]
    shapes = [("critical", "open", 25, None), ("urgent", "open", 45, None), ("high", "in_progress", 200, "vip"), ("medium", "in_progress", 180, None)]
    for i in range(count):
        priority, status, minutes, tier = shapes[i % len(shapes)]
        if not stale:
            priority, status, minutes, tier = rng.choice(("low", "medium")), "open", 5, None
        ticket = Ticket.objects.create(
            customer=rng.choice(vip if tier == "vip" else customers), subject=f"{priority} {i}", description="Sigue sin funcionar",
            status=status, priority=priority, category="technical", department=rng.choice(departments), pipeline_stage="done",
        )
        when = now - timedelta(minutes=minutes)
        Ticket.objects.filter(pk=ticket.pk).update(created_at=when, last_activity_at=when)
        ticket.refresh_from_db()
        apply_sla(ticket, actor=Actor.system("bench"))


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--stale", type=int, default=200, help="Stale tickets made at each size.")
    args = parser.parse_args()
    database = settings.DATABASES["default"]
    if connection.vendor != "postgresql" or not str(database["NAME"]).endswith("_bench"):
        parser.error("point DATABASE_URL at a PostgreSQL database whose name ends in _bench (it is written to)")
    call_command("migrate", verbosity=0)
    load_demo_desk(admin_password="bench-only", with_tickets=False)
    customers = list(Customer.objects.all())
    for i in range(200 - len(customers)):
        customers.append(Customer.objects.get_or_create(email=f"bench{i}@example.com", defaults={"tier": "standard"})[0])
    departments = list(Department.objects.all())
    if Ticket.objects.filter(status="open", subject__startswith=("low ", "medium ")).count() < OPEN_TICKETS:
        make_open(OPEN_TICKETS, customers, departments, stale=False, seed=1)
    rules = list(EscalationRule.objects.filter(is_active=True))
    print(f"{'tickets':>10} {'grow s':>8} {'stale':>6} {'escalated':>9} {'sweep s':>8} {'chained':>8} {'idle sweep ms':>14} "
          f"{'slowest rule query ms':>22}")
    for size in [int(s) for s in args.sizes.split(",")]:
        grown = grow_to(size, customers, departments)
        make_open(args.stale, customers, departments, stale=True, seed=size)
        report, sweep = timed(escalate_stale_tickets)
        chained, _ = timed(escalate_stale_tickets)  # urgent tickets raised to critical meet the critical rule next
        _, idle = timed(escalate_stale_tickets)
        slowest = 0.0
        for rule in rules:
            _, spent = timed(lambda rule=rule: list(candidates(rule, timezone.now()).values_list("pk", flat=True)[:500]))
            slowest = max(slowest, spent)
        print(f"{Ticket.objects.count():>10} {grown:>8.1f} {args.stale:>6} {report.escalated:>9} {sweep:>8.2f} {chained.escalated:>8} "
              f"{idle * 1000:>14.1f} {slowest * 1000:>22.1f}",
              flush=True)


if __name__ == "__main__":
    main()
