"""Fixtures of the organizing tests: the real bot through the sandbox, on a fake clock the test moves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.sandbox.kit import Kit, run_lcm_bot
from bot.sandbox.pytest_plugin import *  # noqa: F403
from bot.sandbox.server import Sandbox


@pytest.fixture
async def bot(sandbox: Sandbox, classroom, tmp_path: Path, clock: FakeClock) -> AsyncIterator[object]:
    async with run_lcm_bot(sandbox, tmp_path / "data", clock=clock) as client:
        yield client


@pytest.fixture
async def course(kit: Kit, bot) -> Kit:
    """The LCM has set the roles and log channel, and made the questions channel a Q&A space."""
    room = kit.room
    handle = await kit.lcm.slash(
        "lcm config", room.general, lcm_role=room.lcm_role, trainer_role=room.trainer_role,
        trainers_channel=room.staff, log_channel=room.staff,
    )  # fmt: skip
    await handle.reply()
    await (await kit.lcm.slash("lcm space add", room.general, channel=room.questions)).reply()
    return kit


async def until(fetch, check=lambda value: value is not None, timeout: float = 5.0):
    """Wait for a condition on the bot's or the sandbox's state (polled, bounded by ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check(value := await fetch()):
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        await asyncio.sleep(0.01)
    return value


async def settle(bot) -> None:
    """Let the bot handle every event already sent (a round trip through its event loop)."""
    for _ in range(20):
        await asyncio.sleep(0)
    await asyncio.sleep(0.05)
