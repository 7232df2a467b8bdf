"""Topic channels end to end: open, archive with summary and transcript, reopen exactly, idle rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.sandbox import permissions as P
from bot.sandbox.errors import DiscordHTTPError
from bot.sandbox.kit import Kit, custom_ids, text_of
from bot.sandbox.world import ChannelType
from tests.helpers import until

pytestmark = pytest.mark.e2e


def capture_transcripts(monkeypatch) -> list[tuple[str, str]]:
    """Record every transcript the bot uploads (name, text)."""
    import cogs.topics.operations as operations

    seen: list[tuple[str, str]] = []
    real = operations.transcript_file

    def spy(text: str, channel_name: str):
        seen.append((channel_name, text))
        return real(text, channel_name)

    monkeypatch.setattr(operations, "transcript_file", spy)
    return seen


def channel_named(sandbox, name: str):
    return next((c for c in sandbox.world.channels.values() if c.name == name), None)


async def test_open_creates_the_channel_with_a_pinned_welcome_and_role_visibility(
    course: Kit, sandbox
) -> None:
    kit, room = course, course.room
    handle = await kit.lcm.slash(
        "topic open", room.general, name="module-3", description="Les boucles et les fonctions",
        category=room.category, visible_to=room.learner_role,
    )  # fmt: skip
    reply = await handle.reply()
    assert reply.ephemeral
    channel = channel_named(sandbox, "module-3")
    assert channel is not None and channel.parent_id == room.category.id
    assert channel.topic == "Les boucles et les fonctions"
    welcome = [m for m in sandbox.world.history(channel.id) if m.author.id == sandbox.world.bot_user.id]
    assert len(welcome) == 1 and welcome[0].pinned
    assert (
        "Les boucles et les fonctions" in welcome[0].content
        and f"<#{room.questions.id}>" in welcome[0].content
    )
    everyone = channel.overwrites[room.guild.id]
    assert everyone.deny & P.VIEW_CHANNEL
    assert channel.overwrites[room.learner_role.id].allow & P.VIEW_CHANNEL
    bot_id = sandbox.world.bot_user.id
    assert sandbox.world.channel_permissions(channel, bot_id) & P.VIEW_CHANNEL
    # A learner sees it (by role); someone without the role does not.
    assert sandbox.world.channel_permissions(channel, room.learners[0].id) & P.VIEW_CHANNEL
    outsider = kit.new_member("zoe")
    await outsider.join()
    assert not sandbox.world.channel_permissions(channel, outsider.id) & P.VIEW_CHANNEL


async def test_learners_cannot_open_topics(course: Kit) -> None:
    with pytest.raises(PermissionError):
        await course.learner(0).slash("topic open", course.room.general, name="x")


async def test_archive_of_a_long_channel_is_read_only_with_summary_and_complete_transcript(
    course: Kit, sandbox, bot, clock, monkeypatch
) -> None:
    kit, room = course, course.room
    transcripts = capture_transcripts(monkeypatch)
    await (await kit.lcm.slash("topic open", room.general, name="projet", description="Le projet")).reply()
    channel = channel_named(sandbox, "projet")
    for i in range(130):
        await kit.learner(i % 3).say(channel, f"message numéro {i} — é ü")
    thread = await kit.learner(0).start_thread(sandbox.world.history(channel.id)[5], "aparté")
    await kit.learner(1).say(thread, "dans le fil")
    clock.advance(timedelta(days=2))
    mark = kit.mark()
    handle = await kit.lcm.slash("topic archive", room.general, channel=channel, reason="Module terminé")
    await handle.reply(timeout=20)
    archived = sandbox.world.channels[channel.id]
    archive = sandbox.world.channels[archived.parent_id]
    assert archive.type == ChannelType.GUILD_CATEGORY and archive.name == "Archives"
    # Read-only for learners, still writable by staff.
    assert not sandbox.world.channel_permissions(archived, room.learners[0].id) & P.SEND_MESSAGES
    assert sandbox.world.channel_permissions(archived, room.learners[0].id) & P.VIEW_CHANNEL
    assert sandbox.world.channel_permissions(archived, room.trainer.id) & P.SEND_MESSAGES
    summary = await kit.wait_message(channel=channel, after=mark, contains="archivé")
    text = text_of(summary)
    assert "131" in text or "132" in text  # welcome + 130 learners' messages (+ thread message)
    assert "132 message(s) de 3 participant(s)" in text  # welcome, 130 messages, 1 in the thread
    assert "Module terminé" in text and "Ouvert pendant 2 j" in text
    message = sandbox.world.messages[summary.message_id]
    assert [a["filename"] for a in message.attachments] == ["transcript-projet.md"]
    # The sandbox keeps no attachment bytes: read the transcript the bot uploaded.
    ((name, transcript),) = transcripts
    assert name == "projet"
    assert message.attachments[0]["size"] == len(transcript.encode("utf-8"))
    lines = [line for line in transcript.splitlines() if line.startswith("> message numéro")]
    assert lines == [f"> message numéro {i} — é ü" for i in range(130)]  # every message, in order
    assert "aparté" in transcript and "> dans le fil" in transcript
    with pytest.raises(DiscordHTTPError) as refused:
        await kit.learner(0).say(channel, "encore ?")
    assert refused.value.status == 403


async def _bot_sees_overwrite(bot, channel_id: int, target_id: int):
    channel = bot.get_channel(channel_id)
    return any(o.id == target_id for o in channel._overwrites) or None


async def test_reopen_restores_category_and_every_overwrite_exactly(course: Kit, sandbox, bot) -> None:
    kit, room = course, course.room
    await (
        await kit.lcm.slash(
            "topic open", room.general, name="atelier", category=room.category, visible_to=room.learner_role
        )
    ).reply()
    channel = channel_named(sandbox, "atelier")
    # A member-specific overwrite, as an LCM would add by hand: the trainer may not post reactions here.
    body = {"type": 1, "allow": str(P.MANAGE_MESSAGES), "deny": str(P.ADD_REACTIONS)}
    sandbox.ops.set_overwrite(channel, room.lcm, room.trainer.id, body)
    await until(lambda: _bot_sees_overwrite(bot, channel.id, room.trainer.id))
    before = {k: (o.type, o.allow, o.deny) for k, o in channel.overwrites.items()}
    await (await kit.lcm.slash("topic archive", room.general, channel=channel)).reply(timeout=20)
    assert sandbox.world.channels[channel.id].parent_id != room.category.id
    assert {
        k: (o.type, o.allow, o.deny) for k, o in sandbox.world.channels[channel.id].overwrites.items()
    } != before
    mark = kit.mark()
    await (await kit.lcm.slash("topic reopen", room.general, channel=channel)).reply()
    reopened = sandbox.world.channels[channel.id]
    assert reopened.parent_id == room.category.id
    assert {k: (o.type, o.allow, o.deny) for k, o in reopened.overwrites.items()} == before
    await kit.wait_message(channel=channel, after=mark, contains="rouvert")
    await kit.learner(0).say(channel, "on reprend")


async def test_idle_warning_keep_open_then_archive_when_nobody_keeps_it(
    course: Kit, sandbox, bot, clock
) -> None:
    kit, room = course, course.room
    await (await kit.lcm.slash("topic register", room.announcements, channel=room.announcements)).reply()
    await (await kit.lcm.slash("topic register", room.general, channel=room.general)).reply()
    clock.advance(timedelta(hours=6))
    await kit.learner(0).say(room.general, "dernier message ici")
    await until(lambda: _activity(bot, room.general.id, clock.now()))
    clock.advance(timedelta(days=21) - timedelta(hours=5))
    mark = kit.mark()
    await bot.scheduler.run_due()
    warning = await kit.wait_message(channel=room.announcements, after=mark, contains="Garder ouvert")
    keep = next(c for c in custom_ids(warning) if c.endswith(":keep"))
    assert not [e for e in kit.bot_messages(room.general) if e.seq > mark]  # general was active later
    # Anyone may keep it open.
    handle = await kit.learner(1).click(warning, keep)
    kept = await handle.reply()
    assert "reste ouvert" in text_of(kept)
    # Three days later: the kept channel stays; general, quiet for 21 days by now, gets its warning.
    clock.advance(timedelta(days=3, minutes=1))
    mark = kit.mark()
    await bot.scheduler.run_due()
    await kit.wait_message(channel=room.general, after=mark, contains="Garder ouvert")
    assert sandbox.world.channels[room.announcements.id].parent_id == room.category.id
    # Nobody keeps general open: archived three days later, with its summary.
    clock.advance(timedelta(days=3, minutes=1))
    await bot.scheduler.run_due()
    summary = await kit.wait_message(channel=room.general, after=mark, contains="silence")
    assert sandbox.world.channels[room.general.id].parent_id != room.category.id
    assert sandbox.world.messages[summary.message_id].attachments
    # A restart neither archives twice nor forgets: the archived channel has no timer left.
    assert f"topic:{room.general.id}" not in bot.scheduler.pending()
    # An unregistered channel is never archived.
    assert sandbox.world.channels[room.questions.id].parent_id == room.category.id


async def _activity(bot, channel_id: int, now):
    topic = await bot.services.topics.get(channel_id)
    return topic if topic and topic.last_activity_at == now else None


async def test_a_forum_topic_gets_a_pinned_welcome_post_and_archives_with_a_summary_post(
    course: Kit, sandbox, monkeypatch
) -> None:
    kit, room = course, course.room
    transcripts = capture_transcripts(monkeypatch)
    await (await kit.lcm.slash("topic open", room.general, name="forum-projets", kind="forum")).reply()
    forum = channel_named(sandbox, "forum-projets")
    assert forum.type == ChannelType.GUILD_FORUM
    posts = [c for c in sandbox.world.channels.values() if c.parent_id == forum.id]
    assert len(posts) == 1 and "Bienvenue" in posts[0].name
    post, _ = await kit.learner(0).open_post(forum, "Mon projet", "Voici mon idée de projet")
    await kit.learner(1).say(post, "Super idée")
    await (await kit.lcm.slash("topic archive", room.general, channel=forum)).reply(timeout=20)
    summary_posts = [
        c for c in sandbox.world.channels.values() if c.parent_id == forum.id and "Archivé" in c.name
    ]
    assert len(summary_posts) == 1
    ((_, transcript),) = transcripts
    assert "Voici mon idée de projet" in transcript and "Super idée" in transcript


async def test_a_deleted_topic_channel_is_forgotten(course: Kit, sandbox, bot) -> None:
    kit, room = course, course.room
    await (await kit.lcm.slash("topic open", room.general, name="ephemere")).reply()
    channel = channel_named(sandbox, "ephemere")
    assert f"topic:{channel.id}" in bot.scheduler.pending()
    await bot.get_channel(channel.id).delete()  # as an admin would (the gateway tells the bot)
    await until(lambda: _forgotten(bot, channel.id))
    assert f"topic:{channel.id}" not in bot.scheduler.pending()


async def _forgotten(bot, channel_id: int):
    return True if await bot.services.topics.get(channel_id) is None else None
