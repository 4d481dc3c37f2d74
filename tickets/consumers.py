"""Pushes ticket changes to signed-in staff (the admin console and, later, the dashboard)."""

from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .services.notify import TICKET_UPDATES_GROUP


class TicketUpdatesConsumer(AsyncJsonWebsocketConsumer):
    joined = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_staff:
            await self.close(code=4401)
            return
        await self.channel_layer.group_add(TICKET_UPDATES_GROUP, self.channel_name)
        self.joined = True
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.joined:  # a refused socket never joined; nothing to leave
            await self.channel_layer.group_discard(TICKET_UPDATES_GROUP, self.channel_name)

    async def ticket_update(self, event: dict) -> None:
        await self.send_json({key: value for key, value in event.items() if key != "type"})
