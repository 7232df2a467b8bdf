"""The escalation ladder as a state machine, driven by fixed times (no clock, no scheduler)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.i18n import catalog
from bot.services.escalation import (
    NO_ESCALATION,
    Action,
    Decision,
    DropReason,
    EscalationState,
    LadderConfig,
    QuestionState,
    QuestionStatus,
    Role,
    Step,
    Verdict,
    can_escalate_manually,
    decide_on_fire,
    idempotency_key,
    next_step,
    parse_working_hours,
)
from tests.escalation.helpers import paris

H = timedelta(hours=1)
CONFIG = LadderConfig()  # 24 h peer window, 4 + 8 working hours, Mon-Fri 9-18 Europe/Paris, 2 h min age
OPEN = QuestionStatus.OPEN
_FIELD = {Action.PING: "pinged_at", Action.REMIND: "reminded_at", Action.NOTIFY_LCM: "lcm_notified_at"}


def q(created: datetime, **changes: object) -> QuestionState:
    return replace(QuestionState(OPEN, created), **changes)


def run_ladder(
    config: LadderConfig, question: QuestionState, escalation: EscalationState = NO_ESCALATION
) -> list[tuple[Action, datetime]]:
    """Play the ladder to its end as the service would: sleep until each step, fire, record the send."""
    now = question.created_at
    sent: list[tuple[Action, datetime]] = []
    for _ in range(10):
        step = next_step(config, question, escalation, now)
        if step is None:
            return sent
        assert step.due_at.tzinfo is UTC
        now = step.due_at
        decision = decide_on_fire(config, question, escalation, now)
        assert decision == Decision(Verdict.SEND, action=step.action)
        sent.append((step.action, now))
        if step.action is Action.CLOSE:
            escalation = replace(escalation, closed_at=now)
        else:
            escalation = replace(escalation, **{_FIELD[step.action]: now})
    raise AssertionError("the ladder did not end")


@pytest.mark.parametrize(
    ("config", "question", "escalation", "expected"),
    [
        pytest.param(
            CONFIG,
            q(paris(2026, 11, 23, 10)),
            NO_ESCALATION,
            [
                (Action.PING, paris(2026, 11, 24, 10)),  # 24 h later, open
                (Action.REMIND, paris(2026, 11, 24, 14)),  # + 4 working hours
                (Action.NOTIFY_LCM, paris(2026, 11, 25, 13)),  # + 8 working hours (Tue 14-18, Wed 9-13)
            ],
            id="nobody answers, all inside hours",
        ),
        pytest.param(
            CONFIG,
            q(paris(2026, 11, 27, 20)),
            NO_ESCALATION,
            [
                (Action.PING, paris(2026, 11, 30, 9)),  # due Saturday 20:00: waits for Monday's opening
                (Action.REMIND, paris(2026, 11, 30, 13)),
                (Action.NOTIFY_LCM, paris(2026, 12, 1, 12)),  # Mon 13-18, Tue 9-12
            ],
            id="due on a weekend waits for Monday",
        ),
        pytest.param(
            CONFIG,
            q(paris(2026, 11, 24, 23, 30)),
            NO_ESCALATION,
            [
                (Action.PING, paris(2026, 11, 26, 9)),  # due Wednesday 23:30: waits for the morning
                (Action.REMIND, paris(2026, 11, 26, 13)),
                (Action.NOTIFY_LCM, paris(2026, 11, 27, 12)),
            ],
            id="ping due at night waits for the morning",
        ),
        pytest.param(
            CONFIG,
            q(paris(2026, 11, 26, 16)),
            NO_ESCALATION,
            [
                (Action.PING, paris(2026, 11, 27, 16)),
                (Action.REMIND, paris(2026, 11, 30, 11)),  # Fri 16-18, Mon 9-11
                (Action.NOTIFY_LCM, paris(2026, 12, 1, 10)),  # Mon 11-18, Tue 9-10
            ],
            id="reminder across a weekend",
        ),
        pytest.param(
            CONFIG,
            q(paris(2026, 11, 26, 10)),
            NO_ESCALATION,
            [
                (Action.PING, paris(2026, 11, 27, 10)),
                (Action.REMIND, paris(2026, 11, 27, 14)),
                (Action.NOTIFY_LCM, paris(2026, 11, 30, 13)),  # Fri 14-18 ends at closing: Mon 9-13
            ],
            id="a step ending exactly at closing time",
        ),
        pytest.param(
            CONFIG,
            q(paris(2026, 11, 26, 13)),
            NO_ESCALATION,
            [
                (Action.PING, paris(2026, 11, 27, 13)),
                (Action.REMIND, paris(2026, 11, 27, 17)),
                # Fri 17-18 then Mon 9-16
                (Action.NOTIFY_LCM, paris(2026, 11, 30, 16)),
            ],
            id="LCM notice across a weekend",
        ),
        pytest.param(
            CONFIG,
            q(paris(2026, 11, 27, 20)),
            EscalationState(requested_at=paris(2026, 11, 27, 21), urgent=True),
            [
                (Action.PING, paris(2026, 11, 27, 21)),  # urgent ignores working hours
                (Action.REMIND, paris(2026, 11, 28, 1)),  # 4 real hours
                (Action.NOTIFY_LCM, paris(2026, 11, 28, 9)),  # 8 real hours
            ],
            id="urgent ignores hours",
        ),
        pytest.param(
            CONFIG,
            q(paris(2026, 11, 23, 9)),
            EscalationState(requested_at=paris(2026, 11, 23, 12)),
            [
                (Action.PING, paris(2026, 11, 23, 12)),  # /escalate: at once, inside hours
                (Action.REMIND, paris(2026, 11, 23, 16)),
                (Action.NOTIFY_LCM, paris(2026, 11, 24, 15)),
            ],
            id="manual escalation inside hours",
        ),
        pytest.param(
            CONFIG,
            q(paris(2026, 11, 23, 19)),
            EscalationState(requested_at=paris(2026, 11, 23, 22)),
            [
                (Action.PING, paris(2026, 11, 24, 9)),
                (Action.REMIND, paris(2026, 11, 24, 13)),
                (Action.NOTIFY_LCM, paris(2026, 11, 25, 12)),
            ],
            id="manual escalation at night waits",
        ),
        pytest.param(
            LadderConfig(hours=parse_working_hours("always")),
            q(paris(2026, 10, 24, 12)),
            NO_ESCALATION,
            [
                (Action.PING, paris(2026, 10, 25, 11)),  # 24 real hours across the autumn change
                (Action.REMIND, paris(2026, 10, 25, 15)),
                (Action.NOTIFY_LCM, paris(2026, 10, 25, 23)),
            ],
            id="always across the October change",
        ),
        pytest.param(
            LadderConfig(peer_window=12 * H, reminder_delay=2 * H, lcm_delay=3 * H),
            q(paris(2026, 3, 27, 5)),
            NO_ESCALATION,
            [
                (Action.PING, paris(2026, 3, 27, 17)),
                (Action.REMIND, paris(2026, 3, 30, 10)),  # Fri 17-18, Mon 9-10 (after the spring change)
                (Action.NOTIFY_LCM, paris(2026, 3, 30, 13)),
            ],
            id="configured delays across the spring change",
        ),
    ],
)
def test_full_paths(config, question, escalation, expected):
    assert run_ladder(config, question, escalation) == expected


def test_peer_answer_in_time_means_no_step():
    created = paris(2026, 11, 23, 10)
    answered = q(created, answered_at=paris(2026, 11, 23, 15))
    assert next_step(CONFIG, answered, NO_ESCALATION, paris(2026, 11, 23, 15)) is None
    # the peer-window timer still fires the next day: it drops
    fired = decide_on_fire(CONFIG, answered, NO_ESCALATION, paris(2026, 11, 24, 10))
    assert fired == Decision(Verdict.DROP, reason=DropReason.RESOLVED)


@pytest.mark.parametrize(
    "status",
    [QuestionStatus.ANSWERED, QuestionStatus.SOLVED, QuestionStatus.DUPLICATE, QuestionStatus.CLOSED],
)
def test_question_leaving_the_ladder_before_the_ping(status):
    question = q(paris(2026, 11, 23, 10), status=status)
    assert next_step(CONFIG, question, NO_ESCALATION, paris(2026, 11, 24, 10)) is None


def test_late_timer_for_an_answered_question_closes_then_drops():
    created = paris(2026, 11, 23, 10)
    pinged = EscalationState(pinged_at=paris(2026, 11, 24, 10))
    solved = q(created, status=QuestionStatus.SOLVED)
    late = paris(2026, 11, 24, 19)  # the reminder timer fires late, after the question was solved
    assert next_step(CONFIG, solved, pinged, late) == Step(Action.CLOSE, late)
    assert decide_on_fire(CONFIG, solved, pinged, late) == Decision(Verdict.SEND, action=Action.CLOSE)
    closed = replace(pinged, closed_at=late)
    assert decide_on_fire(CONFIG, solved, closed, late + H) == Decision(
        Verdict.DROP, reason=DropReason.CLOSED
    )


def test_taken_stops_the_ladder_until_answered():
    created = paris(2026, 11, 23, 10)
    taken = EscalationState(pinged_at=paris(2026, 11, 24, 10), taken_by=42)
    question = q(created)
    assert next_step(CONFIG, question, taken, paris(2026, 11, 24, 11)) is None
    assert decide_on_fire(CONFIG, question, taken, paris(2026, 11, 24, 14)) == Decision(
        Verdict.DROP, reason=DropReason.TAKEN
    )
    answered = q(created, answered_at=paris(2026, 11, 24, 15))
    now = paris(2026, 11, 24, 15)
    assert next_step(CONFIG, answered, taken, now) == Step(Action.CLOSE, now)


def test_sent_back_reaches_the_lcm_at_once_even_at_night():
    created = paris(2026, 11, 23, 10)
    state = EscalationState(
        pinged_at=paris(2026, 11, 24, 10), taken_by=42, sent_back_at=paris(2026, 11, 24, 20)
    )
    now = paris(2026, 11, 24, 20)
    assert next_step(CONFIG, q(created), state, now) == Step(Action.NOTIFY_LCM, now)
    told = replace(state, lcm_notified_at=now)
    assert decide_on_fire(CONFIG, q(created), told, now) == Decision(Verdict.DROP, reason=DropReason.DONE)


def test_everything_sent_then_nothing_left():
    state = EscalationState(
        pinged_at=paris(2026, 11, 24, 10),
        reminded_at=paris(2026, 11, 24, 14),
        lcm_notified_at=paris(2026, 11, 25, 13),
    )
    assert next_step(CONFIG, q(paris(2026, 11, 23, 10)), state, paris(2026, 11, 26, 9)) is None


def test_timer_firing_early_waits():
    question = q(paris(2026, 11, 23, 10))
    fired = decide_on_fire(CONFIG, question, NO_ESCALATION, paris(2026, 11, 24, 9))
    assert fired == Decision(Verdict.WAIT, action=Action.PING, until=paris(2026, 11, 24, 10))


def test_overdue_step_after_a_restart():
    question = q(paris(2026, 11, 23, 10))  # ping due Tuesday 10:00
    # the bot was down: it restarts Tuesday 20:00, outside hours -> wait for Wednesday's opening
    at_night = decide_on_fire(CONFIG, question, NO_ESCALATION, paris(2026, 11, 24, 20))
    assert at_night == Decision(Verdict.WAIT, action=Action.PING, until=paris(2026, 11, 25, 9))
    # it restarts Tuesday 11:00, inside hours -> send at once
    late = decide_on_fire(CONFIG, question, NO_ESCALATION, paris(2026, 11, 24, 11))
    assert late == Decision(Verdict.SEND, action=Action.PING)
    # next_step never returns a time in the past
    assert next_step(CONFIG, question, NO_ESCALATION, paris(2026, 11, 24, 11)) == Step(
        Action.PING, paris(2026, 11, 24, 11)
    )


def test_firing_twice_never_sends_twice():
    question = q(paris(2026, 11, 23, 10))
    now = paris(2026, 11, 24, 10)
    assert decide_on_fire(CONFIG, question, NO_ESCALATION, now).action is Action.PING
    after = EscalationState(pinged_at=now)
    second = decide_on_fire(CONFIG, question, after, now)
    assert second == Decision(Verdict.WAIT, action=Action.REMIND, until=paris(2026, 11, 24, 14))


def test_urgent_after_the_ping_speeds_up_the_rest():
    question = q(paris(2026, 11, 27, 10))
    state = EscalationState(pinged_at=paris(2026, 11, 27, 17), urgent=True)
    assert next_step(CONFIG, question, state, paris(2026, 11, 27, 17)) == Step(
        Action.REMIND, paris(2026, 11, 27, 21)
    )


def test_idempotency_keys_are_stable_and_distinct():
    keys = [idempotency_key(42, action) for action in Action]
    assert keys == ["esc:42:ping", "esc:42:remind", "esc:42:lcm", "esc:42:close"]


NOW = paris(2026, 11, 23, 12)


@pytest.mark.parametrize(
    ("role", "created", "kwargs", "expected"),
    [
        (Role.ASKER, NOW - H, {}, (False, "escalation.escalate.refused.too_early", H)),
        (
            Role.ASKER,
            NOW - timedelta(minutes=119),
            {},
            (False, "escalation.escalate.refused.too_early", timedelta(minutes=1)),
        ),
        (Role.ASKER, NOW - 2 * H, {}, (True, None, None)),
        (Role.LCM, NOW, {}, (True, None, None)),
        (Role.TRAINER, NOW - 48 * H, {}, (False, "escalation.escalate.refused.trainer", None)),
        (Role.OTHER, NOW - 48 * H, {}, (False, "escalation.escalate.refused.other", None)),
        (
            Role.ASKER,
            NOW - 3 * H,
            {"escalation": EscalationState(pinged_at=NOW - H)},
            (False, "escalation.escalate.refused.already", None),
        ),
        (
            Role.LCM,
            NOW - 3 * H,
            {"escalation": EscalationState(requested_at=NOW - H)},
            (False, "escalation.escalate.refused.already", None),
        ),
        (
            Role.LCM,
            NOW - 3 * H,
            {"escalation": EscalationState(pinged_at=NOW - H), "urgent": True},
            (True, None, None),
        ),
        (
            Role.LCM,
            NOW - 3 * H,
            {"escalation": EscalationState(pinged_at=NOW - H, urgent=True), "urgent": True},
            (False, "escalation.escalate.refused.already", None),
        ),
        (
            Role.ASKER,
            NOW - 3 * H,
            {"escalation": EscalationState(pinged_at=NOW - H), "urgent": True},
            (False, "escalation.escalate.refused.already", None),
        ),
        (
            Role.LCM,
            NOW - 3 * H,
            {"question": QuestionState(QuestionStatus.SOLVED, NOW - 3 * H)},
            (False, "escalation.escalate.refused.resolved", None),
        ),
    ],
)
def test_can_escalate_manually(role, created, kwargs, expected):
    check = can_escalate_manually(role, created, NOW, CONFIG.min_age, **kwargs)
    assert tuple(check) == expected
    if check.reason_key:
        assert check.reason_key in catalog()
