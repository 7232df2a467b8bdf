"""Discord's rules as the sandbox enforces them: invalid requests, limits, permissions, DMs, pings, 429s."""

from __future__ import annotations

import discord
import pytest
from discord.http import Route

from bot.sandbox import permissions as P
from bot.sandbox.kit import Kit, run_client
from bot.sandbox.world import Overwrite
from tests.sandbox.minibot import MiniBot

pytestmark = pytest.mark.e2e


def _post(channel_id: int) -> Route:
    return Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)


async def test_content_over_2000_characters_is_rejected(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot()) as bot:
        channel = bot.get_channel(kit.room.general.id)
        with pytest.raises(discord.HTTPException) as caught:
            await channel.send("x" * 2001)
        assert caught.value.status == 400 and caught.value.code == 50035
        assert caught.value.text == "Invalid Form Body\nIn content: Must be 2000 or fewer in length."
        await channel.send("x" * 2000)
    assert not kit.bot_messages(kit.room.general)[:-1]


async def test_body_only_the_schema_catches_is_rejected(sandbox, kit: Kit, openapi_required) -> None:
    async with run_client(sandbox, MiniBot()) as bot:
        with pytest.raises(discord.HTTPException) as caught:
            await bot.http.request(_post(kit.room.general.id), json={"content": "x", "tts": "yes"})
        assert caught.value.status == 400 and caught.value.code == 50035
    failures = kit.take_failures()
    assert len(failures) == 1 and "tts" in failures[0]
    assert kit.bot_messages() == []


async def test_route_that_does_not_exist_is_rejected(sandbox, kit: Kit, openapi_required) -> None:
    async with run_client(sandbox, MiniBot()) as bot:
        route = Route("POST", "/channels/{channel_id}/shout", channel_id=kit.room.general.id)
        with pytest.raises(discord.HTTPException) as caught:
            await bot.http.request(route, json={"content": "x"})
        assert caught.value.status == 400 and caught.value.code == 50035
        route = Route("PUT", "/channels/{channel_id}/messages", channel_id=kit.room.general.id)
        with pytest.raises(discord.HTTPException) as caught:
            await bot.http.request(route, json={"content": "x"})
        assert caught.value.status == 400 and caught.value.code == 50035
    failures = kit.take_failures()
    assert [f.split(":")[0] for f in failures] == [
        f"request POST /channels/{kit.room.general.id}/shout",
        f"request PUT /channels/{kit.room.general.id}/messages",
    ]


async def test_integer_snowflakes_and_string_bitfields_are_normalised(
    sandbox, kit: Kit, openapi_required
) -> None:
    async with run_client(sandbox, MiniBot()) as bot:
        msg = await kit.learner(0).say(kit.room.general, "hello")
        channel = bot.get_channel(kit.room.general.id)
        partial = channel.get_partial_message(msg.id)
        await partial.reply(
            "ok", allowed_mentions=discord.AllowedMentions(users=[discord.Object(msg.author.id)])
        )
        await channel.set_permissions(bot.get_guild(kit.room.guild.id).default_role, add_reactions=False)
    assert sandbox.record.requests and all(r.validated for r in sandbox.record.requests)
    assert kit.room.general.overwrites[kit.room.guild.id].deny == P.ADD_REACTIONS


async def test_embed_limits(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot()) as bot:
        channel = bot.get_channel(kit.room.general.id)
        eleven = {"embeds": [{"title": str(i)} for i in range(11)]}
        with pytest.raises(discord.HTTPException) as caught:
            await bot.http.request(_post(kit.room.general.id), json=eleven)
        assert caught.value.code == 50035
        kit.take_failures()  # the description's maxItems catches it too (when present)
        big = [discord.Embed(description="d" * 4000), discord.Embed(description="d" * 2001)]
        with pytest.raises(discord.HTTPException) as caught:
            await channel.send(embeds=big)
        assert "6000" in caught.value.text
        with pytest.raises(discord.HTTPException) as caught:
            await channel.send(embed=discord.Embed(title="t" * 257))
        assert "embeds.0.title" in caught.value.text
        assert kit.take_failures() or sandbox.validator is None  # the description's maxLength catches it too
        embed = discord.Embed(title="t")
        for i in range(26):
            embed.add_field(name=str(i), value="v")
        with pytest.raises(discord.HTTPException):
            await channel.send(embed=embed)
        assert kit.take_failures() or sandbox.validator is None  # and maxItems


