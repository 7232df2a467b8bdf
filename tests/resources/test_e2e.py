"""Resources end to end: the real bot through the sandbox, feeds served on 127.0.0.1, a fake clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.sandbox.kit import Kit, text_of
from bot.sandbox.record import Event
from tests.resources.conftest import start_bot
from tests.resources.helpers import FeedServer, Item

pytestmark = pytest.mark.e2e


def public(kit: Kit, channel_id: int, after: int = 0) -> list[Event]:
    """The bot's non-ephemeral messages in a channel or thread."""
    return [
        e
        for e in kit.sandbox.record.of_kind("message.create", after=after)
        if e.actor_id == kit.sandbox.world.bot_user.id and e.channel_id == channel_id and not e.ephemeral
    ]


def embed_titles(events: list[Event]) -> list[str]:
    return [embed.get("title", "") for e in events for embed in e.data.get("embeds") or []]


def threads_named(kit: Kit, parent_id: int) -> dict[int, str]:
    return {
        c.id: c.name for c in kit.sandbox.world.channels.values() if c.is_thread and c.parent_id == parent_id
    }


async def add_feed(kit: Kit, feed_server: FeedServer, channel, name: str = "news", **options) -> Event:  # type: ignore[no-untyped-def]
    handle = await kit.lcm.slash(
        "feed add", kit.room.general, url=feed_server.url(name), channel=channel, **options
    )
    reply = await handle.reply()
    assert reply.ephemeral
    return reply


async def poll_now(bot, clock, minutes: int = 15) -> None:  # type: ignore[no-untyped-def]
    clock.advance(timedelta(minutes=minutes))
    await bot.scheduler.run_due()


async def test_a_feed_is_seeded_then_a_new_item_is_posted_once_with_its_debate(
    lcm_room: Kit, bot, clock, feed_server: FeedServer
) -> None:
    kit, room = lcm_room, lcm_room.room
    now = clock.now()
    feed = feed_server.feed(
        "news",
        title="Le blog",
        items=[
            Item(f"Ancien {i}", f"https://example.org/old{i}", now - timedelta(hours=i + 1)) for i in range(3)
        ],
    )
    mark = kit.mark()
    reply = await add_feed(kit, feed_server, room.general)
    assert "3" in text_of(reply) and "Le blog" in text_of(reply)
    assert public(kit, room.general.id, mark) == []  # seeded silently

    feed.items.append(
        Item(
            f"Alerte @everyone <@&{room.learner_role.id}> **gras**",
            "https://example.org/new?utm_source=rss",
            clock.now(),
            summary="<p>Un résumé <b>riche</b> @here</p>",
            image="https://example.org/new.png",
        )
    )
    mark = kit.mark()
    await poll_now(bot, clock)
    post = await kit.wait_message(channel=room.general, after=mark, predicate=lambda e: not e.ephemeral)
    embed = post.data["embeds"][0]
    assert embed["url"] == "https://example.org/new"  # canonical link
    assert "Alerte" in embed["title"] and "Un résumé" in embed["description"]
    assert embed["footer"]["text"] == "Le blog" and embed["image"]["url"] == "https://example.org/new.png"
    assert not post.pinged_everyone and post.pinged_roles == [] and post.pinged_users == []
    thread_event = await kit.wait_event(
        "thread.create", lambda e: e.data.get("parent_id") == str(room.general.id), after=mark
    )
    assert thread_event.data["name"].startswith("Alerte @")
    assert len(thread_event.data["name"]) <= 100
    prompt = await kit.wait_message(channel=thread_event.channel_id, after=mark)
    assert "💬" in text_of(prompt) and not prompt.pinged_everyone

    # Nothing more on later polls.
    mark = kit.mark()
    await poll_now(bot, clock)
    await poll_now(bot, clock)
    assert public(kit, room.general.id, mark) == []
    info = (await bot.services.feeds.list(room.guild.id))[0]
    assert info.items_posted == 1

    # Replies in the debate are counted.
    thread = kit.sandbox.world.channels[thread_event.channel_id]
    await kit.learner(0).say(thread, "Intéressant !")
    await kit.learner(1).say(thread, "Je ne suis pas d'accord")
    last = await kit.learner(0).say(thread, "Pourquoi ?")
    for _ in range(200):
        stats = await bot.services.debates.stats(room.guild.id)
        if stats and stats[0].replies == 3:
            break
        await asyncio.sleep(0.01)
    assert (stats[0].replies, stats[0].participants) == (3, 2), last


