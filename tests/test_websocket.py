"""Staff consoles receive ticket changes over the websocket, after commit."""

import json

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser

from tickets.consumers import TicketUpdatesConsumer
from tickets.events import Actor
from tickets.services.status import change_ticket_status

pytestmark = pytest.mark.django_db(transaction=True)


async def open_socket(user) -> tuple[ApplicationCommunicator, dict]:
    scope = {"type": "websocket", "path": "/ws/tickets/", "headers": [], "subprotocols": [], "user": user}
    communicator = ApplicationCommunicator(TicketUpdatesConsumer.as_asgi(), scope)
    await communicator.send_input({"type": "websocket.connect"})
    return communicator, await communicator.receive_output(timeout=5)


def test_staff_receive_a_status_change(make_ticket, supervisor_user):
    ticket = make_ticket(status="open")

    async def scenario():
        communicator, handshake = await open_socket(supervisor_user)
        assert handshake["type"] == "websocket.accept"
        await database_sync_to_async(change_ticket_status)(ticket_id=ticket.ticket_id, new_status="in_progress", actor=Actor.system())
        message = await communicator.receive_output(timeout=5)
        await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        await communicator.wait(timeout=5)
        return message

    message = async_to_sync(scenario)()
    assert message["type"] == "websocket.send"
    payload = json.loads(message["text"])
    assert payload["ticket_id"] == str(ticket.ticket_id)
    assert payload["status"] == "in_progress" and payload["priority"] == ticket.priority


def test_anonymous_is_refused():
    async def scenario():
        communicator, handshake = await open_socket(AnonymousUser())
        await communicator.send_input({"type": "websocket.disconnect", "code": handshake.get("code", 1000)})  # as the server does
        await communicator.wait(timeout=5)
        return handshake

    handshake = async_to_sync(scenario)()
    assert (handshake["type"], handshake["code"]) == ("websocket.close", 4401)
