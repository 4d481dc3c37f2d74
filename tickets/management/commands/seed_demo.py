"""Load the demo desk (idempotent)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from tickets.demo.loader import ADMIN_USERNAME, load_demo_desk, saved_admin_password


class Command(BaseCommand):
    help = (
        "Load demo departments, agents, customers, FAQ articles (es/en), routing rules and an admin superuser. "
        "Safe to run again: existing records are left as they are."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reset-admin-password", action="store_true", help="Generate a new password for the admin user.")

    def handle(self, *args, reset_admin_password: bool, **options) -> None:
        admin_password = getattr(settings, "SUPPORT_ADMIN_PASSWORD", "") or None
        report = load_demo_desk(admin_password=admin_password, reset_admin_password=reset_admin_password)
        for kind in sorted(set(report.created) | set(report.existing)):
            self.stdout.write(f"  {kind}: {report.created.get(kind, 0)} created, {report.existing.get(kind, 0)} already there")

        password = report.admin_password or saved_admin_password()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        if password:
            self.stdout.write(f"Admin login: {ADMIN_USERNAME} / {password}")
        else:
            self.stdout.write(
                f"Admin login: {ADMIN_USERNAME} (password unchanged; run 'manage.py seed_demo --reset-admin-password' for a new one)"
            )
