"""The feed service against a real database (SQLite and PostgreSQL), feeds served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.errors import UserError
from bot.services.feeds.debates import DebateService
from bot.services.feeds.errors import FeedError, FeedErrorReason
from bot.services.feeds.outcomes import FeedState
from bot.services.feeds.poller import PollStatus
from bot.services.feeds.service import FeedService
from models import Feed, FeedItem, FeedItemState
from tests.resources.helpers import FeedServer, Item, local_settings

GUILD, CHANNEL, OTHER_CHANNEL, LCM = 1, 10, 11, 99


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    srv = await FeedServer().start()
    yield srv
    await srv.close()


@pytest.fixture
async def service(sessions, clock) -> AsyncIterator[FeedService]:
    svc = FeedService(sessions, clock, local_settings())
    yield svc
    await svc.close()


def items(clock, count: int, prefix: str = "a") -> list[Item]:
    now = clock.now()
    return [
        Item(f"Article {prefix}{i}", f"https://example.org/{prefix}{i}", now - timedelta(hours=count - i))
        for i in range(count)
    ]


async def rows(sessions, feed_id: int | None = None) -> list[FeedItem]:
    query = select(FeedItem).order_by(FeedItem.id)
    if feed_id is not None:
        query = query.where(FeedItem.feed_id == feed_id)
    async with sessions() as session:
        return list((await session.execute(query)).scalars())


async def test_a_new_feed_is_seeded_silently(service, server, sessions, clock) -> None:
    server.feed("rss", items=items(clock, 4))
    added = await service.add(GUILD, CHANNEL, server.url("rss"), by=LCM)
    assert added.recorded == 4 and added.to_post == ()
    assert {r.state for r in await rows(sessions)} == {FeedItemState.SEEN.value}
    assert {r.reason for r in await rows(sessions)} == {"seeding"}
    assert added.feed.title == "Test feed" and added.feed.state is FeedState.OK
    assert added.feed.next_poll_at == clock.now() + timedelta(minutes=15)


async def test_post_latest_on_add_posts_only_the_newest(service, server, sessions, clock) -> None:
    server.feed("rss", items=items(clock, 3))
    added = await service.add(GUILD, CHANNEL, server.url("rss"), by=LCM, post_latest=True)
    assert len(added.to_post) == 1
    item = await service.item(added.to_post[0])
    assert item is not None and item.link == "https://example.org/a2"


async def test_a_new_item_is_chosen_once_and_persisted(service, server, sessions, clock) -> None:
    feed = server.feed("rss", items=items(clock, 2))
    added = await service.add(GUILD, CHANNEL, server.url("rss"), by=LCM)
    fid = added.feed.id
    assert not (await service.poll(fid)).polled  # not due yet
    feed.items.append(Item("Nouveau @everyone", "https://example.org/new?utm_source=x", clock.now()))
    clock.advance(timedelta(minutes=15))
    outcome = await service.poll(fid)
    assert outcome.polled and outcome.status is PollStatus.CHANGED
    assert len(outcome.to_post) == 1
    item = await service.item(outcome.to_post[0])
    assert item is not None
    assert item.link == "https://example.org/new"  # canonical
    assert "@\u200beveryone" in item.title
    assert item.thread_name.startswith("Nouveau @")
    await service.item_sent(item.id, 555)
    await service.thread_opened(item.id, 555)
    await service.item_posted(item.id)
    clock.advance(timedelta(minutes=15))
    again = await service.poll(fid)
    assert again.polled and again.to_post == ()
    info = await service.get(fid)
    assert info is not None and info.items_posted == 1


async def test_the_same_article_from_two_feeds_reaches_a_channel_once(
    service, server, sessions, clock
) -> None:
    one = server.feed("one", items=items(clock, 1))
    two = server.feed("two", title="Other", items=items(clock, 1, "b"))
    f1 = (await service.add(GUILD, CHANNEL, server.url("one"), by=LCM)).feed.id
    f2 = (await service.add(GUILD, CHANNEL, server.url("two"), by=LCM)).feed.id
    f3 = (await service.add(GUILD, OTHER_CHANNEL, server.url("two"), by=LCM)).feed.id
    shared = Item("Shared", "https://news.example/story?utm_medium=rss", clock.now())
    one.items.append(shared)
    two.items.append(Item("Shared (relayed)", "https://NEWS.example/story", clock.now(), guid="other-guid"))
    clock.advance(timedelta(minutes=15))
    first, second, third = [await service.poll(f) for f in (f1, f2, f3)]
    assert len(first.to_post) == 1
    assert second.to_post == ()  # same channel, same canonical link
    assert len(third.to_post) == 1  # another channel gets it
    relayed = [r for r in await rows(sessions, f2) if r.link == "https://news.example/story"]
    assert relayed[0].state == FeedItemState.SEEN.value and relayed[0].reason == "duplicate_link"


async def test_at_most_n_per_poll_oldest_first_rest_deferred(sessions, clock, server) -> None:
    svc = FeedService(sessions, clock, local_settings(max_items_per_poll=2))
    try:
        feed = server.feed("rss", items=items(clock, 1))
        fid = (await svc.add(GUILD, CHANNEL, server.url("rss"), by=LCM)).feed.id
        feed.items.extend(items(clock, 3, "n"))
        clock.advance(timedelta(minutes=15))
        outcome = await svc.poll(fid)
        chosen = [(await svc.item(i)).link for i in outcome.to_post]  # type: ignore[union-attr]
        assert chosen == ["https://example.org/n0", "https://example.org/n1"]
        assert outcome.deferred == 1
        for item_id in outcome.to_post:
            await svc.item_posted(item_id)
        clock.advance(timedelta(minutes=15))
        later = await svc.poll(fid)
        assert [(await svc.item(i)).link for i in later.to_post] == ["https://example.org/n2"]  # type: ignore[union-attr]
    finally:
        await svc.close()


async def test_old_items_are_recorded_not_posted(service, server, sessions, clock) -> None:
    feed = server.feed("rss", items=items(clock, 1))
    fid = (await service.add(GUILD, CHANNEL, server.url("rss"), by=LCM)).feed.id
    feed.items.append(Item("Old", "https://example.org/old", clock.now() - timedelta(days=30)))
    clock.advance(timedelta(minutes=15))
    assert (await service.poll(fid)).to_post == ()
    old = [r for r in await rows(sessions) if r.link == "https://example.org/old"]
    assert old[0].reason == "too_old"


async def test_keywords_filter_what_is_posted(service, server, sessions, clock) -> None:
    feed = server.feed("rss", items=items(clock, 1))
    fid = (
        await service.add(
            GUILD, CHANNEL, server.url("rss"), by=LCM, include="python, Économie", exclude="sponsor"
        )
    ).feed.id
    now = clock.now()
    feed.items += [
        Item("Python 3.14 is out", "https://example.org/p", now),
        Item("L'economie du libre", "https://example.org/e", now),
        Item("Python sponsor post", "https://example.org/s", now),
        Item("Cooking", "https://example.org/c", now),
    ]
    clock.advance(timedelta(minutes=15))
    outcome = await service.poll(fid)
    links = sorted([(await service.item(i)).link for i in outcome.to_post])  # type: ignore[union-attr]
    assert links == ["https://example.org/e", "https://example.org/p"]
    filtered = {r.link for r in await rows(sessions) if r.reason == "filtered"} - {"https://example.org/a0"}
    assert filtered == {"https://example.org/s", "https://example.org/c"}


async def test_failing_feed_backs_off_and_is_reported_once(sessions, clock, server) -> None:
    svc = FeedService(sessions, clock, local_settings(failure_threshold=4))
    try:
        feed = server.feed("rss", items=items(clock, 1))
        fid = (await svc.add(GUILD, CHANNEL, server.url("rss"), by=LCM)).feed.id
        feed.status = 404
        delays, notices = [], []
        for _ in range(7):
            info = await svc.get(fid)
            assert info is not None and info.next_poll_at is not None
            clock.set(info.next_poll_at)
            outcome = await svc.poll(fid)
            assert outcome.polled and outcome.error is FeedErrorReason.NOT_FOUND
            delays.append(outcome.next_poll_at - clock.now())  # type: ignore[operator]
            if outcome.notice:
                notices.append(outcome.notice)
                if len(notices) == 1:
                    # Until it is confirmed as told, the notice stays due (it survives a restart).
                    assert [n.key for n in await svc.unnotified_failures()] == [outcome.notice.key]
                    await svc.failure_notified(fid)
                    assert await svc.unnotified_failures() == []
        assert delays[:5] == [timedelta(minutes=15 * 2**n) for n in range(1, 6)]
        assert all(d <= timedelta(days=1) for d in delays)
        assert (
            len(notices) == 1 and notices[0].failures == 4 and notices[0].reason is FeedErrorReason.NOT_FOUND
        )
        info = await svc.get(fid)
        assert info is not None and info.state is FeedState.FAILING
        feed.status = 200
        clock.set(info.next_poll_at)  # type: ignore[arg-type]
        recovered = await svc.poll(fid)
        assert recovered.status is PollStatus.CHANGED
        info = await svc.get(fid)
        assert info is not None and info.state is FeedState.OK and info.consecutive_failures == 0
    finally:
        await svc.close()


async def test_failing_after_days_even_with_few_failures(sessions, clock, server) -> None:
    svc = FeedService(sessions, clock, local_settings(failure_days=1))
    try:
        feed = server.feed("rss", items=items(clock, 1))
        fid = (await svc.add(GUILD, CHANNEL, server.url("rss"), by=LCM)).feed.id
        feed.status = 500
        clock.advance(timedelta(minutes=15))
        assert (await svc.poll(fid)).notice is None
        clock.advance(timedelta(days=1))
        outcome = await svc.poll(fid)
        assert outcome.notice is not None and outcome.notice.reason is FeedErrorReason.SERVER_ERROR
    finally:
        await svc.close()


async def test_adding_an_unreadable_feed_fails_with_a_reason(service, server) -> None:
    page = server.feed("page")
    page.body, page.content_type = b"<!doctype html><html><body>hi</body></html>", "text/html"
    with pytest.raises(FeedError) as info:
        await service.add(GUILD, CHANNEL, server.url("page"), by=LCM)
    assert info.value.reason is FeedErrorReason.NOT_A_FEED
    with pytest.raises(FeedError) as info:
        await service.add(GUILD, CHANNEL, server.url("missing"), by=LCM)
    assert info.value.reason is FeedErrorReason.NOT_FOUND


async def test_private_addresses_are_refused_by_default(sessions, clock, server) -> None:
    server.feed("rss", items=items(clock, 1))
    svc = FeedService(sessions, clock, local_settings(allow_private_addresses=False))
    try:
        with pytest.raises(FeedError) as info:
            await svc.add(GUILD, CHANNEL, server.url("rss"), by=LCM)
        assert info.value.reason is FeedErrorReason.REFUSED_ADDRESS
    finally:
        await svc.close()


async def test_options_are_checked(service, server, clock) -> None:
    server.feed("rss", items=items(clock, 1))
    with pytest.raises(UserError) as info:
        await service.add(GUILD, CHANNEL, server.url("rss"), by=LCM, poll_minutes=2)
    assert info.value.key == "resources.interval.too_short"
    await service.add(GUILD, CHANNEL, server.url("rss"), by=LCM)
    with pytest.raises(UserError):
        await service.add(GUILD, CHANNEL, server.url("rss"), by=LCM)


async def test_malformed_document_keeps_readable_entries_with_a_warning(service, server, clock) -> None:
    feed = server.feed("rss", items=items(clock, 1))
    fid = (await service.add(GUILD, CHANNEL, server.url("rss"), by=LCM)).feed.id
    feed.body = (
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title>"
        b"<item><title>Readable</title><link>https://example.org/ok</link></item>"
        b"<item><title>Broken &bogus; <b></title>"
    )
    clock.advance(timedelta(minutes=15))
    outcome = await service.poll(fid)
    assert outcome.warning
    assert "https://example.org/ok" in [(await service.item(i)).link for i in outcome.to_post]  # type: ignore[union-attr]
    info = await service.get(fid)
    assert info is not None and info.last_warning


async def test_restart_rebuilds_deadlines_and_pending_items(sessions, clock, server) -> None:
    feed = server.feed("rss", items=items(clock, 1))
    first = FeedService(sessions, clock, local_settings())
    fid = (await first.add(GUILD, CHANNEL, server.url("rss"), by=LCM)).feed.id
    paused = (await first.add(GUILD, OTHER_CHANNEL, server.url("rss"), by=LCM)).feed.id
    await first.set_paused(GUILD, paused, True)
    feed.items.append(Item("New", "https://example.org/new", clock.now()))
    clock.advance(timedelta(minutes=15))
    pending = (await first.poll(fid)).to_post
    await first.close()  # "killed" before posting
    second = FeedService(sessions, clock, local_settings())
    try:
        schedule = dict(await second.schedule())
        assert set(schedule) == {fid}
        assert schedule[fid] == clock.now() + timedelta(minutes=15)
        assert await second.pending_items() == list(pending)
        clock.advance(timedelta(minutes=15))
        assert (await second.poll(fid)).to_post == pending  # still the same item, never a second row
        assert len([r for r in await rows(sessions) if r.link == "https://example.org/new"]) == 1
    finally:
        await second.close()


async def test_pause_resume_edit_remove(service, server, sessions, clock) -> None:
    server.feed("rss", items=items(clock, 2))
    added = await service.add(GUILD, CHANNEL, server.url("rss"), by=LCM, post_latest=True)
    fid = added.feed.id
    await service.item_posted(added.to_post[0])
    assert (await service.set_paused(GUILD, fid, True)).state is FeedState.PAUSED
    assert not (await service.poll(fid, force=True)).polled
    resumed = await service.set_paused(GUILD, fid, False)
    assert resumed.next_poll_at == clock.now()
    edited = await service.edit(GUILD, fid, include="a, b", poll_minutes=30, prompt="Qu'en pensez-vous ?")
    assert edited.include == ("a", "b") and edited.poll_minutes == 30 and edited.prompt
    cleared = await service.edit(GUILD, fid, include="-", prompt="-")
    assert cleared.include == () and cleared.prompt is None
    with pytest.raises(UserError):
        await service.edit(GUILD + 1, fid, include="x")
    await service.remove(GUILD, fid)
    assert await service.get(fid) is None
    kept = await rows(sessions)
    assert [r.state for r in kept] == [FeedItemState.POSTED.value]  # the link memory of the channel stays
    async with sessions() as session:
        assert (await session.execute(select(Feed))).first() is None


async def test_share_reads_page_metadata(service, server, sessions) -> None:
    page = server.feed("article")
    page.content_type = "text/html; charset=utf-8"
    page.body = (
        "<html><head><title>Fallback</title>"
        '<meta property="og:title" content="Le vrai titre @everyone">'
        '<meta name="description" content="Une description.">'
        '<meta property="og:image" content="/img.png"></head><body>…</body></html>'
    ).encode()
    item_id = await service.share(
        GUILD, CHANNEL, server.url("article?utm_source=x"), by=LCM, comment="À lire"
    )
    item = await service.item(item_id)
    assert item is not None
    assert item.title == "Le vrai titre @\u200beveryone" and item.summary == "Une description."
    assert item.image == server.url("img.png") and item.comment == "À lire"
    assert item.link == server.url("article")
    with pytest.raises(UserError):
        await service.share(GUILD, CHANNEL, server.url("article"), by=LCM)


async def test_debate_replies_and_participants_are_counted(service, server, sessions, clock) -> None:
    server.feed("rss", items=items(clock, 1))
    added = await service.add(GUILD, CHANNEL, server.url("rss"), by=LCM, post_latest=True)
    item_id = added.to_post[0]
    debates = DebateService(sessions, clock)
    assert not await debates.count_reply(777, 5)
    await service.thread_opened(item_id, 777)
    debates.thread_added(777)
    for user in (5, 6, 5):
        assert await debates.count_reply(777, user)
    stats = await DebateService(sessions, clock).stats(GUILD)
    assert [(s.replies, s.participants) for s in stats] == [(3, 2)]
