"""Settings come from the environment; production is locked down."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY"}}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_embedded_defaults_unless_services_configured():
    assert settings.DEBUG is False
    if os.environ.get("DATABASE_URL"):
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    else:
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
        assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    if os.environ.get("REDIS_URL"):
        assert settings.CELERY_BROKER_URL.startswith("redis://")
        assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
        assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    else:
        assert settings.CELERY_BROKER_URL == "filesystem://"
        assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
        assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_TASK_ALWAYS_EAGER is False


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        env_overrides={
            "SUPPORT_ENV": "production",
            "SECRET_KEY": "k" * 20 + "a-long-random-production-secret-0123456789",
            "ALLOWED_HOSTS": "support.example.com",
            "SUPPORT_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret(tmp_path):
    result = manage("check", env_overrides={"SUPPORT_ENV": "production", "SUPPORT_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment when SUPPORT_ENV=production." in result.stderr


def test_unknown_environment_name_is_refused(tmp_path):
    result = manage("check", env_overrides={"SUPPORT_ENV": "staging", "SUPPORT_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SUPPORT_ENV must be 'local' or 'production'" in result.stderr


@pytest.mark.django_db
def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_api_docs_are_served_offline(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"openapi" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
    assert b"cdn.jsdelivr" not in docs.content  # served from the sidecar, no internet needed


@pytest.mark.parametrize(("pool_size", "expected"), [("", "pool 10, conn_max_age 0"), ("0", "pool None, conn_max_age 60")])
def test_postgresql_uses_a_connection_pool_unless_turned_off(tmp_path, pool_size, expected):
    env = {"DATABASE_URL": "postgres://u:p@db.invalid:5432/support", "SUPPORT_VAR_DIR": str(tmp_path)}
    if pool_size:
        env["DATABASE_POOL_MAX_SIZE"] = pool_size
    result = manage(
        "shell", "-c",
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(f\"pool {d.get('OPTIONS', {}).get('pool', {}).get('max_size')}, conn_max_age {d['CONN_MAX_AGE']}\")",
        env_overrides=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


@pytest.mark.django_db(transaction=True)
def test_intake_benchmark_runs_against_a_live_server(live_server):
    """bench/intake.py is a tool people run; keep it working (POST-only needs no worker)."""
    from integrations.services import create_api_key

    key = create_api_key(name="bench-smoke").raw_key
    result = subprocess.run(
        [sys.executable, "bench/intake.py", "--url", live_server.url, "--key", key, "-n", "6", "-c", "2", "--post-only"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "stored 6  errors 0" in result.stdout
    from tickets.models import Ticket

    assert Ticket.objects.count() == 6
