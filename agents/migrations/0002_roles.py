"""Create the Agents and Supervisors groups with their permissions.

Permissions are normally created after all migrations run (post_migrate), so this migration
creates them first for the apps it needs. Re-running it only adds what is missing.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# A frozen copy of agents.roles at the time of writing: migrations must not change meaning
# when application code does. Later permission changes get their own migration.
AGENT_PERMISSIONS = {
    "tickets": {"ticket": ("view", "change"), "customer": ("view",), "ticketevent": ("view",), "feedback": ("view",)},
    "chatbot": {"faqarticle": ("view",), "chatbotinteraction": ("view",)},
    "agents": {"department": ("view",), "agent": ("view",)},
    "routing": {"routingrule": ("view",)},
}
SUPERVISOR_PERMISSIONS = {
    "tickets": {
        "ticket": ("view", "change"),
        "customer": ("view", "add", "change"),
        "ticketevent": ("view",),
        "feedback": ("view",),
    },
    "chatbot": {"faqarticle": ("view", "add", "change", "delete"), "chatbotinteraction": ("view",)},
    "agents": {"department": ("view", "add", "change"), "agent": ("view", "add", "change")},
    "routing": {"routingrule": ("view", "add", "change", "delete")},
    "integrations": {"apikey": ("view",)},
    "django_celery_beat": {"periodictask": ("view", "change"), "intervalschedule": ("view",), "crontabschedule": ("view",)},
}
GROUPS = {"Agents": AGENT_PERMISSIONS, "Supervisors": SUPERVISOR_PERMISSIONS}


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, spec in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for app_label, models in spec.items():
            for model, actions in models.items():
                for action in actions:
                    permission = Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}")
                    group.permissions.add(permission)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("tickets", "0001_initial"),
        ("chatbot", "0001_initial"),
        ("routing", "0001_initial"),
        ("integrations", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
