"""The sandbox with a plain discord.py bot: login, gateway, messages, interactions."""

from __future__ import annotations

import pytest

from bot.sandbox.kit import Kit, run_client
from tests.sandbox.minibot import MiniBot

pytestmark = pytest.mark.e2e


async def test_ping_pong(sandbox, kit: Kit) -> None:
    room = kit.room
    async with run_client(sandbox, MiniBot()):
        msg = await kit.learner(0).say(room.general, "ping")
        reply = await kit.wait_message(channel=room.general, after=msg)
        assert reply.data["content"] == "pong"
        assert reply.data["message_reference"]["message_id"] == str(msg.id)
