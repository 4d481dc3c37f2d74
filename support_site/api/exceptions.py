"""Domain errors raised by services; the API and the admin turn them into messages."""

from __future__ import annotations


class ApplicationError(Exception):
    """A use case refused: the message is for the person who asked, ``field`` names the input."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class NotFound(ApplicationError):
    status_code = 404


class Conflict(ApplicationError):
    status_code = 409


class InvalidTransition(ApplicationError):
    status_code = 409


class CapacityExceeded(Conflict):
    pass
