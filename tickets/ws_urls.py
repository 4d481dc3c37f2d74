"""Websocket URL patterns (named so as not to clash with the ``routing`` app)."""

from django.urls import path

from .consumers import TicketUpdatesConsumer

websocket_urlpatterns = [path("ws/tickets/", TicketUpdatesConsumer.as_asgi())]
