"""Moving misplaced messages end to end: "Move to...", "Turn into a question", refusals, missing rights."""

from __future__ import annotations

import io

import discord
import pytest

from bot.sandbox import permissions as P
from bot.sandbox.kit import Kit, custom_ids, text_of
from tests.helpers import until

pytestmark = pytest.mark.e2e


async def test_move_reposts_under_the_author_leaves_a_pointer_and_pings_the_author_once(
    course: Kit, sandbox, bot
) -> None:
    kit, room = course, course.room
    original = await kit.learner(0).say(
        room.announcements, "Quelqu'un a compris l'exercice 3 ? https://exemple.org/ex3"
    )
    mark = kit.mark()
    menu = await kit.trainer.context_menu("Move to...", original)
    ask = await menu.reply()
    assert ask.ephemeral
    select = next(c for c in custom_ids(ask) if c.startswith("lcm:move:"))
    done = await (await kit.trainer.select(ask, select, [str(room.general.id)])).reply(timeout=10)
    assert done.ephemeral and f"<#{room.general.id}>" in text_of(done)
    copy = await kit.wait_event(
        "message.create", lambda e: e.channel_id == room.general.id and e.data.get("webhook_id"), after=mark
    )
    repost = sandbox.world.messages[copy.message_id]
    assert repost.author.username == "Chloe"  # the author's display name, through the webhook
    assert copy.data.get("webhook_avatar_url")
    assert "exercice 3" in repost.content and "https://exemple.org/ex3" in repost.content
    assert copy.pinged_users == []
    assert sandbox.world.messages[original.id].deleted
    pointer = await kit.wait_message(channel=room.announcements, after=mark, contains="déplacé")
    assert str(room.general.id) in text_of(pointer) and pointer.pinged_users == []
    notice = await kit.wait_message(channel=room.general, after=mark, contains="déplacé ici")
    assert notice.pinged_users == [kit.learner(0).id]
    # The relay webhook is created once and reused.
    second = await kit.learner(1).say(room.announcements, "Et l'exercice 4 ?")
    ask = await (await kit.trainer.context_menu("Move to...", second)).reply()
    select = next(c for c in custom_ids(ask) if c.startswith("lcm:move:"))
    await (await kit.trainer.select(ask, select, [str(room.general.id)])).reply(timeout=10)
    hooks = [h for h in sandbox.world.webhooks.values() if h.channel_id == room.general.id]
    assert len(hooks) == 1


async def test_learners_are_refused_the_menus(course: Kit, sandbox) -> None:
    kit, room = course, course.room
    message = await kit.learner(0).say(room.general, "hello")
    for name in ("Move to...", "Turn into a question"):
        refusal = await (await kit.learner(2).context_menu(name, message)).reply()
        assert refusal.ephemeral and "formateurs" in text_of(refusal)
    assert not sandbox.world.messages[message.id].deleted


async def test_turn_into_a_question_records_it_and_suggests_earlier_ones(course: Kit, sandbox, bot) -> None:
    kit, room = course, course.room
    first = await kit.learner(0).say(room.questions, "Comment rendre le devoir 2 sur la plateforme ?")
    await until(lambda: bot.services.questions.by_message(first.id))
    misplaced = await kit.learner(1).say(room.general, "comment rendre le devoir 2 sur la plateforme")
    mark = kit.mark()
    ask = await (await kit.lcm.context_menu("Turn into a question", misplaced)).reply()
    select = next(c for c in custom_ids(ask) if c.startswith("lcm:toq:"))
    done = await (await kit.lcm.select(ask, select, [str(room.questions.id)])).reply(timeout=10)
    assert done.ephemeral
    copy = await kit.wait_event(
        "message.create", lambda e: e.channel_id == room.questions.id and e.data.get("webhook_id"), after=mark
    )
    question = await until(lambda: bot.services.questions.by_message(copy.message_id))
    assert question.author_id == kit.learner(1).id and question.thread_id
    suggestion = await kit.wait_message(channel=question.thread_id, after=mark, contains="devoir 2")
    assert any(c.startswith(f"lcm:dup:{question.id}:") for c in custom_ids(suggestion))
    assert sandbox.world.messages[misplaced.id].deleted
    await kit.wait_message(channel=room.general, after=mark, contains="déplacé")
    # The asker can act on the suggestion: it is their question.
    yes = next(c for c in custom_ids(suggestion) if not c.endswith(":no"))
    await (await kit.learner(1).click(suggestion, yes)).response()


