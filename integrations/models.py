"""Credentials for systems that call our API."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_PREFIX = "sk_sup"
DEFAULT_SCOPES = ["tickets:read", "tickets:write", "feedback:write"]


def hash_key(raw_key: str) -> str:
    """SHA-256 of the whole key. The key carries 256 random bits, so a fast hash is safe and a
    lookup costs one indexed query (a password hasher would add ~300 ms per request)."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class ApiKey(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False, help_text=_("Shown to tell keys apart; not secret."))
    hashed_key = models.CharField(_("hash"), max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    def has_scope(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


def generate_raw_key() -> tuple[str, str]:
    """A new key and its display prefix: ``sk_sup_<8 chars>_<43 chars>``."""
    public = secrets.token_hex(4)
    return f"{KEY_PREFIX}_{public}_{secrets.token_urlsafe(32)}", f"{KEY_PREFIX}_{public}"
