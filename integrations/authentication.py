"""DRF authentication by ``Authorization: Api-Key <key>``."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .services import authenticate_api_key

KEYWORD = "Api-Key"


class ApiKeyUser(AnonymousUser):
    """The identity of a request made with an API key: authenticated, never staff."""

    def __init__(self, api_key) -> None:
        super().__init__()
        self.api_key = api_key
        self.username = f"api-key:{api_key.name}"

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_authenticated(self) -> bool:
        return True

    def __str__(self) -> str:
        return self.username


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _sep, raw_key = header.partition(" ")
        if keyword.lower() != KEYWORD.lower():
            return None
        if not raw_key.strip():
            raise exceptions.AuthenticationFailed(_("No key after 'Api-Key'."))
        api_key = authenticate_api_key(raw_key)
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("Unknown, revoked or expired API key."))
        return ApiKeyUser(api_key), api_key

    def authenticate_header(self, request) -> str:
        return KEYWORD
