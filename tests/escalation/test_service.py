"""The escalation service against real databases, with a fake clock: the ladder's steps recorded once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.services.escalation import Action, Role, Verdict
from bot.services.escalation.service import EscalationService
from bot.services.guild_settings import GuildSettingsService
from bot.services.questions import IndexRegistry, QuestionService

GUILD, ASKER, PEER, TRAINER = 7, 100, 101, 102
PARIS_MONDAY_10 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Paris


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(PARIS_MONDAY_10)


@pytest.fixture
async def services(sessions, clock):
    settings = GuildSettingsService(sessions, clock, "fr")
    await settings.update(
        GUILD, trainer_role_id=55, trainers_channel_id=66, lcm_role_id=77, log_channel_id=88
    )
    questions = QuestionService(sessions, clock, IndexRegistry(sessions))
    return questions, EscalationService(sessions, clock, settings), settings


async def ask(questions: QuestionService, message_id: int):
    outcome = await questions.record(
        guild_id=GUILD,
        space_id=None,
        channel_id=1,
        thread_id=message_id,
        message_id=message_id,
        author_id=ASKER,
        title="Comment accéder au quiz 4 ?",
        body="",
    )
    return outcome.question


async def test_nobody_answers_ping_reminder_lcm(services, clock) -> None:
    questions, escalation, _ = services
    q = await ask(questions, 9001)
    step = await escalation.plan(q.id)
    assert step.action is Action.PING and step.due_at == PARIS_MONDAY_10 + timedelta(hours=24)
    assert (await escalation.fire(q.id)).decision.verdict is Verdict.WAIT

    clock.set(step.due_at)
    fired = await escalation.fire(q.id)
    assert (fired.decision.verdict, fired.decision.action) == (Verdict.SEND, Action.PING)
    assert fired.info.responsible.trainer_role_id == 55 and fired.info.responsible.trainers_channel_id == 66
    await escalation.sent(q.id, Action.PING, channel_id=66, message_id=1234)
    await escalation.sent(
        q.id, Action.PING, channel_id=66, message_id=9999
    )  # a second record changes nothing

    step = await escalation.plan(q.id)
    assert step.action is Action.REMIND and step.due_at == clock.now() + timedelta(hours=4)
    clock.set(step.due_at)
    assert (await escalation.fire(q.id)).decision.action is Action.REMIND
    await escalation.sent(q.id, Action.REMIND, channel_id=66, message_id=1235)

    step = await escalation.plan(q.id)
    # 14:00 Tuesday + 8 working hours (4 h on Tuesday, 4 h on Wednesday) = Wednesday 13:00 Paris
    assert step.action is Action.NOTIFY_LCM and step.due_at == datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    clock.set(step.due_at)
    await escalation.sent(q.id, Action.NOTIFY_LCM, channel_id=88, message_id=1236)
    assert await escalation.plan(q.id) is None
    open_items, _ = await escalation.open_escalations(GUILD)
    assert [e.question_id for e in open_items] == [q.id]
    assert open_items[0].trainer_message_id == 1234


async def test_a_peer_answer_in_time_means_no_ping(services, clock) -> None:
    questions, escalation, _ = services
    q = await ask(questions, 9002)
    clock.advance(timedelta(hours=3))
    await questions.replied(q.thread_id, PEER, 9100)
    clock.advance(timedelta(hours=30))
    assert (await escalation.fire(q.id)).decision.verdict is Verdict.DROP
    assert await escalation.plan(q.id) is None
    assert q.id not in await escalation.in_ladder()


async def test_a_ping_due_at_night_waits_for_the_morning(services, clock) -> None:
    questions, escalation, _ = services
    clock.set(datetime(2026, 3, 2, 20, 0, tzinfo=UTC))  # Monday 21:00 in Paris
    q = await ask(questions, 9003)
    step = await escalation.plan(q.id)
    assert step.due_at == datetime(2026, 3, 4, 8, 0, tzinfo=UTC)  # Wednesday 09:00 Paris, not Tuesday 21:00


async def test_asker_escalates_after_min_age_and_lcm_urgent_ignores_hours(services, clock) -> None:
    questions, escalation, _ = services
    clock.set(datetime(2026, 3, 7, 10, 0, tzinfo=UTC))  # Saturday
    q = await ask(questions, 9004)
    early = await escalation.request(q.id, Role.ASKER, ASKER, reason="blocked", urgent=False)
    assert not early.ok and early.reason_key == "escalation.escalate.refused.too_early"
    clock.advance(timedelta(hours=2))
    assert (await escalation.request(q.id, Role.ASKER, ASKER, reason="blocked", urgent=False)).ok
    assert (await escalation.plan(q.id)).due_at == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # Monday 09:00
    assert (await escalation.request(q.id, Role.LCM, 1, reason=None, urgent=True)).ok
    step = await escalation.plan(q.id)
    assert step.action is Action.PING and step.due_at == clock.now()


async def test_trainer_takes_and_answers(services, clock) -> None:
    questions, escalation, _ = services
    q = await ask(questions, 9005)
    clock.advance(timedelta(hours=24))
    await escalation.sent(q.id, Action.PING, channel_id=66, message_id=1)
    taken = await escalation.take(q.id, TRAINER)
    assert taken.taken_by == TRAINER
    assert await escalation.plan(q.id) is None  # taken: no reminder
    clock.advance(timedelta(minutes=40))
    first = await escalation.trainer_replied(q.id, TRAINER, 777)
    assert first is not None and first.close_reason == "answered"
    assert await escalation.trainer_replied(q.id, TRAINER, 778) is None  # the learner is told once
    _, median = await escalation.open_escalations(GUILD)
    assert median == timedelta(minutes=40)
