"""Answers, solutions, duplicates and deletions: the second half of a question's life."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.errors import UserError
from bot.services.questions.registry import IndexRegistry, parse_key, question_key, question_text
from bot.services.questions.types import AnswerOutcome, QuestionInfo, SolutionOutcome
from bot.services.questions.types import question_info as _info
from models import KnowledgeEntry, Question, QuestionState, RejectedPair, Suggestion

log = logging.getLogger(__name__)


class AnswersMixin:
    """Part of ``QuestionService``: what happens once a question is asked."""

    _sessions: async_sessionmaker
    _clock: Clock
    _indexes: IndexRegistry
    _lock: asyncio.Lock

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
