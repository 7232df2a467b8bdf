"""The escalation ladder against the database: what is due, what was sent, who took it.

The pure rules live in ``ladder.py`` and ``hours.py``; this service loads the state, asks them, and records
each step exactly once. Deadlines are derived from rows (question ``created_at``, escalation timestamps) and
re-checked whenever a timer fires, so firing late or twice is harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.errors import UserError
from bot.services.escalation.durations import median_response_time
from bot.services.escalation.hours import WorkingHours
from bot.services.escalation.ladder import (
    NO_ESCALATION,
    Action,
    Decision,
    EscalationState,
    LadderConfig,
    ManualCheck,
    QuestionState,
    QuestionStatus,
    Role,
    Step,
    Verdict,
    can_escalate_manually,
    decide_on_fire,
    next_step,
)
from bot.services.guild_settings import GuildSettingsService
from models import CategoryOwner, Escalation, QASpace, Question

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Responsible:
    """Who is asked and where, for one question."""

    trainer_role_id: int | None
    trainers_channel_id: int | None
    lcm_role_id: int | None
    log_channel_id: int | None
    language: str


@dataclass(frozen=True)
class EscalationInfo:
    question_id: int
    guild_id: int
    place_id: int
    channel_id: int
    title: str
    author_id: int
    question_created_at: datetime
    requested_by: int | None
    reason: str | None
    urgent: bool
    pinged_at: datetime | None
    taken_by: int | None
    sent_back: bool
    trainer_channel_id: int | None
    trainer_message_id: int | None
    closed_at: datetime | None
    close_reason: str | None
    responsible: Responsible


@dataclass(frozen=True)
class FireOutcome:
    decision: Decision
    info: EscalationInfo | None


def _state(row: Escalation | None) -> EscalationState:
    if row is None:
        return NO_ESCALATION
    return EscalationState(
        requested_at=row.requested_at,
        pinged_at=row.pinged_at,
        reminded_at=row.reminded_at,
        lcm_notified_at=row.lcm_notified_at,
        taken_by=row.taken_by,
        sent_back_at=row.sent_back_at,
        urgent=row.urgent,
        closed_at=row.closed_at,
    )


def _question_state(q: Question) -> QuestionState:
    status = QuestionStatus.CLOSED if q.deleted_at is not None else QuestionStatus(q.state)
    return QuestionState(status=status, created_at=q.created_at, answered_at=q.first_answer_at)


class EscalationService:
    def __init__(
        self, sessions: async_sessionmaker, clock: Clock, guild_settings: GuildSettingsService
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._guild_settings = guild_settings

    async def _load(
        self, session: AsyncSession, question_id: int, category_id: int | None
    ) -> tuple[Question, Escalation | None, LadderConfig, Responsible]:
        question = await session.get(Question, question_id)
        if question is None:
            raise UserError("question.gone")
        row = (
            await session.execute(select(Escalation).where(Escalation.question_id == question_id))
        ).scalar_one_or_none()
        guild = await self._guild_settings.get(question.guild_id)
        space = await session.get(QASpace, question.space_id) if question.space_id else None
        owner = await session.get(CategoryOwner, category_id) if category_id else None
        config = LadderConfig(
            peer_window=timedelta(minutes=(space and space.peer_window_minutes) or guild.peer_window_minutes),
            reminder_delay=timedelta(minutes=(space and space.reminder_minutes) or guild.reminder_minutes),
            lcm_delay=timedelta(minutes=(space and space.lcm_minutes) or guild.lcm_minutes),
            hours=WorkingHours.parse(guild.working_hours),
            min_age=timedelta(minutes=guild.escalate_min_age_minutes),
        )
        trainer_role = (
            (space and space.trainer_role_id) or (owner and owner.trainer_role_id) or guild.trainer_role_id
        )
        responsible = Responsible(
            trainer_role, guild.trainers_channel_id, guild.lcm_role_id, guild.log_channel_id, guild.language
        )
        return question, row, config, responsible

    def _info(self, q: Question, row: Escalation | None, responsible: Responsible) -> EscalationInfo:
        return EscalationInfo(
            question_id=q.id,
            guild_id=q.guild_id,
            place_id=q.thread_id or q.channel_id,
            channel_id=q.channel_id,
            title=q.title,
            author_id=q.author_id,
            question_created_at=q.created_at,
            requested_by=row.requested_by if row else None,
            reason=row.reason if row else None,
            urgent=bool(row and row.urgent),
            pinged_at=row.pinged_at if row else None,
            taken_by=row.taken_by if row else None,
            sent_back=bool(row and row.sent_back_at),
            trainer_channel_id=row.trainer_channel_id if row else None,
            trainer_message_id=row.trainer_message_id if row else None,
            closed_at=row.closed_at if row else None,
            close_reason=row.close_reason if row else None,
            responsible=responsible,
        )

    @staticmethod
    def _row(session: AsyncSession, q: Question, row: Escalation | None) -> Escalation:
        if row is None:
            row = Escalation(question_id=q.id, guild_id=q.guild_id, urgent=False)
            session.add(row)
        return row

    # ----- planning and firing

    async def plan(self, question_id: int, category_id: int | None = None) -> Step | None:
        """The next step of this question's ladder (for the scheduler), recorded as ``next_due_at``."""
        async with self._sessions.begin() as session:
            q, row, config, _ = await self._load(session, question_id, category_id)
            step = next_step(config, _question_state(q), _state(row), self._clock.now())
            if row is not None:
                row.next_due_at = step.due_at if step else None
            return step

    async def fire(self, question_id: int, category_id: int | None = None) -> FireOutcome:
        """A timer rang: re-check the state and say what to send now, if anything."""
        async with self._sessions() as session:
            try:
                q, row, config, responsible = await self._load(session, question_id, category_id)
            except UserError:
                return FireOutcome(Decision(Verdict.DROP), None)
            decision = decide_on_fire(config, _question_state(q), _state(row), self._clock.now())
            return FireOutcome(decision, self._info(q, row, responsible))

    async def sent(
        self, question_id: int, action: Action, *, channel_id: int | None, message_id: int | None
    ) -> None:
        """Record that ``action`` was sent (idempotent: the first record wins)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            q = await session.get(Question, question_id)
            if q is None:
                return
            row = self._row(
                session,
                q,
                (
                    await session.execute(select(Escalation).where(Escalation.question_id == question_id))
                ).scalar_one_or_none(),
            )
            if action is Action.PING and row.pinged_at is None:
                row.pinged_at, row.trainer_channel_id, row.trainer_message_id = now, channel_id, message_id
            elif action is Action.REMIND and row.reminded_at is None:
                row.reminded_at = now
            elif action is Action.NOTIFY_LCM and row.lcm_notified_at is None:
                row.lcm_notified_at = now
            elif action is Action.CLOSE and row.closed_at is None:
                row.closed_at, row.close_reason = now, q.state if q.deleted_at is None else "closed"
        log.info("question %s: escalation step %s recorded", question_id, action.value)

    async def in_ladder(self) -> list[int]:
        """Questions whose ladder may still have a step: open and unanswered, or with an open escalation."""
        async with self._sessions() as session:
            waiting = (
                (
                    await session.execute(
                        select(Question.id).where(
                            Question.state == "open",
                            Question.first_answer_at.is_(None),
                            Question.deleted_at.is_(None),
                        )
                    )
                )
                .scalars()
                .all()
            )
            escalated = (
                (await session.execute(select(Escalation.question_id).where(Escalation.closed_at.is_(None))))
                .scalars()
                .all()
            )
        return sorted(set(waiting) | set(escalated))

    # ----- people acting

    async def request(
        self,
        question_id: int,
        role: Role,
        by: int,
        *,
        reason: str | None,
        urgent: bool,
        category_id: int | None = None,
    ) -> ManualCheck:
        """``/escalate``: checked by the ladder's rules, then recorded for the next ``fire``."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            q, row, config, _ = await self._load(session, question_id, category_id)
            check = can_escalate_manually(
                role,
                q.created_at,
                now,
                config.min_age,
                question=_question_state(q),
                escalation=_state(row),
                urgent=urgent,
            )
            if not check.ok:
                return check
            row = self._row(session, q, row)
            if row.requested_at is None:
                row.requested_at, row.requested_by, row.reason = now, by, (reason or "")[:1000] or None
            if urgent:
                row.urgent = True
        log.info("question %s: escalation requested by %s (urgent: %s)", question_id, by, urgent)
        return check

    async def take(self, question_id: int, trainer_id: int) -> EscalationInfo:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            q, row, _, responsible = await self._load(session, question_id, None)
            if row is None or row.closed_at is not None:
                raise UserError("escalation.closed_already")
            if row.taken_by is not None and row.taken_by != trainer_id:
                raise UserError("escalation.already_taken", trainer=f"<@{row.taken_by}>")
            row.taken_by, row.taken_at, row.sent_back_at = trainer_id, now, None
            return self._info(q, row, responsible)

    async def send_back(self, question_id: int, by: int) -> EscalationInfo:
        async with self._sessions.begin() as session:
            q, row, _, responsible = await self._load(session, question_id, None)
            if row is None or row.closed_at is not None:
                raise UserError("escalation.closed_already")
            row.sent_back_at, row.taken_by = self._clock.now(), by
            return self._info(q, row, responsible)

    async def close(self, question_id: int, reason: str) -> EscalationInfo | None:
        """Close the escalation by hand ("Answered" button); return None when it was closed already."""
        async with self._sessions.begin() as session:
            q, row, _, responsible = await self._load(session, question_id, None)
            if row is None or row.closed_at is not None:
                return None
            row.closed_at, row.close_reason, row.next_due_at = self._clock.now(), reason, None
            return self._info(q, row, responsible)

    async def trainer_replied(
        self, question_id: int, trainer_id: int, message_id: int
    ) -> EscalationInfo | None:
        """A trainer wrote in an escalated question's thread: the first such answer closes the escalation.

        Returns the escalation when this reply is its first trainer response (the learner is then told).
        """
        now = self._clock.now()
        async with self._sessions.begin() as session:
            q, row, _, responsible = await self._load(session, question_id, None)
            if row is None or row.pinged_at is None or row.first_trainer_response_at is not None:
                return None
            row.first_trainer_response_at, row.trainer_answer_message_id = now, message_id
            if row.taken_by is None:
                row.taken_by, row.taken_at = trainer_id, now
            if row.closed_at is None:
                row.closed_at, row.close_reason, row.next_due_at = now, "answered", None
            log.info("question %s: trainer %s answered the escalation", question_id, trainer_id)
            return self._info(q, row, responsible)

    # ----- reports

    async def open_escalations(self, guild_id: int) -> tuple[list[EscalationInfo], timedelta | None]:
        """Open escalations, oldest first, and the median time from the ping to the first trainer response."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(Escalation, Question)
                    .join(Question, Question.id == Escalation.question_id)
                    .where(Escalation.guild_id == guild_id, Escalation.closed_at.is_(None))
                    .order_by(Question.created_at)
                )
            ).all()
            answered = (
                await session.execute(
                    select(Escalation.pinged_at, Escalation.first_trainer_response_at).where(
                        Escalation.guild_id == guild_id,
                        Escalation.pinged_at.is_not(None),
                        Escalation.first_trainer_response_at.is_not(None),
                    )
                )
            ).all()
        guild = await self._guild_settings.get(guild_id)
        responsible = Responsible(
            guild.trainer_role_id,
            guild.trainers_channel_id,
            guild.lcm_role_id,
            guild.log_channel_id,
            guild.language,
        )
        infos = [self._info(q, row, responsible) for row, q in rows]
        return infos, median_response_time(b - a for a, b in answered)

    async def set_category_owner(self, guild_id: int, category_id: int, role_id: int | None) -> None:
        async with self._sessions.begin() as session:
            row = await session.get(CategoryOwner, category_id)
            if role_id is None:
                if row is not None:
                    await session.delete(row)
            elif row is None:
                session.add(
                    CategoryOwner(category_id=category_id, guild_id=guild_id, trainer_role_id=role_id)
                )
            else:
                row.trainer_role_id = role_id

    async def trainer_roles(
        self, guild_id: int, question_id: int | None, category_id: int | None
    ) -> set[int]:
        """Every trainer role that counts for this question (the guild's, the category's, the space's)."""
        roles: set[int] = set()
        async with self._sessions() as session:
            if category_id:
                owner = await session.get(CategoryOwner, category_id)
                if owner:
                    roles.add(owner.trainer_role_id)
            if question_id:
                q = await session.get(Question, question_id)
                space = await session.get(QASpace, q.space_id) if q and q.space_id else None
                if space and space.trainer_role_id:
                    roles.add(space.trainer_role_id)
        return roles
