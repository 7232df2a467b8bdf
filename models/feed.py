"""RSS/Atom feeds posted to a channel, the items they produced, and who debated them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class FeedItemState(enum.StrEnum):
    SEEN = "seen"  # recorded without posting (seeding, too old, already posted in the channel)
    PENDING = "pending"  # chosen to be posted: recorded before sending, so a crash cannot lose or repeat it
    POSTED = "posted"
    DROPPED = "dropped"  # could not be posted for good (channel gone); kept so it is never retried


class Feed(Base):
    """One feed posting into one channel (text, announcement or forum)."""

    __tablename__ = "feed"
    __table_args__ = (UniqueConstraint("channel_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    url: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str | None] = mapped_column(String(300))
    include_keywords: Mapped[str | None] = mapped_column(Text)
    exclude_keywords: Mapped[str | None] = mapped_column(Text)
    poll_minutes: Mapped[int] = mapped_column(Integer)
    debate_prompt: Mapped[str | None] = mapped_column(Text)
    post_latest: Mapped[bool] = mapped_column(Boolean, default=False)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    seeded: Mapped[bool] = mapped_column(Boolean, default=False)
    # Conditional requests; ignored while entries are deferred (a 304 would hide them).
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    has_deferred: Mapped[bool] = mapped_column(Boolean, default=False)
    last_elapsed: Mapped[float | None] = mapped_column(Float)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error_reason: Mapped[str | None] = mapped_column(String(32))
    last_error_detail: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_warning: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    first_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    items_posted: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedItem(Base):
    """One entry of a feed, recorded once by (feed, entry key); what to post survives a restart."""

    __tablename__ = "feed_item"
    __table_args__ = (
        UniqueConstraint("feed_id", "entry_key"),
        Index("ix_feed_item_channel_link", "channel_id", "link"),
        Index("ix_feed_item_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a link shared by hand with /feed share.
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feed.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(BigInteger)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    entry_key: Mapped[str] = mapped_column(String(255))
    link: Mapped[str | None] = mapped_column(String(2000))
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    # What the post shows (already Discord-safe), kept so a pending item can be sent after a restart.
    title: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    image: Mapped[str | None] = mapped_column(String(2000))
    source: Mapped[str | None] = mapped_column(String(300))
    prompt: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    shared_by: Mapped[int | None] = mapped_column(BigInteger)
    published: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    reply_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    participant_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class FeedDebateParticipant(Base):
    """Someone who replied in an item's debate thread (counted once)."""

    __tablename__ = "feed_debate_participant"

    item_id: Mapped[int] = mapped_column(ForeignKey("feed_item.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    replies: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    first_reply_at: Mapped[datetime] = mapped_column(UTCDateTime)