async def test_restart_finishes_what_was_chosen_and_never_posts_twice(
    sandbox, classroom, kit: Kit, data_dir, clock, feed_server: FeedServer
) -> None:
    room = kit.room
    feed = feed_server.feed("news", items=[Item("Ancien", "https://example.org/old", clock.now())])
    async with start_bot(sandbox, data_dir, clock) as bot:
        await add_feed(kit, feed_server, room.general)
        fid = (await bot.services.feeds.list(room.guild.id))[0].id
        feed.items.append(Item("Choisi puis tué", "https://example.org/a", clock.now()))
        feed.items.append(Item("Envoyé puis tué", "https://example.org/b", clock.now()))
        clock.advance(timedelta(minutes=15))
        # The poll records both items as "to post"; the bot dies before posting the first and right
        # after sending the second (before recording it).
        outcome = await bot.services.feeds.poll(fid)
        assert len(outcome.to_post) == 2
        links = {i: (await bot.services.feeds.item(i)).link for i in outcome.to_post}  # type: ignore[union-attr]
        sent_id = next(i for i, link in links.items() if link == "https://example.org/b")
        item = await bot.services.feeds.item(sent_id)
        assert item is not None
        from cogs.feeds.render import embed_for_item

        await bot.services.feeds.item_sending(sent_id)
        await bot.get_channel(room.general.id).send(embed=embed_for_item(item))  # type: ignore[union-attr]
    mark = kit.mark()
    async with start_bot(sandbox, data_dir, clock) as bot:
        await kit.wait_event("thread.create", lambda e: e.data.get("name") == "Choisi puis tué", after=mark)
        await kit.wait_event("thread.create", lambda e: e.data.get("name") == "Envoyé puis tué", after=mark)
        for _ in range(300):
            if not await bot.services.feeds.pending_items():
                break
            await asyncio.sleep(0.01)
        assert await bot.services.feeds.pending_items() == []
        await poll_now(bot, clock)
    titles = embed_titles(public(kit, room.general.id))
    assert sorted(titles) == ["Choisi puis tué", "Envoyé puis tué"]  # each exactly once
    names = sorted(threads_named(kit, room.general.id).values())
    assert names == ["Choisi puis tué", "Envoyé puis tué"]


async def test_a_forum_feed_opens_one_post_per_item_with_the_prompt_first(
    lcm_room: Kit, bot, clock, feed_server: FeedServer
) -> None:
    kit, room = lcm_room, lcm_room.room
    feed = feed_server.feed("forum", items=[])
    await add_feed(kit, feed_server, room.forum, name="forum", prompt="Qu'en pensez-vous, @everyone ?")
    feed.items.append(Item("Un article", "https://example.org/f1", clock.now(), summary="Résumé"))
    mark = kit.mark()
    await poll_now(bot, clock)
    created = await kit.wait_event(
        "thread.create", lambda e: e.data.get("parent_id") == str(room.forum.id), after=mark
    )
    assert created.data["name"] == "Un article"
    starter = await kit.wait_message(
        channel=created.channel_id, after=mark - 1, predicate=lambda e: bool(e.data.get("embeds"))
    )
    assert starter.data["embeds"][0]["url"] == "https://example.org/f1"
    prompt = await kit.wait_message(channel=created.channel_id, after=mark, contains="Qu'en pensez-vous")
    assert not prompt.pinged_everyone
    messages = public(kit, created.channel_id, mark)
    assert len(messages) == 2 and messages[0].message_id == starter.message_id


