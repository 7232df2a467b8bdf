"""Escalation end to end through the sandbox, on a fake clock (Monday 2 March 2026, 10:00 in Paris)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.sandbox.kit import Kit, custom_ids, run_lcm_bot, text_of
from tests.helpers import recorded, until

pytestmark = pytest.mark.e2e


async def post_question(kit: Kit, bot, who: int = 0):
    thread, _ = await kit.learner(who).open_post(
        kit.room.forum, "Impossible d'ouvrir le quiz 4", "Le quiz 4 affiche une erreur 403."
    )
    question = await recorded(bot, thread.id)
    await until(lambda: _pending(bot), lambda jobs: f"esc:{question.id}" in jobs)
    return thread, question


def staff_posts(kit: Kit) -> list:
    """What the bot posted in the trainers' channel (not the private replies to clicks)."""
    return [e for e in kit.bot_messages(kit.room.staff) if not e.ephemeral]


async def _pending(bot):
    return bot.scheduler.pending()


async def advance(bot, clock: FakeClock, delta: timedelta) -> None:
    clock.advance(delta)
    await bot.scheduler.run_due()


async def test_nobody_answers_trainer_role_only_then_reminder_then_lcm(
    course: Kit, bot, clock, sandbox
) -> None:
    kit = course
    thread, question = await post_question(kit, bot)
    mark = kit.mark()
    await advance(bot, clock, timedelta(hours=23, minutes=59))
    assert not [e for e in staff_posts(kit) if e.seq > mark]

    await advance(bot, clock, timedelta(minutes=1))
    ping = await kit.wait_message(channel=kit.room.staff, after=mark)
    assert ping.pinged_roles == [kit.room.trainer_role.id]
    assert ping.pinged_users == [] and not ping.pinged_everyone
    assert "quiz 4" in text_of(ping) and f"/{thread.id}" in text_of(ping)
    assert f"lcm:esc:{question.id}:take" in custom_ids(ping)

    mark = kit.mark()
    await advance(bot, clock, timedelta(hours=4))
    reminder = await kit.wait_message(channel=kit.room.staff, after=mark, contains="Rappel")
    assert reminder.pinged_roles == [kit.room.trainer_role.id]

    mark = kit.mark()
    await advance(bot, clock, timedelta(hours=8))  # Tuesday 14:00 + 8 working hours = Wednesday 13:00
    await advance(bot, clock, timedelta(hours=15))
    notice = await kit.wait_message(channel=kit.room.announcements, after=mark)
    assert notice.pinged_roles == [kit.room.lcm_role.id] and notice.pinged_users == []
    # Each step exactly once.
    await advance(bot, clock, timedelta(days=3))
    assert len(staff_posts(kit)) == 2


async def test_a_peer_answer_in_time_means_nobody_is_pinged(course: Kit, bot, clock) -> None:
    kit = course
    thread, question = await post_question(kit, bot)
    await advance(bot, clock, timedelta(hours=5))
    await kit.learner(1).say(thread, "Essaie de vider le cache du navigateur, ça a marché pour moi.")
    await until(lambda: bot.services.questions.get(question.id), lambda q: q.first_answer_at is not None)
    mark = kit.mark()
    await advance(bot, clock, timedelta(days=3))
    # No trainer nor LCM is pinged (the asker may be nudged to mark a solution: that is not escalation).
    assert [e for e in kit.sandbox.record.events[mark:] if e.pinged_roles] == []
    assert not staff_posts(kit)


async def test_a_ping_due_at_night_waits_for_the_morning(course: Kit, bot, clock) -> None:
    kit = course
    clock.set(datetime(2026, 3, 2, 19, 30, tzinfo=UTC))  # Monday 20:30 in Paris
    _, _question = await post_question(kit, bot)
    await advance(bot, clock, timedelta(hours=24))  # Tuesday 20:30: outside working hours
    assert not staff_posts(kit)
    await advance(bot, clock, timedelta(hours=12, minutes=30))  # Wednesday 09:00
    ping = await kit.wait_message(channel=kit.room.staff)
    assert ping.pinged_roles == [kit.room.trainer_role.id]


