"""Websocket URL patterns (named so as not to clash with the ``routing`` app)."""

from django.urls import path

from analytics.consumers import DashboardConsumer

from .consumers import TicketUpdatesConsumer

websocket_urlpatterns = [
    path("ws/tickets/", TicketUpdatesConsumer.as_asgi()),
    path("ws/dashboard/", DashboardConsumer.as_asgi()),
]
