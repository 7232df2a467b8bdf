"""Which entries of a fetched feed to post, record or leave for later (pure), and poll backoff (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.services.feeds.entries import FeedEntry

DEFAULT_MAX_ITEMS = 3
DEFAULT_MAX_AGE = timedelta(days=7)


class SelectReason(StrEnum):
    """Why an entry is not posted now."""

    SEEDING = "seeding"  # the feed is new: its backlog is recorded silently
    TOO_OLD = "too_old"  # older than max_age: recorded, never posted
    DUPLICATE_LINK = "duplicate_link"  # the same link was already posted in the channel: recorded
    ALREADY_SEEN = "already_seen"  # recorded in an earlier poll: nothing to do
    DUPLICATE_KEY = "duplicate_key"  # the document repeats a key: the first one counts
    DEFERRED = "deferred"  # over max_items: left unrecorded so the next poll picks it up


@dataclass(frozen=True, slots=True)
class Decision:
    entry: FeedEntry
    reason: SelectReason


@dataclass(frozen=True, slots=True)
class FeedMemory:
    """What is already recorded for a feed."""

    seen_keys: frozenset[str] = frozenset()
    seeded: bool = False


@dataclass(frozen=True, slots=True)
class Selection:
    """``to_post``: post now (oldest first), then record. ``to_record_only``: record without posting.
    ``skipped``: neither (already seen, or deferred to the next poll)."""

    to_post: list[FeedEntry] = field(default_factory=list)
    to_record_only: list[Decision] = field(default_factory=list)
    skipped: list[Decision] = field(default_factory=list)

    @property
    def deferred(self) -> list[FeedEntry]:
        """Entries left for the next poll. While there are some, re-fetch without If-None-Match/
        If-Modified-Since (or the server's 304 would hide them)."""
        return [d.entry for d in self.skipped if d.reason is SelectReason.DEFERRED]


def _age_order(entry: FeedEntry, now: datetime) -> tuple[datetime, int]:
    # Undated entries count as just published; within a date, later in the document means older
    # (feeds list newest first).
    return (min(entry.published, now) if entry.published else now, -entry.position)


def select_new_items(
    memory: FeedMemory,
    entries: Sequence[FeedEntry],
    *,
    now: datetime,
    max_items: int = DEFAULT_MAX_ITEMS,
    max_age: timedelta = DEFAULT_MAX_AGE,
    posted_links: Iterable[str] = (),
    post_latest_on_seed: bool = False,
) -> Selection:
    """Decide what to do with each entry of a freshly parsed feed.

    ``posted_links`` are the canonical links already posted in the target channel (from any feed), so one
    article reaching a channel through two feeds is posted once. ``now`` comes from the injected clock.
    """
    selection = Selection()
    seen_in_doc: set[str] = set()
    fresh: list[FeedEntry] = []
    for entry in entries:
        if entry.key in seen_in_doc:
            selection.skipped.append(Decision(entry, SelectReason.DUPLICATE_KEY))
        elif entry.key in memory.seen_keys:
            selection.skipped.append(Decision(entry, SelectReason.ALREADY_SEEN))
        else:
            fresh.append(entry)
        seen_in_doc.add(entry.key)

    if not memory.seeded:
        latest = max(fresh, key=lambda e: _age_order(e, now), default=None) if post_latest_on_seed else None
        for entry in fresh:
            if entry is latest:
                selection.to_post.append(entry)
            else:
                selection.to_record_only.append(Decision(entry, SelectReason.SEEDING))
        return selection

    linked = set(posted_links)
    cutoff = now - max_age
    for entry in sorted(fresh, key=lambda e: _age_order(e, now)):
        if entry.published is not None and entry.published < cutoff:
            selection.to_record_only.append(Decision(entry, SelectReason.TOO_OLD))
        elif entry.link and entry.link in linked:
            selection.to_record_only.append(Decision(entry, SelectReason.DUPLICATE_LINK))
        elif len(selection.to_post) >= max_items:
            selection.skipped.append(Decision(entry, SelectReason.DEFERRED))
        else:
            selection.to_post.append(entry)
            if entry.link:
                linked.add(entry.link)
    return selection


# --- Backoff -------------------------------------------------------------------------------------------

MAX_BACKOFF = timedelta(days=1)
DEFAULT_FAILURE_THRESHOLD = 10
DEFAULT_FAILURE_WINDOW = timedelta(days=3)


def backoff_delay(
    interval: timedelta, consecutive_failures: int, *, cap: timedelta = MAX_BACKOFF
) -> timedelta:
    """The wait before the next poll: the interval, doubled for each consecutive failure, at most ``cap``."""
    if consecutive_failures <= 0:
        return interval
    # Past 2**20 the cap has long been reached; a bigger factor could overflow timedelta.
    factor = 2 ** min(consecutive_failures, 20)
    return min(interval * factor, max(cap, interval))


def is_failing(
    consecutive_failures: int,
    first_failure_at: datetime | None,
    now: datetime,
    *,
    threshold: int = DEFAULT_FAILURE_THRESHOLD,
    window: timedelta = DEFAULT_FAILURE_WINDOW,
) -> bool:
    """True when the feed counts as failing: ``threshold`` failures in a row, or failing for ``window``."""
    if consecutive_failures <= 0:
        return False
    if consecutive_failures >= threshold:
        return True
    return first_failure_at is not None and now - first_failure_at >= window
