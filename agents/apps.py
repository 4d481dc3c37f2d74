from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = _("Agents")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_role_groups, dispatch_uid="agents.ensure_role_groups")


def _ensure_role_groups(sender, app_config=None, **kwargs) -> None:
    # post_migrate fires once per app; run once, after the last app (permissions exist by then).
    from django.apps import apps

    if app_config is not None and app_config.label != list(apps.get_app_configs())[-1].label:
        return
    from .roles import ensure_role_groups

    ensure_role_groups()
