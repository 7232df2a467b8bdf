"""Q&A spaces, questions, duplicate suggestions and the pairs learners said were not the same."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class SpaceKind(enum.StrEnum):
    FORUM = "forum"
    TEXT = "text"


class QuestionState(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    SOLVED = "solved"
    DUPLICATE = "duplicate"
    CLOSED = "closed"


class QASpace(Base):
    """A forum or text channel whose posts are questions."""

    __tablename__ = "qa_space"

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    channel_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    solved_tag_id: Mapped[int | None] = mapped_column(BigInteger)
    duplicate_tag_id: Mapped[int | None] = mapped_column(BigInteger)
    # Topic ownership and ladder delays of this space; None: the guild's (or the category's) apply.
    trainer_role_id: Mapped[int | None] = mapped_column(BigInteger)
    peer_window_minutes: Mapped[int | None] = mapped_column(Integer)
    reminder_minutes: Mapped[int | None] = mapped_column(Integer)
    lcm_minutes: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Question(Base):
    """One learner question: a forum post, or a top-level message with the thread the bot opened on it."""

    __tablename__ = "question"
    __table_args__ = (Index("ix_question_guild_state", "guild_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    space_id: Mapped[int | None] = mapped_column(ForeignKey("qa_space.id", ondelete="SET NULL"))
    channel_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    message_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    author_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_answer_by: Mapped[int | None] = mapped_column(BigInteger)
    first_answer_message_id: Mapped[int | None] = mapped_column(BigInteger)
    solution_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    solution_author_id: Mapped[int | None] = mapped_column(BigInteger)
    solution_by_trainer: Mapped[bool] = mapped_column(Boolean, default=False)
    solution_text: Mapped[str | None] = mapped_column(Text)
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("question.id", ondelete="SET NULL"))
    closed_reason: Mapped[str | None] = mapped_column(String(32))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Suggestion(Base):
    """An earlier question or knowledge entry the bot suggested for a new question."""

    __tablename__ = "question_suggestion"
    __table_args__ = (UniqueConstraint("question_id", "target_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    target_key: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))


class RejectedPair(Base):
    """A learner said these were not the same question: never suggest the pair again."""

    __tablename__ = "rejected_pair"
    __table_args__ = (UniqueConstraint("question_id", "target_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    target_key: Mapped[str] = mapped_column(String(32))
    rejected_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KnowledgeEntry(Base):
    """An entry of the guild's knowledge base: an accepted answer, or one the LCM wrote."""

    __tablename__ = "knowledge_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    source_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), unique=True
    )
    endorsed_by_trainer: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
