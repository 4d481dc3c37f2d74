"""``GET /api/support/dashboard``: the dashboard's figures for a period and filter."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from support_site.api.permissions import ScopedPermission
from tickets.api.views import ERRORS

from ..services import cached_dashboard
from .serializers import DashboardOut, DashboardQuery


class DashboardView(GenericAPIView):
    """API keys need the ``analytics:read`` scope; a session needs the dashboard permission (supervisors)."""

    permission_classes = [ScopedPermission]
    required_scopes = {"GET": "analytics:read"}
    view_perm = "analytics.view_dashboard"
    serializer_class = DashboardOut

    @extend_schema(parameters=[DashboardQuery], responses={200: DashboardOut, **ERRORS}, operation_id="dashboard",
                   summary="Dashboard figures: volume, backlog, bot, response and resolution times, SLA, CSAT, NPS, agents")
    def get(self, request):
        query = DashboardQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = dict(query.validated_data)
        period = values.pop("period")
        return Response(cached_dashboard(period=period, filters=values, cache=cache, seconds=settings.ANALYTICS_CACHE_SECONDS))