async def test_a_failing_feed_is_reported_once_to_the_log_channel(
    lcm_room: Kit, bot, clock, feed_server: FeedServer
) -> None:
    kit, room = lcm_room, lcm_room.room
    feed = feed_server.feed("flaky", items=[Item("A", "https://example.org/x", clock.now())])
    await add_feed(kit, feed_server, room.general, name="flaky")
    fid = (await bot.services.feeds.list(room.guild.id))[0].id
    feed.status = 404
    mark = kit.mark()
    for _ in range(6):
        info = await bot.services.feeds.get(fid)
        clock.set(info.next_poll_at)
        await bot.scheduler.run_due()
    notices = public(kit, room.staff.id, mark)
    assert len(notices) == 1
    text = text_of(notices[0])
    assert "introuvable" in text  # the reason in plain words, in the guild's language (French)
    assert "RSS" in text  # and the fix
    handle = await kit.lcm.slash("feed list", room.general)
    listing = text_of(await handle.reply())
    assert "en panne" in text_of(await handle.reply()) or "failing" in listing


async def test_preview_posts_nothing_and_share_posts_a_page_once(
    lcm_room: Kit, bot, clock, feed_server: FeedServer
) -> None:
    kit, room = lcm_room, lcm_room.room
    feed_server.feed(
        "news",
        title="Aperçu",
        items=[
            Item(f"Article {i}", f"https://example.org/{i}", clock.now() - timedelta(hours=i))
            for i in range(5)
        ],
    )
    mark = kit.mark()
    reply = await (await kit.lcm.slash("feed preview", room.general, url=feed_server.url("news"))).reply()
    assert reply.ephemeral and len(reply.data["embeds"]) == 3
    assert [e["title"] for e in reply.data["embeds"]] == ["Article 0", "Article 1", "Article 2"]
    assert public(kit, room.general.id, mark) == []

    page = feed_server.feed("page")
    page.content_type = "text/html; charset=utf-8"
    page.body = (
        '<html><head><meta property="og:title" content="Une page partagée">'
        '<meta property="og:description" content="Sa description"></head><body></body></html>'
    ).encode()
    mark = kit.mark()
    done = await (
        await kit.lcm.slash(
            "feed share", room.general, url=feed_server.url("page"), comment="À lire avant jeudi"
        )
    ).reply()
    assert done.ephemeral
    posts = public(kit, room.general.id, mark)
    assert embed_titles(posts) == ["Une page partagée"] and "À lire avant jeudi" in text_of(posts[0])
    await kit.wait_event("thread.create", lambda e: e.data.get("name") == "Une page partagée", after=mark)
    again = await (await kit.lcm.slash("feed share", room.general, url=feed_server.url("page"))).reply()
    assert "déjà" in text_of(again)


async def test_feed_commands_are_hidden_from_learners_and_list_shows_state(
    lcm_room: Kit, bot, feed_server: FeedServer, clock
) -> None:
    kit, room = lcm_room, lcm_room.room
    with pytest.raises(PermissionError):
        await kit.learner(0).slash("feed list", room.general)
    feed_server.feed("news", title="Mon flux", items=[Item("A", "https://example.org/a", clock.now())])
    await add_feed(kit, feed_server, room.general)
    listing = text_of(await (await kit.lcm.slash("feed list", room.general)).reply())
    assert "Mon flux" in listing and f"<#{room.general.id}>" in listing
    fid = (await bot.services.feeds.list(room.guild.id))[0].id
    paused = text_of(await (await kit.lcm.slash("feed pause", room.general, feed=fid)).reply())
    assert "pause" in paused
    assert f"feed:{fid}" not in bot.scheduler.pending()
    await (await kit.lcm.slash("feed resume", room.general, feed=fid)).reply()
    assert f"feed:{fid}" in bot.scheduler.pending() or (await bot.services.feeds.get(fid)).last_polled_at  # type: ignore[union-attr]
    await (await kit.lcm.slash("feed remove", room.general, feed=fid)).reply()
    assert await bot.services.feeds.list(room.guild.id) == []


async def test_lcm_check_names_what_the_bot_lacks_in_a_feed_channel(
    lcm_room: Kit, bot, sandbox, feed_server: FeedServer, clock
) -> None:
    from bot.sandbox import permissions as P

    kit, room = lcm_room, lcm_room.room
    feed_server.feed("news", title="Mon flux", items=[Item("A", "https://example.org/a", clock.now())])
    await add_feed(kit, feed_server, room.announcements)
    report = text_of(await (await kit.lcm.slash("lcm check", room.general)).followup())
    assert "Mon flux" in report and f"<#{room.announcements.id}>" in report
    mark = kit.mark()
    sandbox.ops.set_overwrite(
        room.announcements,
        kit.lcm.user,
        room.bot_role.id,
        {"type": 0, "allow": "0", "deny": str(P.CREATE_PUBLIC_THREADS | P.EMBED_LINKS)},
    )
    await kit.wait_event("channel.overwrite", after=mark)
    report = text_of(await (await kit.lcm.slash("lcm check", room.general)).followup())
    line = next(line for line in report.splitlines() if "Mon flux" in line)
    assert "Create Public Threads" in line and "Embed Links" in line


