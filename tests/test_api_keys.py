"""API keys: only a hash is stored, and only usable keys authenticate."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory

from integrations.authentication import ApiKeyAuthentication
from integrations.models import ApiKey
from integrations.services import authenticate_api_key, create_api_key
from support_site.api.exceptions import ApplicationError

pytestmark = pytest.mark.django_db


def test_only_the_hash_is_stored():
    issued = create_api_key(name="web-form")
    stored = ApiKey.objects.get()
    assert issued.raw_key.startswith(stored.prefix + "_")
    assert stored.hashed_key == hashlib.sha256(issued.raw_key.encode()).hexdigest()
    assert issued.raw_key not in {getattr(stored, f.attname) for f in ApiKey._meta.concrete_fields if isinstance(getattr(stored, f.attname), str)}
    assert stored.scopes == ["tickets:read", "tickets:write", "feedback:write"]


def test_authentication_accepts_only_usable_keys():
    good = create_api_key(name="good")
    revoked = create_api_key(name="revoked")
    expiring = create_api_key(name="expiring", expires_at=timezone.now() + timedelta(minutes=5))
    ApiKey.objects.filter(pk=revoked.api_key.pk).update(revoked_at=timezone.now())
    ApiKey.objects.filter(pk=expiring.api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert authenticate_api_key(good.raw_key) == good.api_key
    assert ApiKey.objects.get(pk=good.api_key.pk).last_used_at is not None
    assert authenticate_api_key(revoked.raw_key) is None
    assert authenticate_api_key(expiring.raw_key) is None
    assert authenticate_api_key(good.raw_key[:-1] + "x") is None
    assert authenticate_api_key("") is None


def test_drf_authentication_header():
    issued = create_api_key(name="integration")
    auth = ApiKeyAuthentication()
    factory = APIRequestFactory()
    user, key = auth.authenticate(factory.get("/", HTTP_AUTHORIZATION=f"Api-Key {issued.raw_key}"))
    assert key == issued.api_key and user.is_authenticated and not user.is_staff
    assert auth.authenticate(factory.get("/")) is None
    assert auth.authenticate(factory.get("/", HTTP_AUTHORIZATION="Bearer abc")) is None
    with pytest.raises(exceptions.AuthenticationFailed):
        auth.authenticate(factory.get("/", HTTP_AUTHORIZATION="Api-Key sk_sup_nope"))
    assert auth.authenticate_header(None) == "Api-Key"


def test_invalid_requests_store_nothing():
    with pytest.raises(ApplicationError, match="Unknown scope"):
        create_api_key(name="x", scopes=["tickets:delete"])
    with pytest.raises(ApplicationError, match="future"):
        create_api_key(name="x", expires_at=timezone.now() - timedelta(days=1))
    with pytest.raises(ApplicationError, match="name"):
        create_api_key(name="  ")
    assert not ApiKey.objects.exists()
    create_api_key(name="dup")
    with pytest.raises(ApplicationError, match="already exists"):
        create_api_key(name="dup")
    assert ApiKey.objects.count() == 1


def test_command_prints_the_key_once_and_stores_its_hash():
    out = StringIO()
    call_command("create_api_key", "--name", "crm", "--scopes", "tickets:read,analytics:read", stdout=out)
    lines = out.getvalue().splitlines()
    raw_key = lines[1]
    stored = ApiKey.objects.get(name="crm")
    assert stored.scopes == ["tickets:read", "analytics:read"]
    assert stored.hashed_key == hashlib.sha256(raw_key.encode()).hexdigest()
    assert authenticate_api_key(raw_key) == stored


def test_command_errors_say_what_to_fix():
    with pytest.raises(CommandError, match="--scopes: Unknown scope"):
        call_command("create_api_key", "--name", "x", "--scopes", "everything")
    with pytest.raises(CommandError, match="--expires: 'tomorrow' is not an ISO date-time"):
        call_command("create_api_key", "--name", "x", "--expires", "tomorrow")
    assert not ApiKey.objects.exists()
