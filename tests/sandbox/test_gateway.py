"""The gateway: compression, resume with replay, intents, chunking."""

from __future__ import annotations

import zlib

import discord
import discord.utils
import pytest

from bot.sandbox.kit import Kit, run_client
from tests.sandbox.minibot import MiniBot

pytestmark = pytest.mark.e2e


class _ZlibContext:
    """discord.py's zlib-stream context (defined by discord.py only when zstandard is missing)."""

    COMPRESSION_TYPE = "zlib-stream"

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.context = zlib.decompressobj()

    def decompress(self, data: bytes, /) -> str | None:
        self.buffer.extend(data)
        if len(data) < 4 or data[-4:] != b"\x00\x00\xff\xff":
            return None
        msg = self.context.decompress(self.buffer)
        self.buffer = bytearray()
        return msg.decode("utf-8")


async def _ping(kit: Kit) -> None:
    msg = await kit.learner(0).say(kit.room.general, "ping")
    reply = await kit.wait_message(channel=kit.room.general, after=msg)
    assert reply.data["content"] == "pong"


async def test_zstd_stream_by_default(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot()):
        await _ping(kit)
    assert sandbox.record.of_kind("gateway.connect")[0].data["compress"] == "zstd-stream"


async def test_zlib_stream(sandbox, kit: Kit, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.utils, "_ActiveDecompressionContext", _ZlibContext)
    async with run_client(sandbox, MiniBot()):
        await _ping(kit)
    assert sandbox.record.of_kind("gateway.connect")[0].data["compress"] == "zlib-stream"


async def test_resume_replays_what_was_missed(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot()) as bot:
        await _ping(kit)
        assert sandbox.gateway.drop() == 1
        # Posted while the bot is disconnected: only a replay can bring it.
        missed = await kit.learner(0).say(kit.room.general, "ping")
        reply = await kit.wait_message(channel=kit.room.general, after=missed, timeout=15)
        assert reply.data["content"] == "pong"
        resume = sandbox.record.of_kind("gateway.resume")[0]
        assert resume.data["replayed"] >= 1
        assert len(sandbox.record.of_kind("gateway.identify")) == 1
        assert [m.content for m in bot.seen] == ["ping", "ping"]


async def test_op7_reconnect_resumes(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot()):
        sandbox.gateway.send_reconnect()
        await kit.wait_event("gateway.resume", timeout=15)
        await _ping(kit)
        assert len(sandbox.record.of_kind("gateway.identify")) == 1


async def test_members_are_chunked(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot()) as bot:
        guild = bot.get_guild(kit.room.guild.id)
        assert guild is not None and guild.chunked
        assert {m.id for m in guild.members} == set(kit.room.guild.members)
        lcm = guild.get_member(kit.lcm.id)
        assert lcm is not None and lcm.guild_permissions.manage_guild


async def test_missing_privileged_intent_closes_with_4014(sandbox, kit: Kit) -> None:
    sandbox.gateway.privileged_intents = 0
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with run_client(sandbox, MiniBot()):
            pass


async def test_bad_token_is_refused(sandbox, kit: Kit) -> None:
    with pytest.raises(discord.LoginFailure):
        async with run_client(sandbox, MiniBot(), token="not-the-token"):
            pass
