"""Finished questions end to end: idle solved threads closed, one nudge for answered ones, /close."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.sandbox.kit import Kit, custom_ids, text_of
from models import QuestionState
from tests.helpers import until

pytestmark = pytest.mark.e2e


async def ask(kit: Kit, bot, sandbox, who: int, text: str):
    """A learner asks in the text Q&A space; return the question and its thread."""
    message = await kit.learner(who).say(kit.room.questions, text)
    question = await until(lambda: _with_thread(bot, message.id))
    return question, sandbox.world.channels[question.thread_id]


async def _with_thread(bot, message_id: int):
    question = await bot.services.questions.by_message(message_id)
    return question if question and question.thread_id else None


async def test_a_solved_thread_is_locked_and_archived_once_idle(course: Kit, sandbox, bot, clock) -> None:
    kit = course
    question, thread = await ask(kit, bot, sandbox, 0, "Comment installer Python 3.12 sous Windows ?")
    answer = await kit.trainer.say(thread, "Prends l'installeur officiel sur python.org.")
    await until(lambda: _state(bot, question.id, QuestionState.ANSWERED))
    handle = await kit.learner(0).context_menu("Mark as solution", answer)
    await handle.reply()
    await until(lambda: _state(bot, question.id, QuestionState.SOLVED))
    clock.advance(timedelta(hours=23))
    await bot.scheduler.run_due()
    assert not sandbox.world.channels[thread.id].locked
    clock.advance(timedelta(hours=1, minutes=1))
    await bot.scheduler.run_due()
    closed = sandbox.world.channels[thread.id]
    assert closed.locked and closed.archived


async def test_only_an_answered_question_gets_one_nudge_and_its_button_marks_the_answer(
    course: Kit, sandbox, bot, clock
) -> None:
    kit = course
    answered, answered_thread = await ask(kit, bot, sandbox, 0, "Pourquoi ma boucle for ne s'arrête pas ?")
    lonely, lonely_thread = await ask(kit, bot, sandbox, 1, "How do I read a CSV file with pandas?")
    await kit.learner(2).say(answered_thread, "Tu modifies la liste pendant que tu la parcours.")
    await until(lambda: _state(bot, answered.id, QuestionState.ANSWERED))
    mark = kit.mark()
    clock.advance(timedelta(days=3, minutes=1))
    await bot.scheduler.run_due()
    nudge = await kit.wait_message(channel=answered_thread, after=mark, contains="Marquer comme résolue")
    assert nudge.pinged_users == [kit.learner(0).id]
    assert not [e for e in kit.bot_messages(lonely_thread) if e.seq > mark]  # the ladder's business
    # Never twice, even when the timers are rebuilt as at start-up.
    clock.advance(timedelta(days=3, minutes=1))
    await bot.get_cog("Topics").reconcile()
    await bot.scheduler.run_due()
    assert len([e for e in kit.bot_messages(answered_thread) if "Marquer comme résolue" in text_of(e)]) == 1
    # Someone else may not press it; the asker may, and the last answer becomes the solution.
    button = next(c for c in custom_ids(nudge) if c.endswith(":solved"))
    refusal = await (await kit.learner(1).click(nudge, button)).reply()
    assert refusal.ephemeral
    await (await kit.learner(0).click(nudge, button)).response()
    solved = await until(lambda: _state(bot, answered.id, QuestionState.SOLVED))
    assert solved.solution_message_id is not None
    assert sandbox.world.messages[nudge.message_id].components == []  # the button is gone once used
    assert (await bot.services.questions.get(lonely.id)).state is QuestionState.OPEN


async def test_the_asker_closes_with_a_reason_and_others_may_not(course: Kit, sandbox, bot) -> None:
    kit = course
    question, thread = await ask(kit, bot, sandbox, 0, "Où trouver le sujet du TP 4 ?")
    refusal = await (await kit.learner(1).slash("close", thread, reason="no_longer_needed")).reply()
    assert refusal.ephemeral and not sandbox.world.channels[thread.id].locked
    mark = kit.mark()
    reply = await (await kit.learner(0).slash("close", thread, reason="no_longer_needed")).reply()
    assert reply.ephemeral
    await kit.wait_message(channel=thread, after=mark, contains="plus nécessaire")
    closed = await until(lambda: _state(bot, question.id, QuestionState.CLOSED))
    assert closed.state is QuestionState.CLOSED
    await until(lambda: _locked(sandbox, thread.id))
    # Not a question's thread: a polite refusal.
    elsewhere = await (await kit.learner(0).slash("close", kit.room.general, reason="solved")).reply()
    assert elsewhere.ephemeral and "/close" in text_of(elsewhere)


async def _state(bot, question_id: int, state: QuestionState):
    question = await bot.services.questions.get(question_id)
    return question if question and question.state is state else None


async def _locked(sandbox, thread_id: int):
    thread = sandbox.world.channels[thread_id]
    return True if thread.locked and thread.archived else None
