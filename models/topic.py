"""Organizing: registered topic channels, idle question follow-ups, and Discord operations in flight."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class TopicState(enum.StrEnum):
    ACTIVE = "active"
    WARNED = "warned"  # an idle warning is out; archived at archive_due_at unless someone keeps it open
    ARCHIVED = "archived"


class TopicChannel(Base):
    """A channel (or forum) under the bot's rules: welcome, idle warning, archive and reopen."""

    __tablename__ = "topic_channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    channel_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))  # text or forum
    state: Mapped[str] = mapped_column(String(16))
    exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Deadlines: the idle warning, then the archive; rebuilt into timers at start-up.
    warn_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    archive_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warning_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # How many times it was archived: keys the summary's send_once, so each archive posts one summary.
    archive_count: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_by: Mapped[int | None] = mapped_column(BigInteger)
    archive_reason: Mapped[str | None] = mapped_column(Text)
    # Where it was and who could see it before the archive (JSON list of overwrites), for an exact reopen.
    previous_category_id: Mapped[int | None] = mapped_column(BigInteger)
    saved_overwrites: Mapped[str | None] = mapped_column(Text)


class QuestionFollowUp(Base):
    """The organizing capability's record of one question: the nudge and the idle close, each done once."""

    __tablename__ = "question_followup"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    guild_id: Mapped[int] = mapped_column(BigInteger)
    nudge_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PendingOperation(Base):
    """A multi-step Discord change in flight (archive, move...): finished or undone at start-up."""

    __tablename__ = "pending_operation"

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
