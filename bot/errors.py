"""Errors that carry a message for the user."""

from __future__ import annotations


class UserError(Exception):
    """A refusal or a problem to show the user, ephemerally, from the message catalog."""

    def __init__(self, key: str, /, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class ConfigError(Exception):
    """The configuration is invalid; the message names the key and the problem."""
