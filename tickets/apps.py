from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .signals import ensure_schedules_after_migrate

        post_migrate.connect(ensure_schedules_after_migrate, sender=self)
