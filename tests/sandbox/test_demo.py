"""The demo and its transcript, which must say exactly what the record holds."""

from __future__ import annotations

import io
import re

import pytest

from bot.sandbox.demo import _run
from bot.sandbox.kit import Kit, run_client
from bot.sandbox.record import Event
from bot.sandbox.transcript import Names, readable, render_event, render_transcript
from tests.sandbox.minibot import MiniBot

pytestmark = pytest.mark.e2e

ANSI = re.compile(r"\x1b\[[0-9;]*m")


async def test_transcript_matches_the_record(sandbox, kit: Kit) -> None:
    room = kit.room
    async with run_client(sandbox, MiniBot()):
        msg = await kit.learner(0).say(room.general, "mention")
        await kit.wait_message(channel=room.general, after=msg)
        await (await kit.lcm.slash("demo echo", room.general, text="hi")).reply()
    names = Names.of(sandbox.world)
    text = render_transcript(sandbox.record.events, names)
    assert text == render_transcript(sandbox.record.events, names)  # pure
    # Every message of the record is there, in order, with its author and readable mentions.
    position = 0
    for event in sandbox.record.of_kind("message.create"):
        if event.data["flags"] & 128:
            continue
        line = f"{names.users[event.actor_id]}: {readable(event.data['content'], names)}"
        found = text.find(line, position)
        assert found >= 0, line
        position = found
    pinged = sandbox.record.find(lambda e: e.pinged_users)[0]
    assert f"pings @{names.users[pinged.pinged_users[0]]}" in text
    assert "/demo echo" in text and "text:hi" in text
    colored = render_transcript(sandbox.record.events, names, color=True)
    assert ANSI.sub("", colored) == text


def test_plumbing_events_are_not_shown() -> None:
    names = Names(users={}, roles={}, channels={}, bot_id=1)
    assert render_event(Event(seq=1, kind="gateway.identify"), names) == []


async def test_demo_runs_the_real_bot(tmp_path) -> None:
    pytest.importorskip("bot.app")
    out = io.StringIO()
    code = await _run(False, False, out, "en")
    text = out.getvalue()
    assert code == 0, text
    assert "/lcm status" in text and "/lcm check" in text
    assert "0 problem(s)" in text
