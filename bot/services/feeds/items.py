"""The items chosen for posting: each step of posting recorded as it is done, and links shared by hand."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.clock import Clock
from bot.errors import UserError
from bot.services.feeds.entries import canonicalize_link, is_http_url
from bot.services.feeds.fetch import FeedFetcher
from bot.services.feeds.outcomes import ItemToPost, item_info
from bot.services.feeds.pagemeta import page_meta
from bot.services.feeds.text import DESCRIPTION_LIMIT, TITLE_LIMIT, discord_safe
from models import Feed, FeedItem, FeedItemState

log = logging.getLogger(__name__)

SUMMARY_LIMIT = 500


class ItemSteps:
    """Part of FeedService: what the poster reports back, step by step, and ``share``."""

    _sessions: async_sessionmaker
    _clock: Clock
    _fetcher: FeedFetcher
    _slots: asyncio.Semaphore
    _record_lock: asyncio.Lock

    # ----- items to post

    async def pending_items(self, feed_id: int | None = None) -> list[int]:
        """Ids of items chosen but not yet fully posted (oldest first)."""
        query = select(FeedItem.id).where(FeedItem.state == FeedItemState.PENDING.value)
        if feed_id is not None:
            query = query.where(FeedItem.feed_id == feed_id)
        async with self._sessions() as session:
            return list((await session.execute(query.order_by(FeedItem.id))).scalars())

    async def item(self, item_id: int) -> ItemToPost | None:
        async with self._sessions() as session:
            row = await session.get(FeedItem, item_id)
        return None if row is None else item_info(row)

    async def item_sending(self, item_id: int) -> None:
        """Mark the item's first message as about to be sent (a restart then looks for it first)."""
        await self._set_item(item_id, reason="sending")

    async def item_sent(self, item_id: int, message_id: int) -> None:
        await self._set_item(item_id, message_id=message_id, reason=None)

    async def thread_opened(self, item_id: int, thread_id: int) -> None:
        await self._set_item(item_id, thread_id=thread_id)

    async def item_posted(self, item_id: int) -> None:
        """The item, its thread and its prompt are out: count it for its feed."""
        async with self._sessions.begin() as session:
            row = await session.get(FeedItem, item_id, with_for_update=True)
            if row is None or row.state == FeedItemState.POSTED.value:
                return
            row.state = FeedItemState.POSTED.value
            row.posted_at = self._clock.now()
            if row.feed_id is not None:
                await session.execute(
                    update(Feed).where(Feed.id == row.feed_id).values(items_posted=Feed.items_posted + 1)
                )
        log.info("feed item %s posted (message %s, thread %s)", item_id, row.message_id, row.thread_id)

    async def item_dropped(self, item_id: int, reason: str) -> None:
        """Give up on an item for good (its channel is gone)."""
        async with self._sessions.begin() as session:
            row = await session.get(FeedItem, item_id, with_for_update=True)
            if row is not None and row.state == FeedItemState.PENDING.value:
                row.state, row.reason = FeedItemState.DROPPED.value, reason[:32]
        log.warning("feed item %s dropped: %s", item_id, reason)

    async def _set_item(self, item_id: int, **values: object) -> None:
        async with self._sessions.begin() as session:
            await session.execute(update(FeedItem).where(FeedItem.id == item_id).values(**values))

    # ----- a link shared by hand

    async def share(
        self, guild_id: int, channel_id: int, url: str, *, by: int, comment: str | None = None
    ) -> int:
        """Read the page's title and description and record it to be posted like a feed item.

        Raise FeedError when the page cannot be fetched, UserError when it was already posted there.
        """
        async with self._slots:
            fetched = await self._fetcher.fetch(url.strip())
        meta = await asyncio.to_thread(
            page_meta, fetched.body, fetched.headers.get("content-type", ""), url=fetched.final_url
        )
        link = canonicalize_link(meta.canonical or fetched.final_url)
        if not is_http_url(link):
            link = canonicalize_link(url)
        title = meta.title or link
        now = self._clock.now()
        async with self._record_lock, self._sessions.begin() as session:
            taken = await session.scalar(
                select(FeedItem.id).where(
                    FeedItem.channel_id == channel_id,
                    FeedItem.link == link,
                    FeedItem.state.in_((FeedItemState.PENDING.value, FeedItemState.POSTED.value)),
                )
            )
            if taken is not None:
                raise UserError("resources.share.already")
            row = FeedItem(
                feed_id=None,
                guild_id=guild_id,
                channel_id=channel_id,
                entry_key=f"share:{now.timestamp():.6f}:{by}",
                link=link[:2000],
                state=FeedItemState.PENDING.value,
                title=discord_safe(title, TITLE_LIMIT),
                summary=discord_safe(meta.description, min(SUMMARY_LIMIT, DESCRIPTION_LIMIT)),
                image=meta.image if meta.image and len(meta.image) <= 2000 else None,
                source=(meta.site_name or "")[:300] or None,
                comment=(comment or "").strip() or None,
                shared_by=by,
                recorded_at=now,
                reply_count=0,
                participant_count=0,
            )
            session.add(row)
            await session.flush()
            item_id = row.id
        log.info("link shared by %s in channel %s: %s (item %s)", by, channel_id, link, item_id)
        return item_id
