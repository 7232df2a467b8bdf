"""The sandbox's own responses validate against Discord's description, route by route."""

from __future__ import annotations

import discord
import pytest

from bot.sandbox.kit import Kit, run_client
from tests.sandbox.minibot import MiniBot

pytestmark = pytest.mark.e2e


async def test_read_routes_answer_as_discord_describes(sandbox, kit: Kit, openapi_required) -> None:
    room = kit.room
    assert sandbox.validate_responses
    async with run_client(sandbox, MiniBot()) as bot:
        msg = await kit.learner(0).say(room.general, "ping")
        await kit.wait_message(channel=room.general, after=msg)
        await kit.learner(0).react(msg, "👍")
        thread, _ = await kit.learner(0).open_post(room.forum, "Q", "body", tags=["question"])
        http = bot.http
        await bot.fetch_channel(room.general.id)
        await bot.fetch_channel(thread.id)
        await bot.fetch_channel(room.forum.id)
        await bot.fetch_channel(room.category.id)
        general = bot.get_channel(room.general.id)
        fetched = await general.fetch_message(msg.id)
        assert fetched.content == "ping"
        assert [m.id async for m in general.history(limit=5)][-1] == msg.id
        await general.get_partial_message(msg.id).pin()
        assert [m.id for m in await general.pins()] == [msg.id]
        users = [u async for u in fetched.reactions[0].users()]
        assert [u.id for u in users] == [kit.learner(0).id]
        guild = await bot.fetch_guild(room.guild.id)
        assert guild.name == room.guild.name
        member = await guild.fetch_member(kit.lcm.id)
        assert member.id == kit.lcm.id
        assert len(await guild.fetch_roles()) == len(room.guild.roles)
        assert len(await guild.fetch_channels()) == len(sandbox.world.guild_channels(room.guild.id))
        assert [m.id async for m in guild.fetch_members(limit=None)]
        hook = await general.create_webhook(name="relay")
        assert [w.id for w in await general.webhooks()] == [hook.id]
        assert [w.id for w in await guild.webhooks()] == [hook.id]
        await bot.fetch_webhook(hook.id)
        await http.get_active_threads(room.guild.id)
        thread_obj = await bot.fetch_channel(thread.id)
        await thread_obj.edit(archived=True)
        archived = [t.id async for t in bot.get_channel(room.forum.id).archived_threads()]
        assert archived == [thread.id]
        await thread_obj.edit(archived=False)
        await bot.fetch_user(kit.trainer.id)
        await bot.application_info()
        assert {c.name for c in await bot.tree.fetch_commands()} == {"demo", "Report message", "Greet"}
        await general.typing()
        gm = bot.get_guild(room.guild.id)
        await gm.get_member(kit.learner(1).id).add_roles(gm.get_role(room.trainer_role.id))
        assert room.trainer_role.id in room.guild.members[kit.learner(1).id].roles
        await http.start_private_message(kit.learner(0).id)
        edited = await general.get_partial_message(msg.id).fetch()
        assert edited.pinned
        await thread_edit(bot, thread.id)
        await general.get_partial_message(msg.id).clear_reactions()
        assert msg.reactions == {}
        trainer = gm.get_role(room.trainer_role.id)
        await trainer.edit(mentionable=False, name="formateurs")
        assert room.trainer_role.name == "formateurs" and not room.trainer_role.mentionable
        with pytest.raises(discord.Forbidden):
            await trainer.edit(permissions=discord.Permissions(administrator=True))


async def thread_edit(bot: discord.Client, thread_id: int) -> None:
    thread = await bot.fetch_channel(thread_id)
    await thread.edit(archived=True, locked=True)
    await thread.edit(archived=False)
