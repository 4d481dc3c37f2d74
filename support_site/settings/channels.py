"""Channels: a Redis layer when REDIS_URL is set, else the in-memory layer.

The in-memory layer reaches only consumers in the same process: a Celery worker's
``group_send`` does not reach the web process in the embedded mode.
"""

from __future__ import annotations

from .env import REDIS_URL

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "support:asgi"},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
