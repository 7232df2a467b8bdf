from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.sandbox.kit import Kit, run_lcm_bot
from bot.sandbox.pytest_plugin import *  # noqa: F403
from bot.sandbox.server import Sandbox


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
async def bot(sandbox: Sandbox, classroom, data_dir: Path, clock: FakeClock) -> AsyncIterator[object]:
    async with run_lcm_bot(sandbox, data_dir, clock=clock) as client:
        yield client


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
