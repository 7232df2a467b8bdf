"""The real ``lcm-bot run`` process against the sandbox: a refused intent, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from bot.sandbox.kit import BotProcess
from bot.sandbox.seed import seed_classroom
from bot.sandbox.server import Sandbox

pytestmark = pytest.mark.e2e


async def test_missing_privileged_intent_stops_with_one_line_naming_the_switch(tmp_path: Path) -> None:
    sandbox = Sandbox(privileged_intents=0)  # the developer portal's switches are off
    await sandbox.start()
    try:
        seed_classroom(sandbox.world)
        proc = BotProcess(sandbox, tmp_path / "data")
        with pytest.raises(RuntimeError):  # it exits before (or right after) identifying
            await proc.start()
            await asyncio.wait_for(proc.process.wait(), 30)
            raise RuntimeError("exited")
        assert proc.process is not None
        code = await asyncio.wait_for(proc.process.wait(), 30)
        assert code == 1
        log = proc.log()
        assert "Traceback" not in log
        assert "Privileged Gateway Intents" in log and "Message Content Intent" in log
    finally:
        await sandbox.stop()


async def test_sigterm_and_sigint_stop_cleanly_with_exit_code_0(tmp_path: Path) -> None:
    sandbox = Sandbox()
    await sandbox.start()
    try:
        seed_classroom(sandbox.world)
        for sig in (signal.SIGTERM, signal.SIGINT):
            proc = await BotProcess(sandbox, tmp_path / "data").start()
            assert proc.process is not None
            proc.process.send_signal(sig)
            assert await asyncio.wait_for(proc.process.wait(), 30) == 0
            assert "Traceback" not in proc.log() and "ERROR" not in proc.log()
    finally:
        await sandbox.stop()
