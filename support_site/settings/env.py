"""The one place the process environment is read (django-environ).

Every setting that can change between machines comes from here; nothing else in the
project touches ``os.environ``. A ``.env`` file at the project root is read when present,
for local convenience; real deployments set variables in their process manager.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

#: ``local`` (the embedded default, also used by ``make run``) or ``production``.
SUPPORT_ENV = env.str("SUPPORT_ENV", default="local")
if SUPPORT_ENV not in {"local", "production"}:
    raise environ.ImproperlyConfigured(
        f"SUPPORT_ENV must be 'local' or 'production', not {SUPPORT_ENV!r}."
    )
PRODUCTION = SUPPORT_ENV == "production"

#: Where the embedded mode keeps its state: SQLite file, broker folders, secret key, exports.
VAR_DIR = Path(env.str("SUPPORT_VAR_DIR", default=str(BASE_DIR / "var"))).resolve()

#: Empty in the embedded default; ``redis://host:6379/0`` switches broker, results, cache
#: and channel layer to Redis.
REDIS_URL = env.str("REDIS_URL", default="")


def ensure_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_secret_key() -> str:
    """A per-checkout random key kept in ``var/secret_key`` (embedded mode only).

    Production refuses to start without ``SECRET_KEY`` in the environment; a local
    checkout gets a key generated once, readable only by its owner, never committed.
    """
    path = ensure_dir(VAR_DIR) / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()
