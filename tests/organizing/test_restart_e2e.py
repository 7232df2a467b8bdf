"""Restarts: deadlines rebuilt from the database, nothing done twice, operations in flight finished."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.sandbox.kit import Kit, run_lcm_bot, text_of
from models import PendingOperation
from tests.helpers import until

pytestmark = pytest.mark.e2e


async def test_a_warning_survives_a_restart_and_the_archive_happens_once(
    sandbox, kit: Kit, tmp_path, clock
) -> None:
    room = kit.room
    data = tmp_path / "data"
    async with run_lcm_bot(sandbox, data, clock=clock) as bot:
        await (await kit.lcm.slash("topic register", room.announcements, channel=room.announcements)).reply()
        clock.advance(timedelta(days=21, minutes=1))
        mark = kit.mark()
        await bot.scheduler.run_due()
        await kit.wait_message(channel=room.announcements, after=mark, contains="Garder ouvert")
    clock.advance(timedelta(days=3, minutes=1))
    async with run_lcm_bot(sandbox, data, clock=clock) as bot:
        # The overdue archive runs at start-up (reconciliation), once.
        summary = await kit.wait_message(
            channel=room.announcements, after=mark, contains="silence", timeout=10
        )
        await bot.scheduler.run_due()
        await bot.get_cog("Topics").reconcile()
        await bot.scheduler.run_due()
    async with run_lcm_bot(sandbox, data, clock=clock) as bot:
        await bot.get_cog("Topics").reconcile()
        await bot.scheduler.run_due()
    warnings = [e for e in kit.bot_messages(room.announcements) if "Garder ouvert" in text_of(e)]
    summaries = [e for e in kit.bot_messages(room.announcements) if "silence" in text_of(e)]
    assert len(warnings) == 1 and summaries == [summary]
    assert sandbox.world.channels[room.announcements.id].parent_id != room.category.id


async def test_a_move_interrupted_after_the_repost_is_finished_at_start_up(
    sandbox, kit: Kit, tmp_path, clock
) -> None:
    room = kit.room
    data = tmp_path / "data"
    original = await kit.learner(0).say(room.announcements, "mal placé")
    async with run_lcm_bot(sandbox, data, clock=clock) as bot:
        # As if the bot stopped right after reposting: the operation is recorded in state "reposted".
        repost = await kit.learner(0).say(room.general, "mal placé")
        async with bot.sessions.begin() as session:
            payload = {
                "source_id": room.announcements.id,
                "message_id": original.id,
                "destination_id": room.general.id,
                "author_id": kit.learner(0).id,
                "by": kit.trainer.id,
                "new_message_id": repost.id,
                "jump_url": f"https://discord.com/channels/{room.guild.id}/{room.general.id}/{repost.id}",
            }
            session.add(
                PendingOperation(
                    guild_id=room.guild.id,
                    kind="move",
                    state="reposted",
                    payload=json.dumps(payload),
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
    mark = kit.mark()
    async with run_lcm_bot(sandbox, data, clock=clock) as bot:
        await kit.wait_message(channel=room.general, after=mark, contains="déplacé ici")
        await kit.wait_message(channel=room.announcements, after=mark, contains="déplacé")
        assert sandbox.world.messages[original.id].deleted
        assert await until(lambda: _none_pending(bot))


async def test_an_archive_interrupted_before_it_finished_is_undone_exactly(
    sandbox, kit: Kit, tmp_path, clock
) -> None:
    room = kit.room
    data = tmp_path / "data"
    channel = room.announcements
    before = {k: (o.type, o.allow, o.deny) for k, o in channel.overwrites.items()}
    async with run_lcm_bot(sandbox, data, clock=clock) as bot:
        await (await kit.lcm.slash("topic register", room.general, channel=channel)).reply()
        topics, pending = bot.services.topics, bot.services.pending
        # The bot saved the channel, recorded the operation and moved it, then stopped.
        from cogs.topics.discord_side import specs_of

        live = bot.get_channel(channel.id)
        await topics.save_before_archive(
            channel.id, previous_category_id=room.category.id, overwrites=specs_of(live)
        )
        await pending.start(
            room.guild.id, "archive", {"channel_id": channel.id, "by": kit.lcm.id, "reason": None}
        )
        await live.edit(category=None, overwrites={})
        await until(lambda: _moved(sandbox, channel.id))
    async with run_lcm_bot(sandbox, data, clock=clock) as bot:
        await until(lambda: _none_pending(bot))
        restored = sandbox.world.channels[channel.id]
        assert restored.parent_id == room.category.id
        assert {k: (o.type, o.allow, o.deny) for k, o in restored.overwrites.items()} == before
        assert (await bot.services.topics.get(channel.id)).state.value == "active"


async def _none_pending(bot):
    return True if await bot.services.pending.unfinished() == [] else None


async def _moved(sandbox, channel_id: int):
    return True if sandbox.world.channels[channel_id].parent_id is None else None
