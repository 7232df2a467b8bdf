"""A bot as a separate process against the sandbox: start, crash, restart, clean stop."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.sandbox.kit import BotProcess, Kit

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


async def _ping(kit: Kit) -> None:
    msg = await kit.learner(0).say(kit.room.general, "ping")
    reply = await kit.wait_message(channel=kit.room.general, after=msg, timeout=15)
    assert reply.data["content"] == "pong"


async def test_process_kill_restart_and_stop(sandbox, kit: Kit, tmp_path) -> None:
    command = [sys.executable, "-m", "tests.sandbox.minibot"]
    first = await BotProcess(sandbox, tmp_path, command=command, PYTHONPATH=str(ROOT)).start()
    await _ping(kit)
    assert await first.kill() == -9
    second = await BotProcess(sandbox, tmp_path, command=command, PYTHONPATH=str(ROOT)).start()
    await _ping(kit)
    assert len(sandbox.record.of_kind("gateway.identify")) == 2
    assert await second.stop() == 0, second.log()
    # discord.py's close sends 1000 while its reader, woken, sends 4000 first: Discord (and the sandbox)
    # see 4000 and keep the session resumable.
    assert sandbox.record.of_kind("gateway.disconnect")[-1].data["code"] in (1000, 4000)


async def test_lcm_bot_run_kill_restart_and_stop(sandbox, kit: Kit, tmp_path) -> None:
    pytest.importorskip("bot.app")
    data = tmp_path / "data"
    first = await BotProcess(sandbox, data).start()
    reply = await (await kit.lcm.slash("lcm status", kit.room.general)).reply(timeout=15)
    assert reply.ephemeral and reply.data["embeds"]
    assert await first.kill() == -9
    # A restart on the same database: a new session, and the bot answers again.
    second = await BotProcess(sandbox, data).start()
    reply = await (await kit.lcm.slash("lcm status", kit.room.general)).reply(timeout=15)
    assert reply.data["embeds"]
    assert len(sandbox.record.of_kind("gateway.identify")) == 2
    assert await second.stop() == 0, second.log()
    # discord.py's close sends 1000 while its reader, woken, sends 4000 first: Discord (and the sandbox)
    # see 4000 and keep the session resumable.
    assert sandbox.record.of_kind("gateway.disconnect")[-1].data["code"] in (1000, 4000)
