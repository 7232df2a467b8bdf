"""The sandbox's record: everything that happened, in order, and a way to wait for what should happen.

Tests and the demo read the record, never the bot: each event is a change Discord would have made (a message
posted, a thread tagged, a permission overwritten), who made it, and who it pinged. Waiting is on an
``asyncio.Event`` set at each new event, with a timeout; never fixed sleeps.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Event:
    """One change in the sandbox; ``data`` is the Discord payload at that moment (a copy)."""

    seq: int
    kind: str
    actor_id: int | None = None
    guild_id: int | None = None
    channel_id: int | None = None
    message_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    pinged_users: list[int] = field(default_factory=list)
    pinged_roles: list[int] = field(default_factory=list)
    pinged_everyone: bool = False
    ephemeral: bool = False
    at: float = field(default_factory=time.monotonic)

    def __repr__(self) -> str:
        extra = f" content={self.data.get('content')!r}" if "content" in self.data else ""
        return f"<Event #{self.seq} {self.kind} actor={self.actor_id} channel={self.channel_id}{extra}>"


@dataclass
class RequestLog:
    """One HTTP request the bot sent, and what became of it."""

    method: str
    path: str
    route: str | None
    status: int = 0
    validated: bool = False
    errors: list[str] = field(default_factory=list)
    body: Any = None


@dataclass
class ValidationFailure:
    method: str
    path: str
    direction: str  # "request" or "response"
    errors: list[str]

    def __str__(self) -> str:
        return f"{self.direction} {self.method} {self.path}: " + "; ".join(self.errors)


class WaitTimeout(AssertionError):
    """Nothing matching arrived in time; the message lists what did arrive."""


class Record:
    """An append-only log of sandbox events with awaitable look-ups."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.requests: list[RequestLog] = []
        self.validation_failures: list[ValidationFailure] = []
        self.unvalidated: list[RequestLog] = []
        # Set (and replaced) at each new event: every waiter holding the old one wakes up.
        self._changed = asyncio.Event()

    def add(self, kind: str, **fields: Any) -> Event:
        event = Event(seq=len(self.events) + 1, kind=kind, **fields)
        self.events.append(event)
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        return event

    def mark(self) -> int:
        """A position to wait from: only events after it count."""
        return len(self.events)

    def find(self, predicate: Callable[[Event], bool], *, after: int = 0) -> list[Event]:
        return [e for e in self.events[after:] if predicate(e)]

    def of_kind(self, *kinds: str, after: int = 0) -> list[Event]:
        return [e for e in self.events[after:] if e.kind in kinds]

    async def wait_for(
        self,
        predicate: Callable[[Event], bool],
        *,
        after: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline per wait is the kit's contract
        what: str = "event",
    ) -> Event:
        """The first event after ``after`` matching ``predicate``; WaitTimeout after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        start = after
        while True:
            for event in self.events[start:]:
                if predicate(event):
                    return event
            start = len(self.events)
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = "\n  ".join(repr(e) for e in self.events[after:][-15:]) or "(none)"
                raise WaitTimeout(f"no {what} within {timeout}s; events since mark:\n  {recent}")
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                continue

    def http_errors(self) -> list[RequestLog]:
        """Requests answered with an error (4xx, 5xx; 429s included)."""
        return [r for r in self.requests if r.status >= 400]

    def failures(self) -> list[str]:
        """Problems a test must not ignore: invalid or unvalidated requests, invalid responses."""
        out = [str(f) for f in self.validation_failures]
        out += [f"unvalidated {r.method} {r.path}" for r in self.unvalidated]
        return out
