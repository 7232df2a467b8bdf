"""The escalation ladder as a pure state machine: given the state and ``now``, what to do next and when.

Nobody answers within the peer window (wall-clock) -> ping the trainers; not taken after the reminder delay
(working time) -> remind once; still not taken after the LCM delay (working time, from the reminder) -> tell
the LCM. Pings, reminders and LCM notices are sent only inside working hours unless the escalation is urgent.
A question that is answered, solved, closed or marked duplicate leaves the ladder (an active escalation is
then closed). Nothing here reads the clock or the database: the service stores the state and every
deadline, and calls :func:`decide_on_fire` when a timer rings (late or twice is harmless).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from bot.services.escalation.hours import (
    ALWAYS,
    DEFAULT_WORKING_HOURS,
    WorkingHours,
    add_working_time,
    next_opening,
)


class QuestionStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    SOLVED = "solved"
    DUPLICATE = "duplicate"
    CLOSED = "closed"


class Action(StrEnum):
    PING = "ping"
    REMIND = "remind"
    NOTIFY_LCM = "lcm"
    CLOSE = "close"


class Verdict(StrEnum):
    SEND = "send"
    WAIT = "wait"
    DROP = "drop"


class DropReason(StrEnum):
    RESOLVED = "resolved"  # the question left the ladder (answered, solved, duplicate, closed)
    TAKEN = "taken"  # a trainer took it: nothing more until it is answered
    CLOSED = "closed"  # the escalation is already closed
    DONE = "done"  # every step has been sent; waiting for an answer


class Role(StrEnum):
    ASKER = "asker"
    LCM = "lcm"
    TRAINER = "trainer"
    OTHER = "other"


@dataclass(frozen=True)
class LadderConfig:
    """The resolved per-guild (or per-space) settings of the ladder."""

    peer_window: timedelta = timedelta(hours=24)  # wall-clock
    reminder_delay: timedelta = timedelta(hours=4)  # working time, from the ping
    lcm_delay: timedelta = timedelta(hours=8)  # working time, from the reminder
    hours: WorkingHours = DEFAULT_WORKING_HOURS
    min_age: timedelta = timedelta(hours=2)  # before the asker may use /escalate


@dataclass(frozen=True)
class QuestionState:
    status: QuestionStatus
    created_at: datetime
    answered_at: datetime | None = None  # first answer by someone other than the asker

    @property
    def in_ladder(self) -> bool:
        return self.status is QuestionStatus.OPEN and self.answered_at is None


@dataclass(frozen=True)
class EscalationState:
    """What has happened to the escalation; ``EscalationState()`` means none yet."""

    requested_at: datetime | None = None  # /escalate by the asker or the LCM
    pinged_at: datetime | None = None
    reminded_at: datetime | None = None
    lcm_notified_at: datetime | None = None
    taken_by: int | None = None  # trainer's user id
    sent_back_at: datetime | None = None  # a trainer pressed "Send back to the LCM"
    urgent: bool = False  # set by the LCM: ignore working hours
    closed_at: datetime | None = None

    @property
    def started(self) -> bool:
        """Whether the escalation exists as such (requested, or something was sent)."""
        return self.requested_at is not None or self.pinged_at is not None or self.urgent


NO_ESCALATION = EscalationState()


class Step(NamedTuple):
    action: Action
    due_at: datetime


@dataclass(frozen=True)
class Decision:
    """What to do when a timer fires: send ``action`` now, wait until ``until``, or drop (``reason``)."""

    verdict: Verdict
    action: Action | None = None
    until: datetime | None = None
    reason: DropReason | None = None


class ManualCheck(NamedTuple):
    ok: bool
    reason_key: str | None = None
    remaining: timedelta | None = None  # for "too early": how long until the asker may escalate


_KEY_SUFFIX = {Action.PING: "ping", Action.REMIND: "remind", Action.NOTIFY_LCM: "lcm", Action.CLOSE: "close"}


def idempotency_key(question_id: int, action: Action) -> str:
    """The unique key the service stores before sending ``action`` for a question (at most once each)."""
    return f"esc:{question_id}:{_KEY_SUFFIX[action]}"


def _as_utc(value: datetime) -> datetime:
    # Adding a timedelta to a zoned datetime is wall-clock arithmetic; elapsed time needs UTC.
    if value.tzinfo is None:
        raise ValueError("the ladder needs timezone-aware datetimes")
    return value.astimezone(UTC)


def _gated(hours: WorkingHours, due: datetime, now: datetime) -> datetime:
    """The earliest instant not before ``due`` nor ``now`` that is inside working hours."""
    return next_opening(hours, max(due, now))


def next_step(
    config: LadderConfig, question: QuestionState, escalation: EscalationState, now: datetime
) -> Step | None:
    """Return the single next thing to do and when (never before ``now``), or None when nothing is left."""
    if escalation.closed_at is not None:
        return None
    if not question.in_ladder:
        return Step(Action.CLOSE, next_opening(ALWAYS, now)) if escalation.started else None
    hours = ALWAYS if escalation.urgent else config.hours
    if escalation.pinged_at is None:
        due = _as_utc(question.created_at) + config.peer_window
        if escalation.requested_at is not None:
            due = min(due, escalation.requested_at)
        return Step(Action.PING, _gated(hours, due, now))
    if escalation.sent_back_at is not None:
        # A trainer's deliberate hand-back reaches the LCM at once; the LCM is told at most once.
        if escalation.lcm_notified_at is None:
            return Step(Action.NOTIFY_LCM, _gated(ALWAYS, escalation.sent_back_at, now))
        return None
    if escalation.taken_by is not None:
        return None
    if escalation.reminded_at is None:
        return Step(
            Action.REMIND,
            _gated(hours, add_working_time(hours, escalation.pinged_at, config.reminder_delay), now),
        )
    if escalation.lcm_notified_at is None:
        return Step(
            Action.NOTIFY_LCM,
            _gated(hours, add_working_time(hours, escalation.reminded_at, config.lcm_delay), now),
        )
    return None


def decide_on_fire(
    config: LadderConfig, question: QuestionState, escalation: EscalationState, now: datetime
) -> Decision:
    """Re-check the state when a timer fires: send the next step now, wait until its time, or drop."""
    step = next_step(config, question, escalation, now)
    if step is None:
        if escalation.closed_at is not None:
            reason = DropReason.CLOSED
        elif not question.in_ladder:
            reason = DropReason.RESOLVED
        elif escalation.taken_by is not None and escalation.sent_back_at is None:
            reason = DropReason.TAKEN
        else:
            reason = DropReason.DONE
        return Decision(Verdict.DROP, reason=reason)
    if step.due_at <= now:
        return Decision(Verdict.SEND, action=step.action)
    return Decision(Verdict.WAIT, action=step.action, until=step.due_at)


def can_escalate_manually(
    role: Role,
    question_created_at: datetime,
    now: datetime,
    min_age: timedelta,
    *,
    question: QuestionState | None = None,
    escalation: EscalationState = NO_ESCALATION,
    urgent: bool = False,
) -> ManualCheck:
    """Tell whether ``/escalate`` is allowed: the LCM any time, the asker once the question is ``min_age``.

    ``question`` and ``escalation``, when given, also refuse a question that left the ladder or was
    already escalated, except that the LCM may still mark an escalation ``urgent``. Whether the channel is a
    question thread at all is the caller's to check (``escalation.escalate.refused.not_question``).
    """
    if role in (Role.TRAINER, Role.OTHER):
        return ManualCheck(False, f"escalation.escalate.refused.{role.value}")
    if question is not None and not question.in_ladder:
        return ManualCheck(False, "escalation.escalate.refused.resolved")
    upgrade = urgent and role is Role.LCM and not escalation.urgent
    if (escalation.requested_at is not None or escalation.pinged_at is not None) and not upgrade:
        return ManualCheck(False, "escalation.escalate.refused.already")
    if role is Role.ASKER:
        remaining = _as_utc(question_created_at) + min_age - _as_utc(now)
        if remaining > timedelta(0):
            return ManualCheck(False, "escalation.escalate.refused.too_early", remaining)
    return ManualCheck(True)