async def test_command_names_and_localizations(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot()) as bot:
        app = sandbox.world.application_id
        route = Route("PUT", "/applications/{application_id}/commands", application_id=app)
        bad = [
            {"name": "feeds", "description": "Feeds", "type": 1, "name_localizations": {"fr": "Ajouter flux"}}
        ]
        with pytest.raises(discord.HTTPException) as caught:
            await bot.http.request(route, json=bad)
        assert caught.value.code == 50035 and "name_localizations.fr" in caught.value.text
        long_desc = [{"name": "feeds", "description": "d" * 101, "type": 1}]
        with pytest.raises(discord.HTTPException):
            await bot.http.request(route, json=long_desc)
        assert kit.take_failures() or sandbox.validator is None  # the description's maxLength catches it too
        menus = [{"name": f"Menu {i}", "type": 3} for i in range(6)]
        with pytest.raises(discord.HTTPException) as caught:
            await bot.http.request(route, json=menus)
        assert "5" in caught.value.text
        good = [
            {
                "name": "flux",
                "description": "Flux",
                "type": 1,
                "name_localizations": {"fr": "ajouter-flux", "en-US": "add_feed"},
            }
        ]
        await bot.http.request(route, json=good)


async def test_forum_tag_limits_and_archived_threads(sandbox, kit: Kit) -> None:
    room = kit.room
    async with run_client(sandbox, MiniBot()) as bot:
        forum = bot.get_channel(room.forum.id)
        tags = [discord.ForumTag(name=f"t{i}") for i in range(21)]
        with pytest.raises(discord.HTTPException) as caught:
            await forum.edit(available_tags=tags)
        assert "available_tags" in caught.value.text
        await forum.edit(available_tags=tags[:20])
        forum = bot.get_channel(room.forum.id)
        with pytest.raises(discord.HTTPException):
            await forum.create_thread(name="many", content="x", applied_tags=forum.available_tags[:6])
        created = await forum.create_thread(name="post", content="x", applied_tags=forum.available_tags[:5])
        thread = created.thread
        await thread.edit(archived=True)
        with pytest.raises(discord.HTTPException) as caught:
            await thread.edit(name="renamed")
        assert caught.value.code == 50083
        await thread.edit(archived=False, name="renamed")
        assert sandbox.world.channels[thread.id].name == "renamed"


async def test_permissions_are_discords(sandbox, kit: Kit) -> None:
    room = kit.room
    room.bot_role.permissions = P.DEFAULT_EVERYONE  # no Manage Channels, Roles, Threads, Messages, Webhooks
    async with run_client(sandbox, MiniBot()) as bot:
        guild = bot.get_guild(room.guild.id)
        general = guild.get_channel(room.general.id)
        with pytest.raises(discord.Forbidden) as caught:
            await guild.create_text_channel("new")
        assert caught.value.code == 50013 and caught.value.text == "Missing Permissions"
        with pytest.raises(discord.Forbidden):
            await general.set_permissions(guild.default_role, send_messages=False)
        with pytest.raises(discord.Forbidden):
            await general.create_webhook(name="relay")
        msg = await kit.learner(0).say(room.general, "hello")
        with pytest.raises(discord.Forbidden):
            await general.get_partial_message(msg.id).delete()
        # Manage Threads: locking someone else's thread.
        thread = await kit.learner(0).start_thread(msg, "learner thread")
        fetched = await bot.fetch_channel(thread.id)
        with pytest.raises(discord.Forbidden):
            await fetched.edit(locked=True)
        # Send Messages in Threads, removed by an overwrite on the parent.
        room.general.overwrites[room.bot_role.id] = Overwrite(
            room.bot_role.id, 0, 0, P.SEND_MESSAGES_IN_THREADS
        )
        with pytest.raises(discord.Forbidden):
            await fetched.send("hi")
        await general.send("still allowed in the channel")


