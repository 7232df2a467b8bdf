"""Helpers shared by the end-to-end tests: waiting for a condition on the bot's state."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


async def until(
    fetch: Callable[[], Awaitable[Any]],
    check: Callable[[Any], bool] = lambda value: value is not None,
    timeout: float = 5.0,
) -> Any:
    """Wait for a condition on the bot's or the sandbox's state (polled, bounded by ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check(value := await fetch()):
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        await asyncio.sleep(0.01)
    return value


async def recorded(bot: Any, place_id: int) -> Any:
    """Wait until the bot has recorded the question whose thread (or post) is ``place_id``."""
    return await until(lambda: bot.services.questions.by_place(place_id))


async def settle(bot: Any) -> None:
    """Let the bot handle every event already sent (a round trip through its event loop)."""
    for _ in range(20):
        await asyncio.sleep(0)
    await asyncio.sleep(0.05)
