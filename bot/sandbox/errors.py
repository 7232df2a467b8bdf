"""Discord's error responses, raised by handlers and the world's operations, answered by the middleware."""

from __future__ import annotations

from typing import Any

from bot.sandbox.validation import error_tree


class DiscordHTTPError(Exception):
    """An error Discord would answer with; ``body`` is its JSON."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors is not None:
            self.body["errors"] = errors


def invalid_form(*errors: tuple[list[Any], str, str]) -> DiscordHTTPError:
    """400 Invalid Form Body (50035) with Discord's nested ``errors`` object."""
    return DiscordHTTPError(400, 50035, "Invalid Form Body", error_tree(list(errors)))


def too_long(path: list[Any], limit: int) -> tuple[list[Any], str, str]:
    return path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."


def missing_permissions() -> DiscordHTTPError:
    return DiscordHTTPError(403, 50013, "Missing Permissions")


def missing_access() -> DiscordHTTPError:
    return DiscordHTTPError(403, 50001, "Missing Access")


def cannot_dm() -> DiscordHTTPError:
    return DiscordHTTPError(403, 50007, "Cannot send messages to this user")


def thread_archived() -> DiscordHTTPError:
    return DiscordHTTPError(400, 50083, "Thread is archived")


def already_acknowledged() -> DiscordHTTPError:
    return DiscordHTTPError(400, 40060, "Interaction has already been acknowledged.")


def empty_message() -> DiscordHTTPError:
    return DiscordHTTPError(400, 50006, "Cannot send an empty message")


def not_author() -> DiscordHTTPError:
    return DiscordHTTPError(403, 50005, "Cannot edit a message authored by another user")


_UNKNOWN = {
    "channel": 10003,
    "guild": 10004,
    "member": 10007,
    "message": 10008,
    "role": 10011,
    "user": 10013,
    "webhook": 10015,
    "interaction": 10062,
    "application command": 10063,
    "emoji": 10014,
    "overwrite": 10009,
}


def unknown(kind: str) -> DiscordHTTPError:
    return DiscordHTTPError(404, _UNKNOWN[kind], f"Unknown {kind.title()}")
