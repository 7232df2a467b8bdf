"""The life of a question: recorded, matched against earlier ones, answered, solved, closed or deleted."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services.matching import MAX_SUGGESTIONS
from bot.services.questions.answers import AnswersMixin
from bot.services.questions.registry import IndexRegistry, parse_key, question_key, question_text
from bot.services.questions.types import OPEN_STATES, QuestionInfo, RecordOutcome, SuggestionInfo, excerpt
from bot.services.questions.types import question_info as _info
from models import KnowledgeEntry, Question, QuestionState, RejectedPair, Suggestion

log = logging.getLogger(__name__)


class QuestionService(AnswersMixin):
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
                Question(
                    guild_id=guild_id,
                    space_id=space_id,
                    channel_id=channel_id,
                    thread_id=thread_id,
                    message_id=message_id,
                    author_id=author_id,
                    title=title[:200],
                    body=body,
                )
            )

    async def _record(self, new: Question) -> RecordOutcome:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = (
                await session.execute(select(Question).where(Question.message_id == new.message_id))
            ).scalar_one_or_none()
            if row is not None:
                return RecordOutcome(_info(row), [], created=False)
            new.state, new.solution_by_trainer = QuestionState.OPEN, False
            new.created_at = new.updated_at = new.last_activity_at = now
            session.add(new)
            await session.flush()
            info = _info(new)
        log.info("guild %s: question %s recorded in %s", info.guild_id, info.id, info.channel_id)
        text = question_text(new.title, new.body)
        suggestions = await self._suggest(info, text)
        self._indexes.put(info.guild_id, question_key(info.id), text)
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