async def test_overwrites_only_with_permissions_the_bot_has(sandbox, kit: Kit) -> None:
    room = kit.room
    async with run_client(sandbox, MiniBot()) as bot:
        guild = bot.get_guild(room.guild.id)
        general = guild.get_channel(room.general.id)
        learner_role = guild.get_role(room.learner_role.id)
        await general.set_permissions(learner_role, send_messages=False)
        with pytest.raises(discord.Forbidden):
            await general.set_permissions(learner_role, manage_guild=True)
        # Re-sending an overwrite the bot could not grant is fine as long as it does not change it.
        room.staff.overwrites[room.lcm_role.id].allow |= P.MANAGE_GUILD
        staff = await bot.fetch_channel(room.staff.id)
        await staff.edit(topic="unchanged overwrites", overwrites=staff.overwrites)
        with pytest.raises(discord.Forbidden):
            await staff.set_permissions(guild.get_role(room.trainer_role.id), manage_guild=True)
        # Administrator grants everything, overwrites included.
        room.bot_role.permissions |= P.ADMINISTRATOR
        await general.set_permissions(learner_role, manage_guild=True)


async def test_category_sync_on_create_and_move(sandbox, kit: Kit) -> None:
    room = kit.room
    async with run_client(sandbox, MiniBot()) as bot:
        guild = bot.get_guild(room.guild.id)
        category = guild.get_channel(room.category.id)
        await category.set_permissions(guild.get_role(room.learner_role.id), send_messages=False)
        # As on Discord, a channel created in a category is not synced unless given the overwrites.
        plain = await guild.create_text_channel("plain", category=category)
        assert sandbox.world.channels[plain.id].overwrites == {}
        category = guild.get_channel(room.category.id) or category
        synced = await guild.create_text_channel("synced", category=category, overwrites=category.overwrites)
        assert sandbox.world.channels[synced.id].overwrites.keys() == room.category.overwrites.keys()
        staff = guild.get_channel(room.staff.id)
        await staff.move(category=category, beginning=True, sync_permissions=True)
        assert sandbox.world.channels[staff.id].parent_id == room.category.id
        assert sandbox.world.channels[staff.id].overwrites.keys() == room.category.overwrites.keys()


async def test_dm_to_a_member_who_refuses_them(sandbox, kit: Kit) -> None:
    refuses = kit.learner(1)
    assert not refuses.user.accepts_dms
    async with run_client(sandbox, MiniBot()) as bot:
        await kit.learner(1).say(kit.room.general, "dm")
        await kit.learner(0).say(kit.room.general, "dm")
        await kit.wait_message(contains="hello in private")
        errors = [e for e in bot.errors if isinstance(e, discord.Forbidden)]
        assert [(e.status, e.code) for e in errors] == [(403, 50007)]


async def test_allowed_mentions_are_recorded(sandbox, kit: Kit) -> None:
    room = kit.room
    async with run_client(sandbox, MiniBot()) as bot:
        msg = await kit.learner(0).say(room.general, "mention")
        sent = await kit.wait_message(channel=room.general, after=msg)
        assert f"<@&{room.trainer_role.id}>" in sent.data["content"] and "@everyone" in sent.data["content"]
        assert sent.pinged_users == [kit.learner(0).id]
        assert sent.pinged_roles == [] and not sent.pinged_everyone
        msg = await kit.learner(0).say(room.general, "ping")
        reply = await kit.wait_message(channel=room.general, after=msg)
        assert reply.pinged_users == []  # the bot's default: AllowedMentions.none(), replied_user False
        # Without allowed_mentions, Discord pings everything it parses.
        body = {"content": f"<@{kit.trainer.id}> <@&{room.trainer_role.id}> @everyone"}
        data = await bot.http.request(_post(room.general.id), json=body)
        event = kit.sandbox.record.find(lambda e: e.message_id == int(data["id"]))[0]
        assert event.pinged_users == [kit.trainer.id]
        assert event.pinged_roles == [room.trainer_role.id] and event.pinged_everyone


