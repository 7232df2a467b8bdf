"""The organizing services against real databases (SQLite and PostgreSQL), on a fake clock."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest

from bot.errors import UserError
from bot.services.organizing import (
    FollowUpAction,
    FollowUpService,
    IdleAction,
    OverwriteSpec,
    PendingOperations,
    TopicService,
)
from bot.services.questions import IndexRegistry, QuestionService, question_key
from bot.services.questions.closing import QuestionClosing
from models import FeedItem, QuestionState, TopicState

GUILD = 42
CHANNEL, OTHER_CHANNEL = 100, 200
ASKER, PEER, STAFF = 1, 2, 3
_ids = count(9000)


@pytest.fixture
def topics(sessions, clock) -> TopicService:
    return TopicService(sessions, clock)


@pytest.fixture
def followups(sessions, clock) -> FollowUpService:
    return FollowUpService(sessions, clock)


@pytest.fixture
def indexes(sessions) -> IndexRegistry:
    return IndexRegistry(sessions)


@pytest.fixture
def questions(sessions, clock, indexes) -> QuestionService:
    return QuestionService(sessions, clock, indexes)


async def register(topics: TopicService, channel_id: int = CHANNEL):
    return await topics.register(guild_id=GUILD, channel_id=channel_id, name="topic", kind="text", by=STAFF)


async def ask(questions: QuestionService, title: str = "How do I loop?", channel_id: int = CHANNEL):
    thread = next(_ids)
    outcome = await questions.record(
        guild_id=GUILD, space_id=None, channel_id=channel_id, thread_id=thread, message_id=thread,
        author_id=ASKER, title=title, body=title,
    )  # fmt: skip
    return outcome.question


# ----- topics


async def test_register_once_and_the_idle_clock_starts(topics, clock) -> None:
    info = await register(topics)
    assert info.state is TopicState.ACTIVE and info.warn_due_at == clock.now() + timedelta(days=21)
    assert await topics.is_registered(CHANNEL) and not await topics.is_registered(OTHER_CHANNEL)
    with pytest.raises(UserError) as caught:
        await register(topics)
    assert caught.value.key == "topic.already_registered"


async def test_warn_then_archive_unless_kept_and_activity_withdraws_a_warning(topics, clock) -> None:
    await register(topics)
    assert (await topics.decide(CHANNEL)).action is IdleAction.WAIT
    clock.advance(timedelta(days=21))
    assert (await topics.decide(CHANNEL)).action is IdleAction.WARN
    warned = await topics.warned(CHANNEL, message_id=7)
    assert warned is not None and warned.state is TopicState.WARNED
    assert warned.next_due == clock.now() + timedelta(days=3)
    assert await topics.warned(CHANNEL, message_id=8) is None  # warned once
    kept = await topics.keep_open(CHANNEL)
    assert (
        kept is not None
        and kept.state is TopicState.ACTIVE
        and kept.next_due == clock.now() + timedelta(days=21)
    )
    assert await topics.keep_open(CHANNEL) is None  # nothing to keep any more
    clock.advance(timedelta(days=21))
    await topics.warned(CHANNEL, message_id=9)
    clock.advance(timedelta(days=1))
    active = await topics.activity(CHANNEL)  # someone spoke: the warning is withdrawn
    assert active is not None and active.state is TopicState.ACTIVE
    clock.advance(timedelta(days=21))
    await topics.warned(CHANNEL, message_id=10)
    clock.advance(timedelta(days=3))
    assert (await topics.decide(CHANNEL)).action is IdleAction.ARCHIVE


async def test_exempt_and_archived_topics_have_no_deadline(topics, clock) -> None:
    await register(topics)
    await register(topics, OTHER_CHANNEL)
    exempt = await topics.set_exempt(CHANNEL, True)
    assert exempt.next_due is None
    clock.advance(timedelta(days=60))
    assert (await topics.decide(CHANNEL)).action is IdleAction.NONE
    await topics.save_before_archive(OTHER_CHANNEL, previous_category_id=5, overwrites=[])
    await topics.archived(OTHER_CHANNEL, by=None, reason=None)
    assert (await topics.decide(OTHER_CHANNEL)).action is IdleAction.NONE
    assert await topics.with_deadlines() == []
    await topics.set_exempt(CHANNEL, False)
    assert [t.channel_id for t in await topics.with_deadlines()] == [CHANNEL]


async def test_saved_overwrites_and_category_come_back_exactly(topics) -> None:
    await register(topics)
    saved = [
        OverwriteSpec(GUILD, 0, 0, 1024),
        OverwriteSpec(77, 0, 1024, 0),
        OverwriteSpec(ASKER, 1, 8192, 64),
    ]
    await topics.save_before_archive(CHANNEL, previous_category_id=555, overwrites=saved)
    first = await topics.archived(CHANNEL, by=STAFF, reason="done")
    again = await topics.archived(CHANNEL, by=STAFF, reason="done")  # idempotent
    assert first.archive_count == again.archive_count == 1
    with pytest.raises(UserError):
        await topics.save_before_archive(CHANNEL, previous_category_id=1, overwrites=[])
    info = await topics.get(CHANNEL)
    assert info.previous_category_id == 555 and info.saved_overwrites == sorted(saved)
    reopened = await topics.reopened(CHANNEL)
    assert reopened.state is TopicState.ACTIVE and reopened.next_due is not None


async def test_figures_count_questions_and_resources(topics, questions, clock, sessions) -> None:
    await register(topics)
    first = await ask(questions, "How do I loop over a dict?")
    await ask(questions, "Why is my list empty after sorting?")
    await ask(questions, "Unrelated question elsewhere", channel_id=OTHER_CHANNEL)
    answer = next(_ids)
    await questions.replied(first.thread_id, PEER, answer)
    await questions.mark_solution(
        first.thread_id, message_id=answer, answer_author_id=PEER, answer_text="use .items()",
        by_trainer=False, by=ASKER,
    )  # fmt: skip
    async with sessions.begin() as session:
        for i, posted in enumerate((clock.now(), clock.now(), None)):
            session.add(
                FeedItem(
                    guild_id=GUILD,
                    channel_id=CHANNEL,
                    entry_key=f"e{i}",
                    state="posted",
                    recorded_at=clock.now(),
                    posted_at=posted,
                )
            )
    numbers = await topics.figures(CHANNEL, [])
    assert (numbers.questions_asked, numbers.questions_solved, numbers.resources_posted) == (2, 1, 2)


# ----- finished questions


async def test_a_solved_question_closes_after_a_quiet_day(followups, questions, clock) -> None:
    question = await ask(questions)
    assert (await followups.plan(question.id)).action is FollowUpAction.NONE  # nobody answered: the ladder's
    answer = next(_ids)
    await questions.replied(question.thread_id, PEER, answer)
    await questions.mark_solution(
        question.thread_id,
        message_id=answer,
        answer_author_id=PEER,
        answer_text="x",
        by_trainer=False,
        by=ASKER,
    )
    plan = await followups.plan(question.id)
    assert plan.action is FollowUpAction.WAIT and plan.due == clock.now() + timedelta(hours=24)
    clock.advance(timedelta(hours=12))
    await questions.replied(question.thread_id, ASKER, next(_ids))  # still talking: the day starts again
    clock.advance(timedelta(hours=13))
    assert (await followups.plan(question.id)).action is FollowUpAction.WAIT
    clock.advance(timedelta(hours=11))
    assert (await followups.plan(question.id)).action is FollowUpAction.CLOSE
    assert await followups.closed(question.id) and not await followups.closed(question.id)
    assert (await followups.plan(question.id)).action is FollowUpAction.NONE
    assert question.id not in await followups.candidates()


async def test_only_an_answered_question_is_nudged_and_only_once(followups, questions, clock) -> None:
    answered = await ask(questions, "What does enumerate return?")
    lonely = await ask(questions, "Why does my import fail?")
    await questions.replied(answered.thread_id, PEER, next(_ids))
    clock.advance(timedelta(days=3))
    assert (await followups.plan(answered.id)).action is FollowUpAction.NUDGE
    assert (await followups.plan(lonely.id)).action is FollowUpAction.NONE
    assert await followups.candidates() == [answered.id]
    assert await followups.nudged(answered.id) and not await followups.nudged(answered.id)
    assert await followups.was_nudged(answered.id)
    clock.advance(timedelta(days=30))
    assert (await followups.plan(answered.id)).action is FollowUpAction.NONE
    assert await followups.candidates() == []


async def test_close_with_a_reason(sessions, clock, questions, indexes) -> None:
    closing = QuestionClosing(sessions, clock, indexes)
    done = await ask(questions, "How do I install pip on Windows?")
    dup = await ask(questions, "How do I install pip on Windows 11?")
    closed = await closing.close(done.id, "no_longer_needed")
    assert closed.state is QuestionState.CLOSED
    with pytest.raises(UserError) as caught:
        await closing.close(done.id, "solved")
    assert caught.value.key == "close.already_closed"
    assert (await closing.close(dup.id, "duplicate")).state is QuestionState.DUPLICATE
    assert question_key(dup.id) not in indexes.get(GUILD)
    solved = await ask(questions, "What is a generator?")
    answer = next(_ids)
    await questions.replied(solved.thread_id, PEER, answer)
    await questions.mark_solution(
        solved.thread_id,
        message_id=answer,
        answer_author_id=PEER,
        answer_text="x",
        by_trainer=False,
        by=ASKER,
    )
    assert (await closing.close(solved.id, "solved")).state is QuestionState.SOLVED
    with pytest.raises(ValueError):
        await closing.close(solved.id, "bored")


# ----- operations in flight


async def test_pending_operations_survive_and_finish(sessions, clock) -> None:
    pending = PendingOperations(sessions, clock)
    op = await pending.start(GUILD, "archive", {"channel_id": CHANNEL, "overwrites": [1, 2]})
    await pending.advance(op, "moved", summary=False)
    other = await pending.start(GUILD + 1, "move", {"message_id": 5})
    reloaded = PendingOperations(sessions, clock)  # as after a restart
    found = await reloaded.unfinished()
    assert [(o.id, o.kind, o.state) for o in found] == [(op, "archive", "moved"), (other, "move", "planned")]
    assert found[0].payload == {"channel_id": CHANNEL, "overwrites": [1, 2], "summary": False}
    assert [o.id for o in await reloaded.unfinished(GUILD)] == [op]
    await reloaded.finish(op)
    await reloaded.finish(op)  # harmless twice
    assert [o.id for o in await reloaded.unfinished()] == [other]