async def test_a_missing_permission_is_named_and_nothing_is_half_done(course: Kit, sandbox, bot) -> None:
    kit, room = course, course.room
    # The bot may no longer manage webhooks in general (an overwrite on its role).
    deny = {"type": 0, "allow": "0", "deny": str(P.MANAGE_WEBHOOKS)}
    sandbox.ops.set_overwrite(room.general, room.lcm, room.bot_role.id, deny)
    await until(lambda: _bot_denied(bot, room.general.id, room.bot_role.id))
    message = await kit.learner(0).say(room.announcements, "message mal placé")
    ask = await (await kit.trainer.context_menu("Move to...", message)).reply()
    select = next(c for c in custom_ids(ask) if c.startswith("lcm:move:"))
    refusal = await (await kit.trainer.select(ask, select, [str(room.general.id)])).reply(timeout=10)
    assert refusal.ephemeral and "Manage Webhooks" in text_of(refusal)
    assert not sandbox.world.messages[message.id].deleted
    assert not [h for h in sandbox.world.webhooks.values() if h.channel_id == room.general.id]
    assert await bot.services.pending.unfinished() == []
    # Without Manage Roles, /topic archive refuses before touching anything, and /lcm check lists it.
    deny = {"type": 0, "allow": "0", "deny": str(P.MANAGE_ROLES)}
    sandbox.ops.set_overwrite(room.announcements, room.lcm, room.bot_role.id, deny)
    await until(lambda: _bot_denied(bot, room.announcements.id, room.bot_role.id))
    await (await kit.lcm.slash("topic register", room.announcements, channel=room.announcements)).reply()
    before = (room.announcements.parent_id, dict(room.announcements.overwrites))
    refusal = await (await kit.lcm.slash("topic archive", room.general, channel=room.announcements)).reply()
    assert "Manage Roles" in text_of(refusal)
    assert (room.announcements.parent_id, dict(room.announcements.overwrites)) == before
    check = await (await kit.lcm.slash("lcm check", room.general)).reply(timeout=10)
    assert "Manage Roles" in text_of(check)


async def _bot_denied(bot, channel_id: int, role_id: int):
    channel = bot.get_channel(channel_id)
    return any(o.id == role_id for o in channel._overwrites) or None


async def test_turn_into_a_question_in_a_forum_space_opens_a_post_under_the_author(
    course: Kit, sandbox, bot
) -> None:
    kit, room = course, course.room
    await (await kit.lcm.slash("lcm space add", room.general, channel=room.forum)).reply()
    misplaced = await kit.learner(0).say(room.general, "Comment configurer VS Code pour Python ?")
    mark = kit.mark()
    ask = await (await kit.trainer.context_menu("Turn into a question", misplaced)).reply()
    select = next(c for c in custom_ids(ask) if c.startswith("lcm:toq:"))
    await (await kit.trainer.select(ask, select, [str(room.forum.id)])).reply(timeout=10)
    copy = await kit.wait_event("message.create", lambda e: e.data.get("webhook_id"), after=mark)
    post = sandbox.world.channels[copy.channel_id]
    assert post.parent_id == room.forum.id and "VS Code" in post.name
    question = await until(lambda: bot.services.questions.by_place(post.id))
    assert question.author_id == kit.learner(0).id
    assert sandbox.world.messages[misplaced.id].deleted


async def test_attachments_are_uploaded_again_or_linked_when_too_big(course: Kit, sandbox, bot) -> None:
    kit, room = course, course.room
    moving = bot.get_cog("Moving")
    big_size = 30 * 1024 * 1024  # over the server's upload limit

    async def fake_fetch(attachment):  # tests never reach the network: "download" from memory
        return discord.File(io.BytesIO(b"print('hi')\n"), filename=attachment.filename)

    moving.fetch_file = fake_fetch
    message = await kit.learner(0).say(
        room.announcements,
        "mon script et ma vidéo",
        files=[
            {"filename": "script.py", "data": b"print('hi')\n", "content_type": "text/x-python"},
            {"filename": "video.mp4", "data": b"0" * 16, "content_type": "video/mp4"},
        ],
    )
    # The sandbox stores the sizes it was given; make the video look too big to upload again.
    sandbox.world.messages[message.id].attachments[1]["size"] = big_size
    mark = kit.mark()
    ask = await (await kit.trainer.context_menu("Move to...", message)).reply()
    select = next(c for c in custom_ids(ask) if c.startswith("lcm:move:"))
    await (await kit.trainer.select(ask, select, [str(room.general.id)])).reply(timeout=10)
    copy = await kit.wait_event(
        "message.create", lambda e: e.channel_id == room.general.id and e.data.get("webhook_id"), after=mark
    )
    repost = sandbox.world.messages[copy.message_id]
    assert [a["filename"] for a in repost.attachments] == ["script.py"]
    assert "video.mp4" in repost.content  # linked instead


async def test_a_full_category_is_refused_before_anything_is_created(course: Kit, sandbox, bot) -> None:
    kit, room = course, course.room
    existing = [c for c in sandbox.world.channels.values() if c.parent_id == room.category.id]
    for i in range(50 - len(existing)):
        sandbox.ops.create_channel(
            room.guild, room.lcm, {"name": f"rempli-{i}", "parent_id": str(room.category.id)}
        )
    await until(lambda: _category_size(bot, room.category.id, 50))
    before = len(sandbox.world.channels)
    refusal = await (
        await kit.lcm.slash("topic open", room.general, name="de-trop", category=room.category)
    ).reply()
    assert refusal.ephemeral and "50" in text_of(refusal) and "pleine" in text_of(refusal)
    assert len(sandbox.world.channels) == before
    assert await bot.services.pending.unfinished() == []


async def _category_size(bot, category_id: int, size: int):
    category = bot.get_channel(category_id)
    return True if category is not None and len(category.channels) >= size else None
