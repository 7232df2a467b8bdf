"""What the feed service hands back: plain dataclasses about feeds, items to post and poll outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.services.feeds.errors import FeedErrorReason
from bot.services.feeds.filters import parse_keywords
from bot.services.feeds.poller import PollStatus
from models import Feed, FeedItem


class FeedState(StrEnum):
    NEW = "new"  # not read successfully yet
    OK = "ok"
    ERROR = "error"  # the last poll failed; backing off
    FAILING = "failing"  # failing for long: the LCM was told
    PAUSED = "paused"


@dataclass(frozen=True)
class FeedInfo:
    id: int
    guild_id: int
    channel_id: int
    url: str
    title: str | None
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    poll_minutes: int
    prompt: str | None
    paused: bool
    next_poll_at: datetime | None
    last_success_at: datetime | None
    last_error: FeedErrorReason | None
    last_error_at: datetime | None
    last_warning: str | None
    consecutive_failures: int
    failing_since: datetime | None
    items_posted: int

    @property
    def state(self) -> FeedState:
        if self.paused:
            return FeedState.PAUSED
        if self.failing_since is not None:
            return FeedState.FAILING
        if self.consecutive_failures:
            return FeedState.ERROR
        return FeedState.OK if self.last_success_at else FeedState.NEW

    @property
    def label(self) -> str:
        return self.title or self.url


@dataclass(frozen=True)
class ItemToPost:
    """An item chosen to be posted, with the steps already done (``message_id``, ``thread_id``)."""

    id: int
    feed_id: int | None
    guild_id: int
    channel_id: int
    title: str  # Discord-safe (escaped, cannot ping)
    summary: str  # Discord-safe
    link: str | None
    image: str | None
    published: datetime | None
    source: str | None
    prompt: str | None  # None: the guild's default prompt
    comment: str | None
    shared_by: int | None
    message_id: int | None
    thread_id: int | None
    state: str = "pending"
    # An earlier attempt may have reached Discord without being recorded: look before sending again.
    attempted: bool = False

    @property
    def outbox_key(self) -> str:
        return f"feed:item:{self.id}"

    @property
    def prompt_key(self) -> str:
        return f"feed:item:{self.id}:prompt"

    @property
    def thread_name(self) -> str:
        """The title as plain text (thread names show no markdown), at most 100 characters."""
        plain = unescape_markdown(self.title).strip() or (self.link or "…")
        return plain if len(plain) <= 100 else plain[:99].rstrip() + "…"


@dataclass(frozen=True)
class FailureNotice:
    """A feed just became failing: tell the LCM once (``key`` is the outbox key of that one message)."""

    feed_id: int
    guild_id: int
    channel_id: int
    url: str
    title: str | None
    reason: FeedErrorReason
    since: datetime
    failures: int

    @property
    def key(self) -> str:
        return f"feed:{self.feed_id}:failing:{int(self.since.timestamp())}"


@dataclass(frozen=True)
class PollOutcome:
    feed_id: int
    polled: bool
    status: PollStatus | None = None
    to_post: tuple[int, ...] = ()
    recorded: int = 0
    deferred: int = 0
    warning: str | None = None
    error: FeedErrorReason | None = None
    notice: FailureNotice | None = None
    next_poll_at: datetime | None = None


@dataclass(frozen=True)
class AddOutcome:
    feed: FeedInfo
    recorded: int
    to_post: tuple[int, ...]


def unescape_markdown(text: str) -> str:
    """Undo ``escape_markdown_text`` (for thread names, which render no markdown)."""
    out, escaped = [], False
    for char in text:
        if escaped or char != "\\":
            out.append(char)
            escaped = False
        else:
            escaped = True
    return "".join(out)


def feed_info(row: Feed) -> FeedInfo:
    reason = None
    if row.last_error_reason:
        try:
            reason = FeedErrorReason(row.last_error_reason)
        except ValueError:
            reason = FeedErrorReason.CONNECTION_FAILED
    return FeedInfo(
        id=row.id,
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        url=row.url,
        title=row.title,
        include=parse_keywords(row.include_keywords),
        exclude=parse_keywords(row.exclude_keywords),
        poll_minutes=row.poll_minutes,
        prompt=row.debate_prompt,
        paused=row.paused,
        next_poll_at=row.next_poll_at,
        last_success_at=row.last_success_at,
        last_error=reason,
        last_error_at=row.last_error_at,
        last_warning=row.last_warning,
        consecutive_failures=row.consecutive_failures,
        failing_since=row.failing_since,
        items_posted=row.items_posted,
    )


def item_info(row: FeedItem) -> ItemToPost:
    return ItemToPost(
        id=row.id,
        feed_id=row.feed_id,
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        title=row.title or "",
        summary=row.summary or "",
        link=row.link,
        image=row.image,
        published=row.published,
        source=row.source,
        prompt=row.prompt,
        comment=row.comment,
        shared_by=row.shared_by,
        message_id=row.message_id,
        thread_id=row.thread_id,
        state=row.state,
        attempted=row.reason == "sending",
    )
