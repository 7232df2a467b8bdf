"""The questions tests' course: roles set, the forum and the questions channel are Q&A spaces."""

from __future__ import annotations

import pytest

from bot.sandbox.kit import Kit


@pytest.fixture
async def course(kit: Kit, bot) -> Kit:
    """The LCM has set the roles and made the forum and the questions channel Q&A spaces."""
    room = kit.room
    handle = await kit.lcm.slash(
        "lcm config", room.general, lcm_role=room.lcm_role, trainer_role=room.trainer_role,
        trainers_channel=room.staff, log_channel=room.staff,
    )  # fmt: skip
    await handle.reply()
    for channel in (room.forum, room.questions):
        await (await kit.lcm.slash("lcm space add", room.general, channel=channel)).reply()
    return kit
