"""Recompute the daily rollups now (what beat does every ten minutes), or all of them."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from analytics.models import RollupDay
from analytics.rollups import refresh_rollups
from tickets.models import Ticket


class Command(BaseCommand):
    help = "Recompute the recent days' rollups and fill missing ones; --all recomputes every day back to the oldest ticket."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Forget every stored day and recompute them all.")

    def handle(self, *args, all: bool = False, **options):
        if all:
            RollupDay.objects.all().delete()
        oldest = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
        days = (timezone.now() - oldest).days + 1 if oldest else 0
        result = refresh_rollups(backfill_limit=days if all else 60)
        self.stdout.write(f"recomputed {result['recent']} recent days, filled {result['backfilled']} missing ({result['rows']:,} rows)")
