"""Analytics use cases that views, admin pages and tasks call."""

from __future__ import annotations

import hashlib
import json
from zoneinfo import ZoneInfo

from django.core.serializers.json import DjangoJSONEncoder

from . import selectors
from .models import ReportSettings


def desk_time_zone() -> ZoneInfo:
    """The supervisors' time zone (Report settings): days and hours are drawn there."""
    return ZoneInfo(ReportSettings.current().time_zone)


def cached_dashboard(*, period: str, filters: dict, cache, seconds: int) -> dict:
    """The dashboard, shared by every viewer for ``seconds`` (the figures are JSON-ready)."""
    key = "analytics:dashboard:" + hashlib.sha1(json.dumps([period, sorted(filters.items())], default=str).encode()).hexdigest()
    if seconds > 0:
        found = cache.get(key)
        if found is not None:
            return found
    data = json.loads(json.dumps(
        selectors.dashboard(period=period, filters=selectors.Filters(**filters), tz=desk_time_zone()), cls=DjangoJSONEncoder
    ))
    if seconds > 0:
        cache.set(key, data, seconds)
    return data
