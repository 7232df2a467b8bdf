"""A SIGKILL while lcm-bot (a real process) is posting feed items: after a restart, each item is posted
exactly once, with one thread and one prompt."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.sandbox.kit import BotProcess, Kit, text_of
from tests.resources.conftest import BOT_ENV
from tests.resources.helpers import FeedServer, Item

pytestmark = pytest.mark.e2e

TITLES = [f"Article {i}" for i in range(6)]


@pytest.mark.parametrize("killed_after", [1, 4, 8])
async def test_sigkill_in_the_middle_of_posting_loses_nothing_and_repeats_nothing(
    sandbox, kit: Kit, tmp_path, feed_server: FeedServer, killed_after: int
) -> None:
    """The bot is killed after ``killed_after`` of its posting steps (message, thread, prompt)."""
    room = kit.room
    now = datetime.now(UTC)  # the process runs on the real clock
    feed = feed_server.feed(
        "news", items=[Item("Ancien", "https://example.org/old", now - timedelta(hours=2))]
    )
    env = {**BOT_ENV, "LCM__FEEDS__MAX_ITEMS_PER_POLL": "10"}
    data = tmp_path / "data"
    first = await BotProcess(sandbox, data, **env).start()
    try:
        add = await kit.lcm.slash("feed add", room.general, url=feed_server.url("news"), channel=room.general)
        await add.reply(timeout=15)
        fid = 1
        feed.items += [
            Item(t, f"https://example.org/{i}", now - timedelta(minutes=30 - i)) for i, t in enumerate(TITLES)
        ]
        await (await kit.lcm.slash("feed pause", room.general, feed=fid)).reply(timeout=15)
        mark = kit.mark()
        await kit.lcm.slash("feed resume", room.general, feed=fid)  # polls at once
        steps: list[int] = []

        def posting_step(e) -> bool:  # type: ignore[no-untyped-def]
            if e.actor_id != sandbox.world.bot_user.id or e.ephemeral:
                return False
            if e.kind in ("thread.create", "message.create"):
                steps.append(e.seq)
            return len(steps) >= killed_after

        await sandbox.record.wait_for(posting_step, after=mark, timeout=15, what="posting steps")
    finally:
        await first.kill()
    second = await BotProcess(sandbox, data, **env).start()
    try:
        threads = []
        for _ in TITLES:
            event = await kit.wait_event(
                "message.create",
                lambda e: (
                    e.actor_id == sandbox.world.bot_user.id
                    and "💬" in text_of(e)
                    and e.channel_id not in threads
                ),
                after=mark,
                timeout=20,
            )
            threads.append(event.channel_id)
    finally:
        assert await second.stop() == 0, second.log()
    bot_id = sandbox.world.bot_user.id
    posts = [
        e for e in sandbox.record.of_kind("message.create")
        if e.actor_id == bot_id and e.channel_id == room.general.id and not e.ephemeral
    ]  # fmt: skip
    titles = Counter(embed["title"] for e in posts for embed in e.data.get("embeds") or [])
    assert titles == Counter(TITLES), titles
    names = Counter(
        c.name for c in sandbox.world.channels.values() if c.is_thread and c.parent_id == room.general.id
    )
    assert names == Counter(TITLES), names
    prompts = Counter(
        e.channel_id for e in sandbox.record.of_kind("message.create")
        if e.actor_id == bot_id and "💬" in text_of(e)
    )  # fmt: skip
    assert sorted(prompts.values()) == [1] * len(TITLES), prompts
