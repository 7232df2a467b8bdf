"""Feeds in a guild: adding, editing and polling them with the database as memory; items to post.

The service never talks to Discord. A poll returns the ids of the items to post; the cog sends each one and
reports every step back (``item_sent``, ``thread_opened``, ``item_posted``), so a restart resumes an item
where it stopped and never starts it twice. Every deadline is ``feed.next_poll_at``.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.errors import UserError
from bot.services.feeds.errors import FeedError, FeedErrorReason
from bot.services.feeds.fetch import FeedFetcher, FetchOptions
from bot.services.feeds.filters import keywords_text, parse_keywords
from bot.services.feeds.items import SUMMARY_LIMIT, ItemSteps
from bot.services.feeds.memory import record_entries
from bot.services.feeds.outcomes import (
    AddOutcome,
    FailureNotice,
    FeedInfo,
    PollOutcome,
    feed_info,
)
from bot.services.feeds.parse import ParsedFeed, parse_feed_async
from bot.services.feeds.poller import FeedRequest, PollResult, PollStatus, poll_one
from bot.services.feeds.select import backoff_delay, is_failing
from bot.settings import FeedSettings
from models import Feed, FeedItem, FeedItemState

log = logging.getLogger(__name__)

_CHUNK = 400  # bound parameters per IN (...) query


def _notice(row: Feed) -> FailureNotice | None:
    if row.failing_since is None or row.failure_notified_at is not None or row.paused:
        return None
    try:
        reason = FeedErrorReason(row.last_error_reason or "")
    except ValueError:
        reason = FeedErrorReason.CONNECTION_FAILED
    return FailureNotice(
        row.id, row.guild_id, row.channel_id, row.url, row.title, reason, row.failing_since,
        row.consecutive_failures,
    )  # fmt: skip


class FeedService(ItemSteps):
    """Feeds and their items, against the database; fetching through one guarded, shared fetcher."""

    def __init__(
        self,
        sessions: async_sessionmaker,
        clock: Clock,
        settings: FeedSettings,
        *,
        parse_executor: Executor | None = None,
        fetch_options: FetchOptions | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.settings = settings
        self.parse_executor = parse_executor
        self._fetcher = FeedFetcher(fetch_options or FetchOptions.from_settings(settings))
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._feed_locks: dict[int, asyncio.Lock] = {}
        # Selecting and recording is short; one lock makes "posted once per channel" hold across feeds.
        self._record_lock = asyncio.Lock()

    async def close(self) -> None:
        await self._fetcher.close()

    @property
    def interval_bounds(self) -> tuple[int, int]:
        """(minimum, default) poll interval in minutes."""
        return self.settings.min_poll_minutes, self.settings.default_poll_minutes

    # ----- fetching

    async def fetch_feed(self, url: str) -> ParsedFeed:
        """Fetch and parse ``url`` (for previews); raise FeedError."""
        async with self._slots:
            fetched = await self._fetcher.fetch(url)
            return await parse_feed_async(
                fetched.body,
                fetched.headers,
                url=fetched.final_url,
                summary_limit=SUMMARY_LIMIT,
                executor=self.parse_executor,
            )

    async def _poll(self, request: FeedRequest) -> PollResult:
        async with self._slots:
            return await poll_one(
                self._fetcher, request, parse_executor=self.parse_executor, summary_limit=SUMMARY_LIMIT
            )

    # ----- the LCM's feeds

    def _check_interval(self, minutes: int | None) -> int:
        minimum, default = self.interval_bounds
        value = default if minutes is None else minutes
        if value < minimum:
            raise UserError("resources.interval.too_short", minimum=minimum)
        return value

    async def add(
        self,
        guild_id: int,
        channel_id: int,
        url: str,
        *,
        by: int,
        include: str | None = None,
        exclude: str | None = None,
        poll_minutes: int | None = None,
        prompt: str | None = None,
        post_latest: bool = False,
    ) -> AddOutcome:
        """Read the feed once, then store it seeded: its items are recorded silently (but the latest one
        when ``post_latest``). Raise FeedError when it cannot be read, UserError for bad options."""
        minutes = self._check_interval(poll_minutes)
        url = url.strip()
        async with self._sessions() as session:
            exists = await session.scalar(
                select(Feed.id).where(Feed.channel_id == channel_id, Feed.url == url)
            )
        if exists is not None:
            raise UserError("resources.add.duplicate")
        result = await self._poll(FeedRequest(0, url))
        if result.status is PollStatus.ERROR:
            raise FeedError(
                result.error_reason or FeedErrorReason.CONNECTION_FAILED, result.error_detail or ""
            )
        now = self._clock.now()
        row = Feed(
            guild_id=guild_id,
            channel_id=channel_id,
            url=url,
            include_keywords=keywords_text(parse_keywords(include)),
            exclude_keywords=keywords_text(parse_keywords(exclude)),
            poll_minutes=minutes,
            debate_prompt=(prompt or "").strip() or None,
            post_latest=post_latest,
            paused=False,
            seeded=False,
            has_deferred=False,
            consecutive_failures=0,
            items_posted=0,
            created_by=by,
            created_at=now,
            etag=result.etag,
            last_modified=result.last_modified,
            last_elapsed=result.elapsed,
            last_polled_at=now,
            last_success_at=now,
            next_poll_at=now + timedelta(minutes=minutes),
        )
        async with self._record_lock, self._sessions.begin() as session:
            session.add(row)
            await session.flush()
            recorded, to_post, _ = await record_entries(session, row, result, now, self.settings)
        log.info("feed %s added in guild %s for channel %s: %s", row.id, guild_id, channel_id, url)
        return AddOutcome(feed=feed_info(row), recorded=recorded, to_post=to_post)

    async def get(self, feed_id: int, guild_id: int | None = None) -> FeedInfo | None:
        async with self._sessions() as session:
            row = await session.get(Feed, feed_id)
        if row is None or (guild_id is not None and row.guild_id != guild_id):
            return None
        return feed_info(row)

    async def list(self, guild_id: int) -> list[FeedInfo]:
        async with self._sessions() as session:
            rows = (
                await session.execute(select(Feed).where(Feed.guild_id == guild_id).order_by(Feed.id))
            ).scalars()
            return [feed_info(row) for row in rows]

    async def _owned(self, session: AsyncSession, guild_id: int, feed_id: int) -> Feed:
        row = await session.get(Feed, feed_id, with_for_update=True)
        if row is None or row.guild_id != guild_id:
            raise UserError("resources.feed.unknown")
        return row

    async def edit(
        self,
        guild_id: int,
        feed_id: int,
        *,
        include: str | None = None,
        exclude: str | None = None,
        poll_minutes: int | None = None,
        prompt: str | None = None,
        channel_id: int | None = None,
    ) -> FeedInfo:
        """Change what is given; "-" clears keywords or the prompt. A new interval applies from now."""
        minutes = self._check_interval(poll_minutes) if poll_minutes is not None else None
        async with self._sessions.begin() as session:
            row = await self._owned(session, guild_id, feed_id)
            if include is not None:
                row.include_keywords = keywords_text(parse_keywords(include.strip("- ")))
            if exclude is not None:
                row.exclude_keywords = keywords_text(parse_keywords(exclude.strip("- ")))
            if prompt is not None:
                row.debate_prompt = None if prompt.strip() in ("", "-") else prompt.strip()
            if channel_id is not None and channel_id != row.channel_id:
                taken = await session.scalar(
                    select(Feed.id).where(Feed.channel_id == channel_id, Feed.url == row.url)
                )
                if taken is not None:
                    raise UserError("resources.add.duplicate")
                row.channel_id = channel_id
            if minutes is not None:
                row.poll_minutes = minutes
                if not row.consecutive_failures:
                    row.next_poll_at = self._clock.now() + timedelta(minutes=minutes)
            info = feed_info(row)
        log.info("feed %s edited in guild %s", feed_id, guild_id)
        return info

    async def set_paused(self, guild_id: int, feed_id: int, paused: bool) -> FeedInfo:
        """Pause, or resume (polled at once, its failure count kept)."""
        async with self._sessions.begin() as session:
            row = await self._owned(session, guild_id, feed_id)
            row.paused = paused
            if not paused:
                row.next_poll_at = self._clock.now()
            info = feed_info(row)
        log.info("feed %s %s in guild %s", feed_id, "paused" if paused else "resumed", guild_id)
        return info

    async def remove(self, guild_id: int, feed_id: int) -> FeedInfo:
        """Delete the feed; posted messages and their debates stay in Discord."""
        async with self._sessions.begin() as session:
            row = await self._owned(session, guild_id, feed_id)
            info = feed_info(row)
            # Keep what was posted (link memory and debate counts); forget the rest.
            await session.execute(
                update(FeedItem)
                .where(FeedItem.feed_id == feed_id, FeedItem.state == FeedItemState.POSTED.value)
                .values(feed_id=None)
            )
            await session.delete(row)
        log.info("feed %s removed from guild %s", feed_id, guild_id)
        return info

    # ----- polling

    async def schedule(self) -> list[tuple[int, datetime]]:
        """(feed id, next poll time) of every feed that polls; a feed never scheduled is due now."""
        now = self._clock.now()
        async with self._sessions() as session:
            rows = (
                await session.execute(select(Feed.id, Feed.next_poll_at).where(Feed.paused.is_(False)))
            ).all()
        return [(feed_id, due or now) for feed_id, due in rows]

    async def poll(self, feed_id: int, *, force: bool = False) -> PollOutcome:
        """Poll the feed if it is due (or ``force``): record what it holds, return what to post.

        Safe to call late or twice: the row's ``next_poll_at`` decides.
        """
        lock = self._feed_locks.setdefault(feed_id, asyncio.Lock())
        async with lock:
            async with self._sessions() as session:
                row = await session.get(Feed, feed_id)
            if row is None or row.paused:
                return PollOutcome(feed_id, polled=False)
            if not force and row.next_poll_at is not None and row.next_poll_at > self._clock.now():
                return PollOutcome(feed_id, polled=False, next_poll_at=row.next_poll_at)
            deferred = row.has_deferred
            request = FeedRequest(
                feed_id,
                row.url,
                etag=None if deferred else row.etag,
                last_modified=None if deferred else row.last_modified,
                last_elapsed=row.last_elapsed,
            )
            result = await self._poll(request)
            return await self._apply(feed_id, result)

    async def _apply(self, feed_id: int, result: PollResult) -> PollOutcome:
        now = self._clock.now()
        notice = None
        recorded, deferred = 0, 0
        async with self._record_lock, self._sessions.begin() as session:
            row = await session.get(Feed, feed_id, with_for_update=True)
            if row is None:
                return PollOutcome(feed_id, polled=False)
            interval = timedelta(minutes=row.poll_minutes)
            row.last_polled_at = now
            row.last_elapsed = result.elapsed
            if result.status is PollStatus.ERROR:
                reason = result.error_reason or FeedErrorReason.CONNECTION_FAILED
                row.consecutive_failures += 1
                row.first_failure_at = row.first_failure_at or now
                row.last_error_reason = reason.value
                row.last_error_detail = (result.error_detail or "")[:2000]
                row.last_error_at = now
                row.next_poll_at = now + backoff_delay(interval, row.consecutive_failures)
                if row.failing_since is None and is_failing(
                    row.consecutive_failures,
                    row.first_failure_at,
                    now,
                    threshold=self.settings.failure_threshold,
                    window=timedelta(days=self.settings.failure_days),
                ):
                    row.failing_since = now
                    log.warning("feed %s is failing (%s, %d failures)", feed_id, reason.value,
                                row.consecutive_failures)  # fmt: skip
            else:
                if row.consecutive_failures:
                    log.info("feed %s recovered after %d failure(s)", feed_id, row.consecutive_failures)
                row.consecutive_failures = 0
                row.first_failure_at = row.failing_since = row.failure_notified_at = None
                row.last_error_reason = row.last_error_detail = None
                row.last_success_at = now
                row.etag, row.last_modified = result.etag, result.last_modified
                row.next_poll_at = now + interval
                if result.status is PollStatus.CHANGED:
                    row.last_warning = result.warning
                    recorded, _, deferred = await record_entries(session, row, result, now, self.settings)
            next_poll = row.next_poll_at
            notice = _notice(row)
        pending = await self.pending_items(feed_id)
        return PollOutcome(
            feed_id,
            polled=True,
            status=result.status,
            to_post=tuple(pending),
            recorded=recorded,
            deferred=deferred,
            warning=result.warning,
            error=result.error_reason,
            notice=notice,
            next_poll_at=next_poll,
        )

    async def unnotified_failures(self) -> list[FailureNotice]:
        """Failing feeds whose LCM was not told yet (the bot may have stopped before telling)."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(Feed).where(Feed.failing_since.is_not(None), Feed.failure_notified_at.is_(None))
                )
            ).scalars()
            return [n for n in map(_notice, rows) if n is not None]

    async def failure_notified(self, feed_id: int) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(Feed).where(Feed.id == feed_id).values(failure_notified_at=self._clock.now())
            )
