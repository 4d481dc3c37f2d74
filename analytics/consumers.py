"""The dashboard's websocket: tells supervisors' dashboards that a ticket changed, so they refetch."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tickets.services.notify import TICKET_UPDATES_GROUP


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    joined = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        allowed = user is not None and user.is_authenticated and await database_sync_to_async(user.has_perm)("analytics.view_dashboard")
        if not allowed:
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(TICKET_UPDATES_GROUP, self.channel_name)
        self.joined = True
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.joined:
            await self.channel_layer.group_discard(TICKET_UPDATES_GROUP, self.channel_name)

    async def ticket_update(self, event: dict) -> None:
        await self.send_json({"event": "ticket", "change": event.get("change", "updated"), "ticket_id": event["ticket_id"],
                              "status": event["status"], "priority": event["priority"]})
