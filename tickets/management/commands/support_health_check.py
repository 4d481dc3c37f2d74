"""Is this installation able to work tickets? One line per check; non-zero exit on any failure."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from support_site.celery import app
from tickets.health import run_checks


class Command(BaseCommand):
    help = "Check database, broker, workers, beat schedules, FAQ articles and available agents."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--worker-timeout", type=float, default=3.0, help="Seconds to wait for workers to answer a ping.")
        parser.add_argument("--skip-worker", action="store_true", help="Do not require a running worker (e.g. before starting one).")
        parser.add_argument("--broker-url", default=None, help="Check this broker instead of the configured one.")

    def handle(self, *args, worker_timeout: float, skip_worker: bool, broker_url: str | None, **options) -> None:
        results = run_checks(app, broker_url=broker_url, worker_timeout=worker_timeout, skip_worker=skip_worker)
        failed = [r for r in results if not r.ok and not r.warning]
        for result in results:
            if result.ok:
                line = self.style.SUCCESS(f"OK    {result.name}: {result.detail}")
            elif result.warning:
                line = self.style.WARNING(f"WARN  {result.name}: {result.detail}")
            else:
                line = self.style.ERROR(f"FAIL  {result.name}: {result.detail}")
            self.stdout.write(line)
        if failed:
            raise CommandError(f"{len(failed)} check(s) failed: {', '.join(r.name for r in failed)}.", returncode=1)
        self.stdout.write(self.style.SUCCESS("All checks passed."))
