"""``lcm-bot demo --keep``'s console: each line acts as a member, and the bot's answer is printed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.sandbox.console import Console
from bot.sandbox.kit import Kit, run_lcm_bot

pytestmark = pytest.mark.e2e


async def test_console_lines_act_as_members_and_print_the_bot(sandbox, kit: Kit, tmp_path: Path) -> None:
    clock = FakeClock()
    out = io.StringIO()
    async with run_lcm_bot(sandbox, tmp_path / "data", clock=clock) as bot:
        console = Console(kit, bot, clock, "en", color=False, out=out, settle=1.0)
        assert await console.run_line("say chloe #general Hello everyone")
        assert "chloe: Hello everyone" in out.getvalue()
        assert await console.run_line("slash alice #general lcm status")
        assert "only visible to alice" in out.getvalue() and "0.1.0" in out.getvalue()
        assert await console.run_line("say nobody #general hi")
        assert "No member called nobody" in out.getvalue()
        assert await console.run_line("slash chloe #general lcm status")
        assert "hidden" in out.getvalue()
        assert not await console.run_line("quit")
