"""Deciding about a fetched feed's entries with the database as memory, and recording each decision."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.feeds.entries import FeedEntry
from bot.services.feeds.filters import parse_keywords, wanted
from bot.services.feeds.poller import PollResult
from bot.services.feeds.select import FeedMemory, select_new_items
from bot.settings import FeedSettings
from models import Feed, FeedItem, FeedItemState

log = logging.getLogger(__name__)

_CHUNK = 400  # bound parameters per IN (...) query


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


async def record_entries(
    session: AsyncSession, row: Feed, result: PollResult, now: datetime, settings: FeedSettings
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
        max_items=settings.max_items_per_poll,
        max_age=timedelta(days=settings.max_age_days),
        posted_links=posted_links,
        post_latest_on_seed=row.post_latest,
    )
    added: set[str] = set(seen)
    new_rows: list[FeedItem] = []

    def record(entry: FeedEntry, state: FeedItemState, reason: str | None) -> None:
        if entry.key in added:
            return
        added.add(entry.key)
        new_rows.append(_item_row(row, entry, state, reason, now))

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
