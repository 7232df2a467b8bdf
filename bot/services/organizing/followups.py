"""Finished questions: a solved thread closes once idle; an answered one gets one "did this solve it?".

A question nobody answered is the escalation ladder's business and never gets a nudge. The deadlines live
in ``question_followup`` rows (``close_due_at``, ``nudge_due_at``), recomputed from the question whenever
it changes, and re-checked when a timer rings.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.clock import Clock
from bot.services.organizing.rules import IdleRules
from models import Question, QuestionFollowUp, QuestionState

log = logging.getLogger(__name__)


class FollowUpAction(enum.StrEnum):
    NONE = "none"
    WAIT = "wait"
    CLOSE = "close"  # lock and archive the solved question's thread
    NUDGE = "nudge"  # ask the asker once whether an answer solved it


@dataclass(frozen=True)
class FollowUpDecision:
    action: FollowUpAction
    question_id: int
    due: datetime | None = None
    guild_id: int | None = None
    thread_id: int | None = None
    author_id: int | None = None
    first_answer_message_id: int | None = None


class FollowUpService:
    def __init__(self, sessions: async_sessionmaker, clock: Clock, rules: IdleRules | None = None) -> None:
        self._sessions = sessions
        self._clock = clock
        self.rules = rules or IdleRules()

    async def plan(self, question_id: int) -> FollowUpDecision:
        """Recompute the question's deadlines from its row and say what is due (now, later or never)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            question = await session.get(Question, question_id)
            if question is None:
                return FollowUpDecision(FollowUpAction.NONE, question_id)
            row = await session.get(QuestionFollowUp, question_id)
            if row is None:
                row = QuestionFollowUp(question_id=question_id, guild_id=question.guild_id)
                session.add(row)
            live = question.deleted_at is None and question.thread_id is not None
            state = QuestionState(question.state)
            row.close_due_at = (
                self.rules.close_due(question.solved_at, question.last_activity_at)
                if live and state is QuestionState.SOLVED and row.closed_at is None
                else None
            )
            row.nudge_due_at = (
                self.rules.nudge_due(question.last_activity_at)
                if live and state is QuestionState.ANSWERED and row.nudged_at is None
                else None
            )
            base = {
                "question_id": question_id,
                "guild_id": question.guild_id,
                "thread_id": question.thread_id,
                "author_id": question.author_id,
                "first_answer_message_id": question.first_answer_message_id,
            }
            if row.close_due_at is not None:
                action = FollowUpAction.CLOSE if row.close_due_at <= now else FollowUpAction.WAIT
                return FollowUpDecision(action, due=row.close_due_at, **base)
            if row.nudge_due_at is not None:
                action = FollowUpAction.NUDGE if row.nudge_due_at <= now else FollowUpAction.WAIT
                return FollowUpDecision(action, due=row.nudge_due_at, **base)
            return FollowUpDecision(FollowUpAction.NONE, **base)

    async def _mark(self, question_id: int, column: str) -> bool:
        async with self._sessions.begin() as session:
            row = await session.get(QuestionFollowUp, question_id)
            if row is None or getattr(row, column) is not None:
                return False
            setattr(row, column, self._clock.now())
            setattr(row, "close_due_at" if column == "closed_at" else "nudge_due_at", None)
            return True

    async def closed(self, question_id: int) -> bool:
        """The thread was locked and archived; True the first time only."""
        done = await self._mark(question_id, "closed_at")
        if done:
            log.info("question %s: idle solved thread closed", question_id)
        return done

    async def nudged(self, question_id: int) -> bool:
        done = await self._mark(question_id, "nudged_at")
        if done:
            log.info("question %s: asker nudged", question_id)
        return done

    async def was_nudged(self, question_id: int) -> bool:
        async with self._sessions() as session:
            row = await session.get(QuestionFollowUp, question_id)
            return row is not None and row.nudged_at is not None

    async def candidates(self) -> list[int]:
        """Questions that may still need a close or a nudge (for rebuilding timers at start-up)."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(Question.id)
                .outerjoin(QuestionFollowUp, QuestionFollowUp.question_id == Question.id)
                .where(
                    Question.deleted_at.is_(None),
                    Question.thread_id.is_not(None),
                    or_(
                        and_(Question.state == QuestionState.SOLVED, QuestionFollowUp.closed_at.is_(None)),
                        and_(Question.state == QuestionState.ANSWERED, QuestionFollowUp.nudged_at.is_(None)),
                    ),
                )
                .order_by(Question.id)
            )
            return list(rows.scalars())
