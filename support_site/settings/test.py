"""Test settings: the same services as the run being tested, made fast and isolated.

Celery is *not* eager: unit tests call services directly, and integration tests start a
real worker against the same broker and database.
"""

from support_site.settings import *  # noqa: F403
from support_site.settings import DATABASES, STATIC_ROOT, VAR_DIR
from support_site.settings.env import ensure_dir

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A file, not :memory:, so a Celery worker started by an integration test sees the same data.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}

ensure_dir(STATIC_ROOT)  # whitenoise warns about a missing folder otherwise
# Threads (live server, database_sync_to_async) must not keep connections that block dropping
# the PostgreSQL test database at the end of the session.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# An idle pool would likewise hold connections to the test database; tests use plain ones.
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)