async def test_injected_429_is_retried(sandbox, kit: Kit) -> None:
    room = kit.room
    async with run_client(sandbox, MiniBot()):
        sandbox.inject_429("/channels/{channel_id}/messages", method="POST", times=2, retry_after=0.01)
        msg = await kit.learner(0).say(room.general, "ping")
        reply = await kit.wait_message(channel=room.general, after=msg)
        assert reply.data["content"] == "pong"
    posts = [r for r in sandbox.record.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert [r.status for r in posts] == [429, 429, 200]
    assert len(sandbox.record.of_kind("http.429")) == 2


async def test_global_429_is_retried(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot()) as bot:
        sandbox.inject_429(
            f"/channels/{kit.room.general.id}/messages", times=1, retry_after=0.01, is_global=True
        )
        await bot.get_channel(kit.room.general.id).send("after a global limit")
    assert sandbox.record.of_kind("http.429")[0].data["global"] is True


async def test_hidden_channels_send_the_bot_nothing(sandbox, kit: Kit) -> None:
    room = kit.room
    room.staff.overwrites.pop(room.bot_role.id)
    bot = MiniBot()
    async with run_client(sandbox, bot):
        await kit.lcm.say(room.staff, "ping")
        msg = await kit.learner(0).say(room.general, "ping")
        await kit.wait_message(channel=room.general, after=msg)
        assert [m.channel.id for m in bot.seen] == [room.general.id]
        assert kit.bot_messages(room.staff) == []


async def test_tagging_a_members_post_needs_manage_threads(sandbox, kit: Kit) -> None:
    room = kit.room
    room.bot_role.permissions &= ~P.MANAGE_THREADS
    async with run_client(sandbox, MiniBot()) as bot:
        thread, _ = await kit.learner(0).open_post(room.forum, "Q", "body", tags=["question"])
        post = await bot.fetch_channel(thread.id)
        forum = bot.get_channel(room.forum.id)
        tag = next(t for t in forum.available_tags if t.name == "module-1")
        with pytest.raises(discord.Forbidden):
            await post.add_tags(tag)
        room.bot_role.permissions |= P.MANAGE_THREADS
        await post.add_tags(tag)
        assert kit.tag_names(thread) == ["question", "module-1"]
        await kit.auto_archive(thread)
        with pytest.raises(discord.HTTPException) as caught:
            await post.edit(name="renamed")
        assert caught.value.code == 50083


async def test_a_late_interaction_response_is_refused(sandbox, kit: Kit) -> None:
    sandbox.interaction_deadline = 0.0
    async with run_client(sandbox, MiniBot()):
        handle = await kit.lcm.slash("demo status", kit.room.general)
        await kit.wait_event("interaction.expired")
        assert handle.interaction.responded is False


async def test_an_unvalidated_request_is_a_failure(sandbox, kit: Kit) -> None:
    sandbox.validator = None  # as if the description could not check this request
    sandbox.require_validation = True
    sandbox.validate_responses = False
    async with run_client(sandbox, MiniBot()):
        pass
    failures = kit.take_failures()
    assert failures and all(f.startswith("unvalidated ") for f in failures)
    assert any("/users/@me" in f for f in failures)


async def test_ephemeral_flag_outside_an_interaction_is_ignored(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot()) as bot:
        data = await bot.http.request(_post(kit.room.general.id), json={"content": "for all", "flags": 64})
    event = sandbox.record.find(lambda e: e.message_id == int(data["id"]))[0]
    assert not event.ephemeral and data["flags"] == 0
