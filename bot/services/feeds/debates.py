"""Debates on posted items: replies and distinct participants in each item's thread, for reports."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.clock import Clock
from models import FeedDebateParticipant, FeedItem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DebateStats:
    item_id: int
    feed_id: int | None
    channel_id: int
    thread_id: int
    title: str
    link: str | None
    posted_at: datetime | None
    replies: int
    participants: int


class DebateService:
    """Counts replies in debate threads. The set of debate threads is cached: every message in any
    thread asks whether it is one, and only debate threads should cost a query."""

    def __init__(self, sessions: async_sessionmaker, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        self._threads: set[int] | None = None

    async def _known(self) -> set[int]:
        if self._threads is None:
            async with self._sessions() as session:
                rows = await session.execute(
                    select(FeedItem.thread_id).where(FeedItem.thread_id.is_not(None))
                )
                self._threads = {int(t) for t in rows.scalars()}
        return self._threads

    def thread_added(self, thread_id: int) -> None:
        """Tell the cache about a new debate thread (the poster records it in the database itself)."""
        if self._threads is not None:
            self._threads.add(thread_id)

    async def is_debate(self, thread_id: int) -> bool:
        return thread_id in await self._known()

    async def count_reply(self, thread_id: int, user_id: int) -> bool:
        """Count one reply by ``user_id``; return False when the thread is no debate."""
        if not await self.is_debate(thread_id):
            return False
        now = self._clock.now()
        async with self._sessions.begin() as session:
            item_id = await session.scalar(select(FeedItem.id).where(FeedItem.thread_id == thread_id))
            if item_id is None:
                return False
            participant = await session.get(FeedDebateParticipant, (item_id, user_id))
            new = participant is None
            if new:
                session.add(
                    FeedDebateParticipant(item_id=item_id, user_id=user_id, replies=1, first_reply_at=now)
                )
            else:
                participant.replies += 1
            await session.execute(
                update(FeedItem)
                .where(FeedItem.id == item_id)
                .values(
                    reply_count=FeedItem.reply_count + 1,
                    participant_count=FeedItem.participant_count + (1 if new else 0),
                )
            )
        return True

    async def safe_count_reply(self, thread_id: int, user_id: int) -> bool:
        """``count_reply`` that retries once when two first replies of one member race."""
        try:
            return await self.count_reply(thread_id, user_id)
        except IntegrityError:
            return await self.count_reply(thread_id, user_id)

    async def stats(self, guild_id: int, *, since: datetime | None = None) -> list[DebateStats]:
        """Every posted item of the guild that has a debate thread, newest first."""
        query = select(FeedItem).where(FeedItem.guild_id == guild_id, FeedItem.thread_id.is_not(None))
        if since is not None:
            query = query.where(FeedItem.posted_at >= since)
        async with self._sessions() as session:
            rows = (await session.execute(query.order_by(FeedItem.id.desc()))).scalars().all()
        return [
            DebateStats(
                item_id=r.id,
                feed_id=r.feed_id,
                channel_id=r.channel_id,
                thread_id=int(r.thread_id or 0),
                title=r.title or "",
                link=r.link,
                posted_at=r.posted_at,
                replies=r.reply_count,
                participants=r.participant_count,
            )
            for r in rows
        ]
