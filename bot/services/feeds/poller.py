"""One poll cycle over many feeds: shared session, bounded concurrency, parsing only what changed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.services.feeds.entries import FeedEntry
from bot.services.feeds.errors import FeedError, FeedErrorReason
from bot.services.feeds.fetch import FeedFetcher, FetchOptions
from bot.services.feeds.parse import parse_feed_async
from bot.services.feeds.text import DEFAULT_SUMMARY_LIMIT

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeedRequest:
    """A feed to poll, with the validators stored from its last successful fetch.

    ``last_elapsed`` is the previous ``PollResult.elapsed``: slow feeds are started first, so their wait
    overlaps the rest of the cycle instead of trailing after it.
    """

    feed_id: int
    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_elapsed: float | None = None


class PollStatus(StrEnum):
    CHANGED = "changed"
    NOT_MODIFIED = "not_modified"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class PollResult:
    """The outcome for one feed.

    On ``error`` the request's validators are echoed back; otherwise store ``etag`` and ``last_modified``.
    """

    feed_id: int
    status: PollStatus
    etag: str | None = None
    last_modified: str | None = None
    entries: tuple[FeedEntry, ...] = ()
    warning: str | None = None
    error_reason: FeedErrorReason | None = None
    error_detail: str | None = None
    elapsed: float = 0.0
    final_url: str | None = None
    feed_title: str | None = None


async def poll_one(
    fetcher: FeedFetcher,
    feed: FeedRequest,
    *,
    parse_executor: Executor | None = None,
    summary_limit: int = DEFAULT_SUMMARY_LIMIT,
) -> PollResult:
    """Fetch one feed and, when it changed, parse it off the event loop. Never raises for feed problems."""
    started = time.perf_counter()
    try:
        fetched = await fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        if fetched.not_modified:
            return PollResult(
                feed.feed_id,
                PollStatus.NOT_MODIFIED,
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                elapsed=time.perf_counter() - started,
                final_url=fetched.final_url,
            )
        parsed = await parse_feed_async(
            fetched.body,
            fetched.headers,
            url=fetched.final_url,
            summary_limit=summary_limit,
            executor=parse_executor,
        )
    except FeedError as exc:
        log.info("feed %s: %s (%s)", feed.feed_id, exc.reason.value, exc.detail)
        return PollResult(
            feed.feed_id,
            PollStatus.ERROR,
            etag=feed.etag,
            last_modified=feed.last_modified,
            error_reason=exc.reason,
            error_detail=exc.detail,
            elapsed=time.perf_counter() - started,
        )
    if parsed.warning:
        log.info(
            "feed %s: malformed document, %d entries kept (%s)",
            feed.feed_id,
            len(parsed.entries),
            parsed.warning,
        )
    return PollResult(
        feed.feed_id,
        PollStatus.CHANGED,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        entries=parsed.entries,
        warning=parsed.warning,
        elapsed=time.perf_counter() - started,
        final_url=fetched.final_url,
        feed_title=parsed.title or None,
    )


async def poll_many(
    feeds: Sequence[FeedRequest],
    *,
    concurrency: int,
    options: FetchOptions | None = None,
    fetcher: FeedFetcher | None = None,
    parse_executor: Executor | None = None,
    summary_limit: int = DEFAULT_SUMMARY_LIMIT,
) -> list[PollResult]:
    """Poll ``feeds`` with at most ``concurrency`` in flight over one shared session; results in input order.

    Pass a long-lived ``fetcher`` to reuse its connections across cycles; otherwise one is made from
    ``options`` for this cycle. An unexpected exception for one feed becomes a CONNECTION_FAILED result.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    own = fetcher is None
    if fetcher is None:
        base = options or FetchOptions()
        fetcher = FeedFetcher(replace(base, connections=max(base.connections, concurrency)))
    semaphore = asyncio.Semaphore(concurrency)

    async def run(feed: FeedRequest) -> PollResult:
        async with semaphore:
            try:
                return await poll_one(
                    fetcher, feed, parse_executor=parse_executor, summary_limit=summary_limit
                )
            except Exception as exc:  # a bug for one feed must not sink the whole cycle
                log.exception("feed %s: unexpected error while polling", feed.feed_id)
                return PollResult(
                    feed.feed_id,
                    PollStatus.ERROR,
                    etag=feed.etag,
                    last_modified=feed.last_modified,
                    error_reason=FeedErrorReason.CONNECTION_FAILED,
                    error_detail=f"{type(exc).__name__}: {exc}",
                )

    try:
        await fetcher.open()
        # Slowest first (longest-processing-time-first); the sort is stable, results keep the input order.
        order = sorted(range(len(feeds)), key=lambda i: -(feeds[i].last_elapsed or 0.0))
        tasks = {i: asyncio.ensure_future(run(feeds[i])) for i in order}
        return list(await asyncio.gather(*(tasks[i] for i in range(len(feeds)))))
    finally:
        if own:
            await fetcher.close()
