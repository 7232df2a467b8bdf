"""The real lcm-bot through the sandbox: start-up, command sync, /lcm status."""

from __future__ import annotations

import pytest

from bot.sandbox.kit import Kit, text_of

pytestmark = pytest.mark.e2e


async def test_ready_and_status_for_a_member_with_manage_server(sandbox, kit: Kit, lcm_bot) -> None:
    sync = sandbox.record.of_kind("commands.sync")
    assert sync and any(c["name"] == "lcm" for c in sync[-1].data["commands"])
    handle = await kit.lcm.slash("lcm status", kit.room.general)
    reply = await handle.reply(timeout=10)
    assert reply.ephemeral
    assert reply.data["embeds"], text_of(reply)
    with pytest.raises(PermissionError):
        await kit.learner(0).slash("lcm status", kit.room.general)
