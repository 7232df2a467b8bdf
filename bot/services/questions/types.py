"""What the questions service hands back: plain values, no rows and no Discord objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from models import Question, QuestionState

EXCERPT_CHARS = 300
OPEN_STATES = (QuestionState.OPEN, QuestionState.ANSWERED)


@dataclass(frozen=True)
class QuestionInfo:
    id: int
    guild_id: int
    channel_id: int
    thread_id: int | None
    message_id: int
    author_id: int
    title: str
    state: QuestionState
    created_at: datetime
    first_answer_at: datetime | None
    solution_message_id: int | None
    solution_by_trainer: bool
    duplicate_of_id: int | None
    deleted: bool

    @property
    def place_id(self) -> int:
        """Where the question's conversation is: its thread, else its channel."""
        return self.thread_id or self.channel_id


def question_info(row: Question) -> QuestionInfo:
    return QuestionInfo(
        id=row.id,
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        thread_id=row.thread_id,
        message_id=row.message_id,
        author_id=row.author_id,
        title=row.title,
        state=QuestionState(row.state),
        created_at=row.created_at,
        first_answer_at=row.first_answer_at,
        solution_message_id=row.solution_message_id,
        solution_by_trainer=row.solution_by_trainer,
        duplicate_of_id=row.duplicate_of_id,
        deleted=row.deleted_at is not None,
    )


@dataclass(frozen=True)
class SuggestionInfo:
    """An earlier question or knowledge entry, ready to be shown to a learner."""

    key: str
    score: float
    title: str
    state: QuestionState | None  # None for a knowledge entry written by the LCM
    guild_id: int
    place_id: int | None  # thread or channel to link to
    message_id: int | None
    answer_excerpt: str | None
    endorsed_by_trainer: bool


@dataclass(frozen=True)
class RecordOutcome:
    question: QuestionInfo
    suggestions: list[SuggestionInfo]
    created: bool


@dataclass(frozen=True)
class AnswerOutcome:
    question: QuestionInfo
    first_answer: bool


@dataclass(frozen=True)
class SolutionOutcome:
    question: QuestionInfo
    changed: bool


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "\N{HORIZONTAL ELLIPSIS}"
