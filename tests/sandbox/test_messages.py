"""Messages, threads, files, webhooks, reactions, pins and history, with a plain discord.py bot."""

from __future__ import annotations

import discord
import pytest

from bot.sandbox.kit import Kit, run_client, text_of
from tests.sandbox.minibot import MiniBot

pytestmark = pytest.mark.e2e


async def test_reply_is_echoed_and_recorded(sandbox, kit: Kit) -> None:
    room = kit.room
    bot = MiniBot()
    async with run_client(sandbox, bot):
        msg = await kit.learner(0).say(room.general, "ping")
        reply = await kit.wait_message(channel=room.general, after=msg)
        assert reply.data["content"] == "pong"
        assert reply.data["message_reference"]["message_id"] == str(msg.id)
        # The bot's own message comes back on the gateway, as on Discord.
        await kit.wait_event("message.create", lambda e: e.message_id == reply.message_id)
        assert bot.seen[0].content == "ping"


async def test_thread_from_message(sandbox, kit: Kit) -> None:
    room = kit.room
    async with run_client(sandbox, MiniBot()):
        msg = await kit.learner(0).say(room.general, "thread")
        created = await kit.wait_event("thread.create", after=msg)
        assert created.channel_id == msg.id
        assert created.data["parent_id"] == str(room.general.id)
        inside = await kit.wait_message(channel=created.channel_id)
        assert inside.data["content"] == "in thread"


async def test_embed_and_file_through_multipart(sandbox, kit: Kit) -> None:
    room = kit.room
    async with run_client(sandbox, MiniBot()):
        msg = await kit.learner(0).say(room.general, "embed")
        sent = await kit.wait_message(channel=room.general, after=msg)
        assert sent.data["embeds"][0]["title"] == "Title"
        assert sent.data["attachments"][0]["filename"] == "minibot.py"
        assert "Desc" in text_of(sent)


async def test_webhook_with_username(sandbox, kit: Kit) -> None:
    room = kit.room
    async with run_client(sandbox, MiniBot()):
        msg = await kit.learner(0).say(room.general, "webhook")
        hooked = await kit.wait_event(
            "message.create", lambda e: e.data.get("webhook_id") is not None, after=msg
        )
        assert hooked.data["author"]["username"] == "Relay Bot"
        assert hooked.data["content"] == "via webhook"
        assert hooked.data["webhook_avatar_url"] == "https://example.invalid/a.png"


async def test_reaction_pin_and_history(sandbox, kit: Kit) -> None:
    room = kit.room
    async with run_client(sandbox, MiniBot()):
        msg = await kit.learner(0).say(room.general, "react")
        await kit.wait_event("reaction.add", lambda e: e.message_id == msg.id, after=msg)
        assert msg.reactions == {"✅": [sandbox.world.bot_user.id]}
        pin = await kit.learner(0).say(room.general, "pin")
        await kit.wait_event("message.pin", lambda e: e.message_id == pin.id)
        assert pin.pinned
        hist = await kit.learner(0).say(room.general, "history")
        answer = await kit.wait_message(channel=room.general, after=hist)
        assert answer.data["content"] == "history 3"


async def test_content_stripped_without_message_content_intent(sandbox, kit: Kit) -> None:
    room = kit.room
    intents = discord.Intents.default()
    intents.members = True
    bot = MiniBot(intents=intents)
    async with run_client(sandbox, bot):
        await kit.learner(0).say(room.general, "secret words")
        bot_user = sandbox.world.bot_user
        await kit.learner(0).say(room.general, f"<@{bot_user.id}> hello")
        await kit.learner(1).say(room.general, "ping")
        await kit.wait_event("message.create", lambda e: e.data["content"] == "ping")
        # Each message reaches the bot; only the one mentioning it keeps its content.
        ordering = await bot.wait_seen(3)
        assert [m.content for m in ordering] == ["", f"<@{bot_user.id}> hello", ""]


async def test_member_edit_delete_and_join_reach_the_bot(sandbox, kit: Kit) -> None:
    room = kit.room
    bot = MiniBot()
    edits: list[str] = []
    deletes: list[int] = []

    async def on_edit(before: discord.Message, after: discord.Message) -> None:
        edits.append(after.content)

    async def on_delete(message: discord.Message) -> None:
        deletes.append(message.id)

    bot.add_listener(on_edit, "on_message_edit")
    bot.add_listener(on_delete, "on_message_delete")
    async with run_client(sandbox, bot):
        msg = await kit.learner(0).say(room.general, "first")
        await kit.learner(0).edit(msg, "second")
        await kit.learner(0).delete(msg)
        newcomer = kit.new_member("zoe")
        await newcomer.join()
        await kit.learner(1).say(room.general, "ping")
        await kit.wait_message(channel=room.general, contains="pong")
        assert edits == ["second"]
        assert deletes == [msg.id]
        assert bot.joined == [newcomer.id]


async def test_webhook_into_a_forum_opens_a_post_and_needs_a_thread_name(sandbox, kit: Kit) -> None:
    import discord

    room = kit.room
    async with run_client(sandbox, MiniBot()) as bot:
        forum = bot.get_channel(room.forum.id)
        hook = await forum.create_webhook(name="Relay")
        message = await hook.send(
            "Comment configurer VS Code ?", username="chloe", thread_name="VS Code", wait=True
        )
        post = sandbox.world.channels[message.channel.id]
        assert post.parent_id == room.forum.id and post.name == "VS Code"
        assert sandbox.world.messages[post.id].webhook_id == hook.id  # the post's first message
        with pytest.raises(discord.HTTPException) as refused:
            await hook.send("no thread name", wait=True)
        assert refused.value.code == 220001


async def test_an_enforced_nonce_returns_the_message_already_created(sandbox, kit: Kit) -> None:
    room = kit.room
    async with run_client(sandbox, MiniBot()) as bot:
        channel = bot.get_channel(room.announcements.id)
        first = await channel.send("once", nonce="lcm-1")  # discord.py sets enforce_nonce with a nonce
        again = await channel.send("once", nonce="lcm-1")
        other = await channel.send("twice", nonce="lcm-2")
    assert again.id == first.id and other.id != first.id
    assert [m.content for m in sandbox.world.history(room.announcements.id)] == ["once", "twice"]