async def test_edit_moves_a_feed_and_autocomplete_offers_the_guilds_feeds(
    lcm_room: Kit, bot, feed_server: FeedServer, clock
) -> None:
    kit, room = lcm_room, lcm_room.room
    feed = feed_server.feed("news", title="Le fil", items=[Item("A", "https://example.org/a", clock.now())])
    await add_feed(kit, feed_server, room.general)
    choices = await kit.lcm.autocomplete("feed edit", room.general, "feed", feed="fil")
    assert len(choices) == 1 and "Le fil" in choices[0]["name"] and "#general" in choices[0]["name"]
    fid = choices[0]["value"]
    assert await kit.lcm.autocomplete("feed edit", room.general, "feed", feed="nothing like it") == []
    reply = await (
        await kit.lcm.slash(
            "feed edit", room.general, feed=fid, channel=room.questions, interval=60, exclude="sponsor"
        )
    ).reply()
    assert f"<#{room.questions.id}>" in text_of(reply) and "sponsor" in text_of(reply)
    too_short = await (await kit.lcm.slash("feed edit", room.general, feed=fid, interval=2)).reply()
    assert too_short.ephemeral and "5" in text_of(too_short)
    feed.items.append(Item("Sponsor: buy now", "https://example.org/s", clock.now()))
    feed.items.append(Item("Vrai article", "https://example.org/v", clock.now()))
    mark = kit.mark()
    await poll_now(bot, clock, minutes=60)
    post = await kit.wait_message(channel=room.questions, after=mark, predicate=lambda e: not e.ephemeral)
    assert embed_titles([post]) == ["Vrai article"]
    assert public(kit, room.general.id, mark) == []


async def test_adding_a_web_page_explains_why_and_what_to_do(
    lcm_room: Kit, bot, feed_server: FeedServer
) -> None:
    kit, room = lcm_room, lcm_room.room
    page = feed_server.feed("page")
    page.body, page.content_type = b"<!doctype html><html><body>Accueil</body></html>", "text/html"
    reply = await add_feed(kit, feed_server, room.general, name="page")
    text = text_of(reply)
    assert "page web" in text and "/rss" in text  # the reason and the fix, in the LCM's language (French)
    assert await bot.services.feeds.list(room.guild.id) == []
    english = await (
        await kit.lcm.slash(
            "feed add", room.general, locale="en-US", url=feed_server.url("gone"), channel=room.general
        )
    ).reply()
    assert "does not exist" in text_of(english)


@pytest.fixture
def news_channel(sandbox, classroom):  # type: ignore[no-untyped-def]
    """An announcement channel, created before the bot starts."""
    from bot.sandbox.world import ChannelType

    return sandbox.world.add_channel(
        classroom.guild, "veille", ChannelType.GUILD_ANNOUNCEMENT, parent=classroom.category
    )


async def test_an_announcement_channel_gets_a_message_with_its_thread(
    news_channel, lcm_room: Kit, bot, clock, feed_server: FeedServer
) -> None:
    kit = lcm_room
    feed = feed_server.feed("news", items=[])
    await add_feed(kit, feed_server, news_channel)
    feed.items.append(Item("Une annonce", "https://example.org/ann", clock.now()))
    mark = kit.mark()
    await poll_now(bot, clock)
    post = await kit.wait_message(channel=news_channel, after=mark, predicate=lambda e: not e.ephemeral)
    assert embed_titles([post]) == ["Une annonce"]
    thread = await kit.wait_event("thread.create", lambda e: e.data.get("name") == "Une annonce", after=mark)
    assert thread.channel_id == post.message_id  # the thread is on the message
    await kit.wait_message(channel=thread.channel_id, after=mark, contains="💬")
