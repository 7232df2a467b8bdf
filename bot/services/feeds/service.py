"""Feeds in a guild: adding, editing and polling them with the database as memory; items to post.

The service never talks to Discord. A poll returns the ids of the items to post; the cog sends each one and
reports every step back (``item_sent``, ``thread_opened``, ``item_posted``), so a restart resumes an item
where it stopped and never starts it twice. Every deadline is ``feed.next_poll_at``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.errors import UserError
from bot.services.feeds.entries import FeedEntry, canonicalize_link, is_http_url
from bot.services.feeds.errors import FeedError, FeedErrorReason
from bot.services.feeds.fetch import FeedFetcher, FetchOptions
from bot.services.feeds.filters import keywords_text, parse_keywords, wanted
from bot.services.feeds.outcomes import (
    AddOutcome,
    FailureNotice,
    FeedInfo,
    ItemToPost,
    PollOutcome,
    feed_info,
    item_info,
)
from bot.services.feeds.pagemeta import page_meta
from bot.services.feeds.parse import ParsedFeed, parse_feed_async
from bot.services.feeds.poller import FeedRequest, PollResult, PollStatus, poll_one
from bot.services.feeds.select import FeedMemory, backoff_delay, is_failing, select_new_items
from bot.services.feeds.text import DESCRIPTION_LIMIT, TITLE_LIMIT, discord_safe
from bot.settings import FeedSettings
from models import Feed, FeedItem, FeedItemState

log = logging.getLogger(__name__)

SUMMARY_LIMIT = 500
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


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


class FeedService:
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
            recorded, to_post, _ = await self._record(session, row, result, now)
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
                    recorded, _, deferred = await self._record(session, row, result, now)
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

    async def _record(
        self, session: AsyncSession, row: Feed, result: PollResult, now: datetime
    ) -> tuple[int, tuple[int, ...], int]:
        """Decide about each entry (the core's rules, this database as memory) and record it."""
        if result.feed_title:
            row.title = result.feed_title[:300]
        row.last_warning = result.warning
        entries = list(result.entries)
        keys = list({e.key for e in entries})
        seen: set[str] = set()
        for chunk in _chunks(keys):
            seen.update(
                (
                    await session.execute(
                        select(FeedItem.entry_key).where(
                            FeedItem.feed_id == row.id, FeedItem.entry_key.in_(chunk)
                        )
                    )
                ).scalars()
            )
        links = list({e.link for e in entries if e.link})
        posted_links: set[str] = set()
        for chunk in _chunks(links):
            posted_links.update(
                (
                    await session.execute(
                        select(FeedItem.link).where(
                            FeedItem.channel_id == row.channel_id,
                            FeedItem.state.in_((FeedItemState.PENDING.value, FeedItemState.POSTED.value)),
                            FeedItem.link.in_(chunk),
                        )
                    )
                ).scalars()
            )
        include, exclude = parse_keywords(row.include_keywords), parse_keywords(row.exclude_keywords)
        passing = [e for e in entries if wanted(e.title, e.summary, include, exclude)]
        selection = select_new_items(
            FeedMemory(frozenset(seen), row.seeded),
            passing,
            now=now,
            max_items=self.settings.max_items_per_poll,
            max_age=timedelta(days=self.settings.max_age_days),
            posted_links=posted_links,
            post_latest_on_seed=row.post_latest,
        )
        added: set[str] = set(seen)
        new_rows: list[FeedItem] = []

        def record(entry: FeedEntry, state: FeedItemState, reason: str | None) -> None:
            if entry.key in added:
                return
            added.add(entry.key)
            new_rows.append(self._item_row(row, entry, state, reason, now))

        for entry in selection.to_post:
            record(entry, FeedItemState.PENDING, None)
        for decision in selection.to_record_only:
            record(decision.entry, FeedItemState.SEEN, decision.reason.value)
        passing_keys = {e.key for e in passing}
        for entry in entries:  # filtered out by the LCM's keywords: remembered, never posted
            if entry.key not in passing_keys:
                record(entry, FeedItemState.SEEN, "filtered")
        session.add_all(new_rows)
        await session.flush()
        row.seeded = True
        row.has_deferred = bool(selection.deferred)
        pending = tuple(r.id for r in new_rows if r.state == FeedItemState.PENDING.value)
        log.info(
            "feed %s: %d new entries recorded, %d to post, %d deferred",
            row.id, len(new_rows), len(pending), len(selection.deferred),
        )  # fmt: skip
        return len(new_rows), pending, len(selection.deferred)

    @staticmethod
    def _item_row(
        feed: Feed, entry: FeedEntry, state: FeedItemState, reason: str | None, now: datetime
    ) -> FeedItem:
        keep = state is FeedItemState.PENDING  # only what will be posted needs its text
        return FeedItem(
            feed_id=feed.id,
            guild_id=feed.guild_id,
            channel_id=feed.channel_id,
            entry_key=entry.key,
            link=entry.link[:2000] if entry.link else None,
            state=state.value,
            reason=reason,
            title=entry.safe_title if keep else None,
            summary=entry.safe_summary if keep else None,
            image=entry.image if keep and entry.image and len(entry.image) <= 2000 else None,
            source=feed.title,
            prompt=feed.debate_prompt if keep else None,
            published=entry.published,
            recorded_at=now,
            reply_count=0,
            participant_count=0,
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