async def test_trainer_takes_and_answers_and_the_learner_is_told(course: Kit, bot, clock, sandbox) -> None:
    kit = course
    thread, question = await post_question(kit, bot)
    await advance(bot, clock, timedelta(hours=24))
    ping = await kit.wait_message(channel=kit.room.staff)

    refused = await (await kit.learner(1).click(ping, f"lcm:esc:{question.id}:take")).reply()
    assert refused.ephemeral

    mark = kit.mark()
    await (await kit.trainer.click(ping, f"lcm:esc:{question.id}:take")).response()
    await kit.wait_event(
        "message.update", lambda e: "bruno" in text_of(e) or str(kit.trainer.id) in text_of(e), after=mark
    )

    mark = kit.mark()
    await kit.trainer.say(thread, "Le quiz 4 est rouvert, réessaie maintenant.")
    told = await kit.wait_message(channel=thread, after=mark)
    assert told.pinged_users == [kit.learner(0).id] and told.pinged_roles == []
    await kit.wait_event("message.update", lambda e: e.message_id == ping.message_id, after=mark)
    await advance(bot, clock, timedelta(days=2))
    assert len(staff_posts(kit)) == 1  # no reminder after the answer
    items, median = await bot.services.escalation.open_escalations(kit.room.guild.id)
    assert items == [] and median is not None


async def test_escalate_by_hand_and_urgent(course: Kit, bot, clock) -> None:
    kit = course
    thread, _question = await post_question(kit, bot)
    early = await (await kit.learner(0).slash("escalate", thread)).reply()
    assert early.ephemeral and "dans" in text_of(early)  # "vous pourrez ... dans 2 h"
    other = await (await kit.learner(1).slash("escalate", thread)).reply()
    assert other.ephemeral and not staff_posts(kit)
    urgent = await (await kit.lcm.slash("escalate", thread, reason="examen demain", urgent=True)).reply()
    assert urgent.ephemeral
    ping = await kit.wait_message(channel=kit.room.staff)
    assert "Urgent" in text_of(ping) and "examen demain" in text_of(ping)
    assert ping.pinged_roles == [kit.room.trainer_role.id]


async def test_kill_and_restart_in_the_middle_of_the_ladder(
    course: Kit, bot, clock, sandbox, data_dir, classroom
) -> None:
    kit = course
    _, question = await post_question(kit, bot)
    await advance(bot, clock, timedelta(hours=24))
    await kit.wait_message(channel=kit.room.staff)
    await bot.close()  # the process stops between the ping and the reminder

    clock.advance(timedelta(hours=5))  # the reminder fell due while the bot was down
    async with run_lcm_bot(sandbox, data_dir, clock=clock) as restarted:
        await until(
            lambda: _pending(restarted),
            lambda jobs: f"esc:{question.id}" in jobs or len(staff_posts(kit)) == 2,
        )
        await restarted.scheduler.run_due()
        reminder = await kit.wait_message(channel=kit.room.staff, contains="Rappel")
        assert reminder.pinged_roles == [kit.room.trainer_role.id]
        await advance(restarted, clock, timedelta(hours=1))
        assert len(staff_posts(kit)) == 2  # the ping was not sent again


async def test_a_crash_between_sending_the_ping_and_recording_it_pings_once(
    course: Kit, bot, clock, sandbox, data_dir
) -> None:
    """The process dies right after Discord took the ping, before the database knew: no second ping."""
    kit = course
    await post_question(kit, bot)

    async def dies(*_args, **_kwargs) -> None:
        await asyncio.Event().wait()  # never returns: the process is gone

    bot.services.escalation.sent = dies  # type: ignore[method-assign]
    clock.advance(timedelta(hours=24))
    firing = asyncio.create_task(bot.scheduler.run_due())
    ping = await kit.wait_message(channel=kit.room.staff)
    firing.cancel()
    await bot.close()

    mark = kit.mark()
    async with run_lcm_bot(sandbox, data_dir, clock=clock) as restarted:
        reused = await kit.wait_event("message.nonce_reused", after=mark, timeout=10)
        assert reused.message_id == ping.message_id
        await until(
            lambda: restarted.services.escalation.open_escalations(kit.room.guild.id),
            lambda found: found[0] and found[0][0].trainer_message_id == ping.message_id,
        )
        await advance(restarted, clock, timedelta(hours=4))
        await kit.wait_message(channel=kit.room.staff, contains="Rappel", after=mark)
        await advance(restarted, clock, timedelta(hours=1))
    posts = staff_posts(kit)
    assert len(posts) == 2 and posts[0].message_id == ping.message_id  # one ping, one reminder
