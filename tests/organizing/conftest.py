"""Fixtures of the organizing tests: the real bot through the sandbox, on a fake clock the test moves."""

from __future__ import annotations

import pytest

from bot.sandbox.kit import Kit


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
