"""The status machine is pure: these tests run without a database."""

import pytest

from tickets.transitions import ALLOWED, can_transition, transition_error


@pytest.mark.parametrize(
    ("old", "new"),
    [("received", "open"), ("received", "chatbot_handled"), ("chatbot_handled", "open"), ("open", "in_progress"),
     ("in_progress", "pending"), ("pending", "in_progress"), ("in_progress", "resolved"), ("resolved", "open"), ("resolved", "closed")],
)
def test_allowed_moves(old, new):
    assert can_transition(old, new)
    assert transition_error(old, new) is None


@pytest.mark.parametrize(("old", "new"), [("closed", "open"), ("resolved", "in_progress"), ("received", "resolved"), ("open", "received")])
def test_refused_moves_say_what_is_allowed(old, new):
    assert not can_transition(old, new)
    message = transition_error(old, new)
    assert f"from '{old}' to '{new}'" in message
    for option in ALLOWED[old]:
        assert option in message


def test_same_status_and_unknown_status_are_errors():
    assert transition_error("open", "open") == "The ticket is already 'open'."
    assert transition_error("open", "archived") == "Unknown status 'archived'."


def test_every_status_of_the_model_is_in_the_machine():
    from tickets.models import Status

    assert set(ALLOWED) == set(Status.values)
