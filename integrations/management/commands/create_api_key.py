"""Issue an API key for an integration; the key is printed once and only its hash is stored."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from integrations.services import KNOWN_SCOPES, create_api_key
from support_site.api.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Create an API key for an integration. The key is shown once; store it in the integration's secrets."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", required=True, help="Who or what uses the key, e.g. 'web-form'.")
        parser.add_argument(
            "--scopes",
            default="",
            help=f"Comma-separated, from: {', '.join(KNOWN_SCOPES)}. Default: tickets:read,tickets:write,feedback:write.",
        )
        parser.add_argument("--expires", default="", help="ISO date-time after which the key stops working.")

    def handle(self, *args, name: str, scopes: str, expires: str, **options) -> None:
        expires_at = None
        if expires:
            expires_at = parse_datetime(expires)
            if expires_at is None:
                raise CommandError(f"--expires: '{expires}' is not an ISO date-time such as 2027-01-31T00:00:00Z.")
            if timezone.is_naive(expires_at):
                expires_at = timezone.make_aware(expires_at)
        scope_list = [scope.strip() for scope in scopes.split(",") if scope.strip()] or None
        try:
            issued = create_api_key(name=name, scopes=scope_list, expires_at=expires_at)
        except ApplicationError as exc:
            raise CommandError(f"--{exc.field or 'name'}: {exc.message}") from exc
        self.stdout.write(f"API key '{issued.api_key.name}' ({', '.join(issued.api_key.scopes)}):")
        self.stdout.write(issued.raw_key)
        self.stdout.write("Store it now: it cannot be shown again. Send it as 'Authorization: Api-Key <key>'.")
