"""Fixtures for the resources tests: the sandbox plugin, a local feed server, the real bot on a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.sandbox.kit import Kit, run_lcm_bot
from bot.sandbox.server import Sandbox
from tests.resources.helpers import FeedServer

# The feeds are served on 127.0.0.1; a low threshold makes "failing" quick to reach.
BOT_ENV = {"LCM__FEEDS__ALLOW_PRIVATE_ADDRESSES": "true", "LCM__FEEDS__FAILURE_THRESHOLD": "3"}


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    server = await FeedServer().start()
    yield server
    await server.close()


def start_bot(sandbox: Sandbox, data_dir: Path, clock: FakeClock):  # type: ignore[no-untyped-def]
    """The real lcm-bot on ``data_dir``'s database (call again with the same directory to restart it)."""
    return run_lcm_bot(sandbox, data_dir, clock=clock, **BOT_ENV)


@pytest.fixture
def bot_env() -> dict[str, str]:
    return BOT_ENV


@pytest.fixture
async def lcm_room(kit: Kit, bot) -> Kit:
    """The LCM has set the LCM role and the log channel."""
    room = kit.room
    handle = await kit.lcm.slash("lcm config", room.general, lcm_role=room.lcm_role, log_channel=room.staff)
    await handle.reply()
    return kit
