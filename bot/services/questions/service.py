"""The life of a question: recorded, matched against earlier ones, answered, solved, closed or deleted."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.errors import UserError
from bot.services.matching import MAX_SUGGESTIONS
from bot.services.questions.registry import IndexRegistry, parse_key, question_key, question_text
from models import KnowledgeEntry, Question, QuestionState, RejectedPair, Suggestion

log = logging.getLogger(__name__)

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


def _info(row: Question) -> QuestionInfo:
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


class QuestionService:
    def __init__(
        self,
        sessions: async_sessionmaker,
        clock: Clock,
        indexes: IndexRegistry,
        max_suggestions: int = MAX_SUGGESTIONS,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._indexes = indexes
        self._max = max_suggestions
        # Recording and answering are serialised, in the order events arrive: two questions posted at once
        # still see each other, and a reply arriving right after its question is not lost.
        self._lock = asyncio.Lock()

    # ----- lookups

    async def get(self, question_id: int) -> QuestionInfo | None:
        async with self._sessions() as session:
            row = await session.get(Question, question_id)
            return _info(row) if row is not None else None

    async def by_place(self, place_id: int) -> QuestionInfo | None:
        """The question whose thread (or forum post) is ``place_id``."""
        async with self._sessions() as session:
            row = (
                await session.execute(select(Question).where(Question.thread_id == place_id))
            ).scalar_one_or_none()
            return _info(row) if row is not None else None

    async def by_message(self, message_id: int) -> QuestionInfo | None:
        async with self._sessions() as session:
            row = (
                await session.execute(select(Question).where(Question.message_id == message_id))
            ).scalar_one_or_none()
            return _info(row) if row is not None else None

    async def unanswered(self, guild_id: int, limit: int = 25) -> list[QuestionInfo]:
        """Open questions nobody answered yet, oldest first."""
        async with self._sessions() as session:
            rows = (
                (
                    await session.execute(
                        select(Question)
                        .where(
                            Question.guild_id == guild_id,
                            Question.state == QuestionState.OPEN,
                            Question.deleted_at.is_(None),
                        )
                        .order_by(Question.created_at, Question.id)
                        .limit(limit)
                    )
                )
                .scalars()
                .all()
            )
        return [_info(r) for r in rows]

    # ----- recording and matching

    async def record(
        self,
        *,
        guild_id: int,
        space_id: int | None,
        channel_id: int,
        thread_id: int | None,
        message_id: int,
        author_id: int,
        title: str,
        body: str,
    ) -> RecordOutcome:
        """Record a new question and find earlier ones like it; recording a message twice is harmless."""
        async with self._lock:
            return await self._record(
                guild_id=guild_id,
                space_id=space_id,
                channel_id=channel_id,
                thread_id=thread_id,
                message_id=message_id,
                author_id=author_id,
                title=title,
                body=body,
            )

    async def _record(
        self,
        *,
        guild_id: int,
        space_id: int | None,
        channel_id: int,
        thread_id: int | None,
        message_id: int,
        author_id: int,
        title: str,
        body: str,
    ) -> RecordOutcome:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = (
                await session.execute(select(Question).where(Question.message_id == message_id))
            ).scalar_one_or_none()
            if row is not None:
                return RecordOutcome(_info(row), [], created=False)
            row = Question(
                guild_id=guild_id,
                space_id=space_id,
                channel_id=channel_id,
                thread_id=thread_id,
                message_id=message_id,
                author_id=author_id,
                title=title[:200],
                body=body,
                state=QuestionState.OPEN,
                created_at=now,
                updated_at=now,
                last_activity_at=now,
                solution_by_trainer=False,
            )
            session.add(row)
            await session.flush()
            info = _info(row)
        log.info("guild %s: question %s recorded in %s", guild_id, info.id, channel_id)
        suggestions = await self._suggest(info, question_text(title, body))
        self._indexes.put(guild_id, question_key(info.id), question_text(title, body))
        return RecordOutcome(info, suggestions, created=True)

    async def edited(
        self, message_id: int, *, title: str | None = None, body: str | None = None
    ) -> RecordOutcome | None:
        """The question's text changed: re-index it and return only matches not suggested before."""
        async with self._sessions.begin() as session:
            row = (
                await session.execute(select(Question).where(Question.message_id == message_id))
            ).scalar_one_or_none()
            if row is None or row.deleted_at is not None:
                return None
            if title is not None:
                row.title = title[:200]
            if body is not None:
                row.body = body
            row.updated_at = self._clock.now()
            info, text = _info(row), question_text(row.title, row.body)
        if info.state not in (QuestionState.DUPLICATE,):
            self._indexes.put(info.guild_id, question_key(info.id), text)
        suggestions = await self._suggest(info, text) if info.state in OPEN_STATES else []
        return RecordOutcome(info, suggestions, created=False)

    async def _suggest(self, question: QuestionInfo, text: str) -> list[SuggestionInfo]:
        async with self._sessions.begin() as session:
            exclude = {question_key(question.id)}
            exclude.update(
                (
                    await session.execute(
                        select(Suggestion.target_key).where(Suggestion.question_id == question.id)
                    )
                )
                .scalars()
                .all()
            )
            exclude.update(
                (
                    await session.execute(
                        select(RejectedPair.target_key).where(RejectedPair.question_id == question.id)
                    )
                )
                .scalars()
                .all()
            )
            # A pair rejected from the other side is just as wrong.
            exclude.update(
                question_key(qid)
                for qid in (
                    await session.execute(
                        select(RejectedPair.question_id).where(
                            RejectedPair.target_key == question_key(question.id)
                        )
                    )
                ).scalars()
            )
            matches = await self._indexes.search(question.guild_id, text, limit=self._max, exclude=exclude)
            resolved = await self._resolve(session, question.guild_id, [(m.key, m.score) for m in matches])
            for item in resolved:
                session.add(
                    Suggestion(
                        question_id=question.id,
                        target_key=item.key,
                        score=item.score,
                        created_at=self._clock.now(),
                    )
                )
        return resolved

    async def _resolve(
        self, session: AsyncSession, guild_id: int, scored: list[tuple[str, float]]
    ) -> list[SuggestionInfo]:
        """Turn index keys into what a learner sees; drop anything deleted meanwhile."""
        out: list[SuggestionInfo] = []
        for key, score in scored:
            kind, ident = parse_key(key)
            if kind == "q":
                row = await session.get(Question, ident)
                if row is None or row.deleted_at is not None or row.guild_id != guild_id:
                    self._indexes.drop(guild_id, key)
                    continue
                out.append(
                    SuggestionInfo(
                        key=key,
                        score=score,
                        title=row.title,
                        state=QuestionState(row.state),
                        guild_id=guild_id,
                        place_id=row.thread_id or row.channel_id,
                        message_id=None if row.thread_id else row.message_id,
                        answer_excerpt=excerpt(row.solution_text) if row.solution_text else None,
                        endorsed_by_trainer=row.solution_by_trainer,
                    )
                )
            else:
                entry = await session.get(KnowledgeEntry, ident)
                if entry is None or entry.guild_id != guild_id:
                    self._indexes.drop(guild_id, key)
                    continue
                out.append(
                    SuggestionInfo(
                        key=key,
                        score=score,
                        title=excerpt(entry.question, 150),
                        state=None,
                        guild_id=guild_id,
                        place_id=None,
                        message_id=None,
                        answer_excerpt=excerpt(entry.answer),
                        endorsed_by_trainer=entry.endorsed_by_trainer,
                    )
                )
        return out

    async def suggestion_batches(self, since: datetime) -> list[tuple[QuestionInfo, list[SuggestionInfo]]]:
        """Suggestions made since ``since`` for questions still open, one batch per matching run.

        The cog posts each batch under a key naming its suggestions; at start-up it posts any batch whose
        post was never confirmed (the bot stopped between matching and posting).
        """
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(Question, Suggestion.target_key, Suggestion.score, Suggestion.created_at)
                    .join(Suggestion, Suggestion.question_id == Question.id)
                    .where(
                        Suggestion.created_at >= since,
                        Question.deleted_at.is_(None),
                        Question.state.in_([s.value for s in OPEN_STATES]),
                    )
                    .order_by(Question.id, Suggestion.created_at, Suggestion.score.desc())
                )
            ).all()
            batches: dict[tuple[int, datetime], tuple[Question, list[tuple[str, float]]]] = {}
            for question, key, score, created in rows:
                batches.setdefault((question.id, created), (question, []))[1].append((key, score))
            return [
                (_info(question), resolved)
                for question, scored in batches.values()
                if (resolved := await self._resolve(session, question.guild_id, scored))
            ]

    # ----- answers, solutions, duplicates

    async def replied(self, place_id: int, author_id: int, message_id: int) -> AnswerOutcome | None:
        """A member (not a bot) wrote in the question's thread; the first who is not the asker answers it."""
        async with self._lock:
            return await self._replied(place_id, author_id, message_id)

    async def _replied(self, place_id: int, author_id: int, message_id: int) -> AnswerOutcome | None:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = (
                await session.execute(select(Question).where(Question.thread_id == place_id))
            ).scalar_one_or_none()
            if row is None or row.deleted_at is not None or message_id == row.message_id:
                return None
            row.last_activity_at = now
            first = False
            if author_id != row.author_id and row.first_answer_at is None:
                row.first_answer_at, row.first_answer_by, row.first_answer_message_id = (
                    now,
                    author_id,
                    message_id,
                )
                if row.state == QuestionState.OPEN:
                    row.state = QuestionState.ANSWERED
                first = True
            info = _info(row)
        if first:
            log.info("question %s answered by %s", info.id, author_id)
        return AnswerOutcome(info, first)

    async def mark_solution(
        self,
        place_id: int,
        *,
        message_id: int,
        answer_author_id: int,
        answer_text: str,
        by_trainer: bool,
        by: int,
    ) -> SolutionOutcome:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = (
                await session.execute(select(Question).where(Question.thread_id == place_id))
            ).scalar_one_or_none()
            if row is None or row.deleted_at is not None:
                raise UserError("solution.not_a_question")
            if message_id == row.message_id:
                raise UserError("solution.not_the_question")
            if row.state in (QuestionState.DUPLICATE,):
                raise UserError("solution.question_closed")
            changed = row.solution_message_id != message_id
            row.solution_message_id, row.solution_author_id = message_id, answer_author_id
            row.solution_by_trainer, row.solution_text = by_trainer, answer_text
            row.solved_at, row.updated_at, row.last_activity_at = now, now, now
            row.state = QuestionState.SOLVED
            if row.first_answer_at is None and answer_author_id != row.author_id:
                row.first_answer_at, row.first_answer_by, row.first_answer_message_id = (
                    now,
                    answer_author_id,
                    message_id,
                )
            entry = (
                await session.execute(
                    select(KnowledgeEntry).where(KnowledgeEntry.source_question_id == row.id)
                )
            ).scalar_one_or_none()
            if entry is None:
                entry = KnowledgeEntry(
                    guild_id=row.guild_id, source_question_id=row.id, created_by=by, created_at=now
                )
                session.add(entry)
            entry.question = question_text(row.title, row.body)
            entry.answer, entry.endorsed_by_trainer = answer_text, by_trainer
            info = _info(row)
        log.info("question %s solved by message %s (trainer: %s)", info.id, message_id, by_trainer)
        return SolutionOutcome(info, changed)

    async def message_deleted(self, message_id: int) -> tuple[str, QuestionInfo] | None:
        """React to a deleted message: a question leaves the index; a solution is withdrawn."""
        async with self._sessions.begin() as session:
            row = (
                await session.execute(select(Question).where(Question.message_id == message_id))
            ).scalar_one_or_none()
            if row is not None:
                return "question", await self._delete(session, row)
            row = (
                await session.execute(select(Question).where(Question.solution_message_id == message_id))
            ).scalar_one_or_none()
            if row is None:
                return None
            row.solution_message_id = row.solution_author_id = row.solution_text = row.solved_at = None
            row.solution_by_trainer = False
            row.state = QuestionState.ANSWERED if row.first_answer_at else QuestionState.OPEN
            if row.first_answer_message_id == message_id:
                row.first_answer_at = row.first_answer_by = row.first_answer_message_id = None
                row.state = QuestionState.OPEN
            await session.execute(delete(KnowledgeEntry).where(KnowledgeEntry.source_question_id == row.id))
            log.info("question %s: its solution %s was deleted; unsolved again", row.id, message_id)
            return "solution", _info(row)

    async def thread_deleted(self, place_id: int) -> QuestionInfo | None:
        async with self._sessions.begin() as session:
            row = (
                await session.execute(select(Question).where(Question.thread_id == place_id))
            ).scalar_one_or_none()
            return await self._delete(session, row) if row is not None else None

    async def _delete(self, session: AsyncSession, row: Question) -> QuestionInfo:
        if row.deleted_at is None:
            row.deleted_at = self._clock.now()
            await session.execute(delete(KnowledgeEntry).where(KnowledgeEntry.source_question_id == row.id))
            log.info("question %s deleted", row.id)
        self._indexes.drop(row.guild_id, question_key(row.id))
        return _info(row)

    async def close_as_duplicate(self, question_id: int, target_key: str) -> QuestionInfo:
        """Close a question as a duplicate of a suggested question or knowledge entry."""
        async with self._sessions.begin() as session:
            row = await session.get(Question, question_id)
            if row is None or row.deleted_at is not None:
                raise UserError("question.gone")
            kind, ident = parse_key(target_key)
            if kind == "q":
                target = await session.get(Question, ident)
                if target is None or target.deleted_at is not None or target.guild_id != row.guild_id:
                    raise UserError("question.gone")
                if target.id == row.id:
                    raise UserError("question.link_self")
                row.duplicate_of_id = target.id
            row.state, row.closed_reason, row.updated_at = (
                QuestionState.DUPLICATE,
                "duplicate",
                self._clock.now(),
            )
            suggestion = (
                await session.execute(
                    select(Suggestion).where(
                        Suggestion.question_id == question_id, Suggestion.target_key == target_key
                    )
                )
            ).scalar_one_or_none()
            if suggestion is not None:
                suggestion.outcome = "accepted"
            info = _info(row)
        self._indexes.drop(info.guild_id, question_key(info.id))
        log.info("question %s closed as a duplicate of %s", info.id, target_key)
        return info

    async def reject_suggestions(self, question_id: int, by: int) -> list[str]:
        """The asker says none of the suggestions is their question: never suggest these pairs again."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await session.get(Question, question_id)
            if row is None:
                raise UserError("question.gone")
            suggestions = (
                (await session.execute(select(Suggestion).where(Suggestion.question_id == question_id)))
                .scalars()
                .all()
            )
            known = set(
                (
                    await session.execute(
                        select(RejectedPair.target_key).where(RejectedPair.question_id == question_id)
                    )
                )
                .scalars()
                .all()
            )
            keys = []
            for suggestion in suggestions:
                if suggestion.outcome is None:
                    suggestion.outcome = "rejected"
                if suggestion.target_key not in known:
                    session.add(
                        RejectedPair(
                            guild_id=row.guild_id,
                            question_id=question_id,
                            target_key=suggestion.target_key,
                            rejected_by=by,
                            created_at=now,
                        )
                    )
                    keys.append(suggestion.target_key)
        log.info("question %s: suggestions %s rejected by %s", question_id, keys, by)
        return keys
