"""Escalations of unanswered questions to trainers, and the trainer role that owns a category."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Escalation(Base):
    """The ladder's record for one question: what was sent, when, and who took it."""

    __tablename__ = "escalation"
    __table_args__ = (Index("ix_escalation_guild_closed", "guild_id", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), unique=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_by: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    pinged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lcm_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    taken_by: Mapped[int | None] = mapped_column(BigInteger)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trainer_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    trainer_message_id: Mapped[int | None] = mapped_column(BigInteger)
    first_trainer_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trainer_answer_message_id: Mapped[int | None] = mapped_column(BigInteger)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str | None] = mapped_column(String(16))
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class CategoryOwner(Base):
    """A category whose questions go to its own trainer role (topic ownership)."""

    __tablename__ = "category_owner"

    category_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    trainer_role_id: Mapped[int] = mapped_column(BigInteger)
