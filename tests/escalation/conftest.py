"""The escalation tests' course: trainers asked in #staff, the LCM told in #annonces."""

from __future__ import annotations

import pytest

from bot.sandbox.kit import Kit


@pytest.fixture
async def course(kit: Kit, bot) -> Kit:
    """Roles set; trainers asked in #staff, the LCM told in #annonces; the forum is a Q&A space."""
    room = kit.room
    await (
        await kit.lcm.slash(
            "lcm config",
            room.general,
            lcm_role=room.lcm_role,
            trainer_role=room.trainer_role,
            trainers_channel=room.staff,
            log_channel=room.announcements,
        )
    ).reply()
    await (await kit.lcm.slash("lcm space add", room.general, channel=room.forum)).reply()
    return kit
