"""Slash commands, context menus, buttons, selects and modals through the sandbox."""

from __future__ import annotations

import pytest

from bot.sandbox.kit import Kit, custom_ids, run_client, text_of
from tests.sandbox.minibot import MiniBot

pytestmark = pytest.mark.e2e


async def test_commands_are_synced_globally(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot()):
        sync = sandbox.record.of_kind("commands.sync")[0]
        names = {(c["name"], c["type"]) for c in sync.data["commands"]}
        assert names == {("demo", 1), ("Report message", 3), ("Greet", 2)}
        assert sync.data["scope"] == "global"


async def test_deferred_ephemeral_then_followup_in_members_locale(sandbox, kit: Kit) -> None:
    bot = MiniBot()
    async with run_client(sandbox, bot):
        handle = await kit.lcm.slash("demo status", kit.room.general)
        deferred = await handle.response()
        assert deferred.data["type"] == 5 and deferred.ephemeral
        follow = await handle.followup()
        assert follow.data["message"]["content"] == "status ok (fr)"
        assert follow.ephemeral
        handle = await kit.lcm.slash("demo status", kit.room.general, locale="en-US")
        assert (await handle.followup()).data["message"]["content"] == "status ok (en-US)"


async def test_options_and_edit_of_the_original_response(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot()):
        handle = await kit.lcm.slash("demo echo", kit.room.general, text="hi", times=3)
        final = await handle.reply()
        assert final.data["content"] == "hi hi hi"
        assert not final.ephemeral


async def test_admin_command_is_hidden_from_learners(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot()):
        with pytest.raises(PermissionError):
            await kit.learner(0).slash("demo status", kit.room.general)


async def test_buttons_select_and_update(sandbox, kit: Kit) -> None:
    room = kit.room
    async with run_client(sandbox, MiniBot()):
        posted = await (await kit.lcm.slash("demo buttons", room.general)).reply()
        assert custom_ids(posted) == ["mini:solved", "mini:edit", "mini:pick"]
        thanks = await (await kit.learner(0).click(posted, "mini:solved")).reply()
        assert thanks.ephemeral and text_of(thanks) == "thanks chloe"
        picked = await (await kit.learner(0).select(posted, "mini:pick", ["b"])).reply()
        assert text_of(picked) == "picked b"
        edited = await (await kit.learner(0).click(posted, "mini:edit")).reply()
        assert edited.kind == "message.update"
        assert sandbox.world.messages[posted.message_id].content == "edited by click"
        assert sandbox.world.messages[posted.message_id].components == []


async def test_modal_round_trip(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot()):
        handle = await kit.lcm.slash("demo ask", kit.room.general)
        modal = await handle.modal()
        assert modal["title"] == "Ask a question"
        answer = await (await kit.lcm.submit_modal(handle, {"mini:question": "why?"})).reply()
        assert text_of(answer) == "got: why?"


async def test_message_context_menu(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot()):
        target = await kit.learner(0).say(kit.room.general, "spam")
        reply = await (await kit.trainer.context_menu("Report message", target)).reply()
        assert text_of(reply) == f"reported {target.id}"


async def test_forum_post_with_tag(sandbox, kit: Kit) -> None:
    room = kit.room
    async with run_client(sandbox, MiniBot()):
        reply = await (await kit.lcm.slash("demo post", room.general, forum=room.forum, title="Help")).reply()
        thread = sandbox.record.of_kind("thread.create")[0]
        assert text_of(reply) == f"posted {thread.channel_id}"
        assert thread.data["applied_tags"] == [str(room.tag("question"))]
        starter = sandbox.world.messages[thread.channel_id]
        assert starter.content == "body"


async def test_ephemeral_messages_are_never_dispatched(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot()):
        handle = await kit.lcm.slash("demo status", kit.room.general)
        follow = await handle.followup()
        sent = [p for s in sandbox.gateway.sessions.values() for p in s.buffer if p["t"] == "MESSAGE_CREATE"]
        assert all(p["d"]["id"] != str(follow.message_id) for p in sent)


async def test_member_forum_post_and_dm(sandbox, kit: Kit) -> None:
    room = kit.room
    async with run_client(sandbox, MiniBot()):
        thread, _ = await kit.learner(0).open_post(room.forum, "Question", "ping", tags=["question"])
        assert thread.applied_tags == [room.tag("question")]
        reply = await kit.wait_message(channel=thread)
        assert reply.data["content"] == "pong"
        dm = await kit.learner(0).dm("ping")
        answer = await kit.wait_message(channel=dm.channel_id)
        assert answer.data["content"] == "pong"


async def test_autocomplete_and_user_menu(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot()):
        choices = await kit.lcm.autocomplete("demo pick", kit.room.general, focused="fruit", fruit="ap")
        assert [c["value"] for c in choices] == ["apple", "apricot"]
        reply = await (await kit.lcm.slash("demo pick", kit.room.general, fruit="banana")).reply()
        assert text_of(reply) == "you picked banana"
        greeting = await (await kit.trainer.user_menu("Greet", kit.learner(0), kit.room.general)).reply()
        assert text_of(greeting) == "hello chloe"


async def test_guild_commands(sandbox, kit: Kit) -> None:
    async with run_client(sandbox, MiniBot(sync_guild=kit.room.guild.id)):
        scopes = [e.data["scope"] for e in sandbox.record.of_kind("commands.sync")]
        assert scopes == ["guild", "global"]
        assert sandbox.world.global_commands == []
        handle = await kit.lcm.slash("demo echo", kit.room.general, text="guild")
        assert handle.interaction.data["guild_id"] == str(kit.room.guild.id)
        assert text_of(await handle.reply()) == "guild"
