"""Questions end to end through the sandbox: the real bot, learners asking in French and English."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from bot.sandbox.kit import Kit, custom_ids, run_lcm_bot, text_of
from models import OutboxEntry
from tests.helpers import recorded, until

pytestmark = pytest.mark.e2e


def dup_buttons(event) -> list[str]:
    return [c for c in custom_ids(event) if c.startswith("lcm:dup:")]


async def ask(kit: Kit, who: int, title: str, body: str):
    return await kit.learner(who).open_post(kit.room.forum, title, body)


async def test_a_repeated_question_is_pointed_to_the_first_and_closed_as_duplicate(
    course: Kit, sandbox
) -> None:
    kit = course
    first, _ = await ask(kit, 0, "Comment déposer le devoir 2 ?", "Je ne trouve pas où rendre le devoir 2.")
    mark = kit.mark()
    second, _ = await ask(kit, 1, "comment deposer le devoir 2", "ou est ce qu on depose le devoir 2 svp")
    suggestion = await kit.wait_message(channel=second, after=mark)
    assert "Comment déposer le devoir 2" in text_of(suggestion)
    assert f"/{first.id}" in text_of(suggestion)  # a link to the first question
    assert suggestion.pinged_users == [] and suggestion.pinged_roles == [] and not suggestion.pinged_everyone
    yes, no = dup_buttons(suggestion)
    assert yes.endswith(":q:1") and no.endswith(":no")

    stranger = await kit.learner(2).click(suggestion, yes)
    refusal = await stranger.reply()
    assert refusal.ephemeral and "seuls" in text_of(refusal).lower()  # French member, French refusal
    assert not sandbox.world.channels[second.id].archived

    mark = kit.mark()
    await (await kit.learner(1).click(suggestion, yes)).response()
    closing = await kit.wait_message(channel=second, after=mark, contains="doublon")
    assert f"/{first.id}" in text_of(closing)
    await kit.wait_event(
        "thread.update", lambda e: e.data.get("thread_metadata", {}).get("archived"), after=mark
    )
    thread = sandbox.world.channels[second.id]
    duplicate_tag = next(int(t["id"]) for t in kit.room.forum.available_tags if t["name"] == "Doublon")
    assert thread.archived and duplicate_tag in thread.applied_tags


async def test_not_the_same_question_is_remembered(course: Kit, sandbox, bot) -> None:
    kit = course
    first, _ = await ask(
        kit, 0, "How do I submit the final project?", "Where is the upload form for the final project?"
    )
    await recorded(bot, first.id)
    mark = kit.mark()
    second, starter = await ask(kit, 1, "how to submit the final project", "upload for the final project?")
    suggestion = await kit.wait_message(channel=second, after=mark)
    _, no = dup_buttons(suggestion)
    mark = kit.mark()
    await (await kit.learner(1).click(suggestion, no)).response()
    await kit.wait_message(channel=second, after=mark, contains="pas la même question")
    # Edited into other words: matched again, but the rejected pair is never suggested again.
    mark = kit.mark()
    await kit.learner(1).edit(starter, "How can I submit the final project? Which upload form?")
    await kit.learner(1).say(second, "anyone?")
    await kit.wait_event("message.create", lambda e: e.actor_id == kit.learner(1).id, after=mark)
    assert not [e for e in kit.bot_messages(second) if e.seq > mark and dup_buttons(e)]
    assert not sandbox.world.channels[second.id].archived


async def test_solution_by_context_menu_feeds_later_suggestions_and_faq(course: Kit, sandbox, bot) -> None:
    kit = course
    thread, _ = await ask(kit, 0, "Combien de temps dure l'examen final ?", "Je voudrais savoir la durée.")
    await recorded(bot, thread.id)
    answer = await kit.trainer.say(thread, "L'examen final dure deux heures, sur place.")
    peer = await kit.learner(1).say(thread, "je crois que c'est deux heures")

    refused = await (await kit.learner(2).context_menu("Mark as solution", answer)).reply()
    assert refused.ephemeral

    mark = kit.mark()
    handle = await kit.learner(0).context_menu("Mark as solution", answer)
    assert (await handle.followup()).ephemeral
    confirmation = await kit.wait_message(channel=thread, after=mark, contains="formateur")
    assert confirmation.pinged_users == []
    solved_tag = kit.room.tag("résolu")
    assert solved_tag in sandbox.world.channels[thread.id].applied_tags
    assert peer.id != answer.id

    mark = kit.mark()
    later, _ = await ask(kit, 2, "combien de temps dure l examen final", "duree examen final ?")
    suggestion = await kit.wait_message(channel=later, after=mark)
    assert "deux heures" in text_of(suggestion) and "formateur" in text_of(suggestion)

    faq = await (await kit.learner(1).slash("faq", kit.room.general, query="durée de l'examen final")).reply()
    assert faq.ephemeral and "deux heures" in text_of(faq)


async def test_a_deleted_question_is_never_suggested(course: Kit, bot) -> None:
    kit = course
    thread, starter = await ask(kit, 0, "Can I use Python 3.12 for the labs?", "Or must it be 3.11?")
    question = await recorded(bot, thread.id)
    await kit.learner(0).delete(starter)
    await until(lambda: bot.services.questions.get(question.id), lambda q: q.deleted)
    mark = kit.mark()
    later, _ = await ask(kit, 1, "can i use python 3.12 for the labs", "3.12 ok for labs?")
    await kit.learner(1).say(later, "thanks in advance")
    await kit.wait_event(
        "message.create", lambda e: e.actor_id == kit.learner(1).id and e.channel_id == later.id, after=mark
    )
    assert not [e for e in kit.bot_messages(later) if dup_buttons(e)]


async def test_text_channel_question_gets_a_thread_and_mentions_never_ping(course: Kit, sandbox) -> None:
    kit = course
    await kit.learner(0).say(kit.room.questions, "Où trouver les diapos de la semaine 3 ?")
    mark = kit.mark()
    await kit.learner(1).say(
        kit.room.questions, f"@everyone ou sont les diapos semaine 3 <@&{kit.room.lcm_role.id}>"
    )
    suggestion = await kit.wait_message(after=mark, contains="diapos de la semaine 3")
    thread = sandbox.world.channels[suggestion.channel_id]
    assert thread.is_thread and thread.parent_id == kit.room.questions.id
    assert not suggestion.pinged_everyone and suggestion.pinged_roles == [] and suggestion.pinged_users == []


async def test_lcm_tools_and_refusals(course: Kit, bot) -> None:
    kit = course
    thread, _ = await ask(kit, 0, "Quand a lieu la classe virtuelle ?", "Je n'ai pas trouvé la date.")
    await recorded(bot, thread.id)
    unanswered = await (await kit.lcm.slash("lcm unanswered", kit.room.general)).reply()
    assert unanswered.ephemeral and "classe virtuelle" in text_of(unanswered)
    added = await (
        await kit.lcm.slash(
            "lcm faq add",
            kit.room.general,
            question="Où voir les replays ?",
            answer="Onglet Replays du cours.",
        )
    ).reply()
    assert "1" in text_of(added)
    found = await (await kit.learner(0).slash("faq", kit.room.general, query="ou voir les replay")).reply()
    assert "Onglet Replays" in text_of(found)
    with pytest.raises(PermissionError):
        await kit.learner(0).slash("lcm unanswered", kit.room.general)


async def test_an_edited_question_is_matched_again(course: Kit, bot, sandbox) -> None:
    kit = course
    first, _ = await ask(kit, 0, "Où trouver le corrigé du TP 4 ?", "Je cherche le corrigé du TP 4.")
    await recorded(bot, first.id)
    mark = kit.mark()
    message = await kit.learner(1).say(kit.room.questions, "Petite question pour vous")
    question = await until(lambda: bot.services.questions.by_message(message.id))
    assert not [e for e in kit.bot_messages() if e.seq > mark and dup_buttons(e)]
    mark = kit.mark()
    await kit.learner(1).edit(message, "ou trouver le corrige du tp 4 ?")
    suggestion = await kit.wait_message(channel=question.thread_id, after=mark)
    assert "corrigé du TP 4" in text_of(suggestion) and dup_buttons(suggestion)


async def test_buttons_keep_working_after_a_restart(course: Kit, bot, sandbox, tmp_path, clock) -> None:
    from bot.sandbox.kit import run_lcm_bot

    kit = course
    first, _ = await ask(kit, 0, "Where is the grading rubric for the essay?", "I can't find the rubric.")
    await recorded(bot, first.id)
    mark = kit.mark()
    second, _ = await ask(kit, 1, "where is the essay grading rubric", "rubric for the essay?")
    suggestion = await kit.wait_message(channel=second, after=mark)
    yes, _ = dup_buttons(suggestion)
    await bot.close()
    async with run_lcm_bot(sandbox, tmp_path / "data", clock=clock):
        mark = kit.mark()
        await (await kit.learner(1).click(suggestion, yes)).response()
        await kit.wait_message(channel=second, after=mark, contains="doublon")
        await kit.wait_event("thread.update", lambda e: e.channel_id == second.id, after=mark)
    assert sandbox.world.channels[second.id].archived


async def test_lcm_check_reports_a_denied_permission(course: Kit, sandbox) -> None:
    from bot.sandbox import permissions as P

    kit = course
    forum = kit.room.forum
    # An admin denies the bot Manage Threads in the forum (the sandbox tells the bot, as Discord would).
    mark = kit.mark()
    sandbox.ops.set_overwrite(
        forum, kit.lcm.user, kit.room.bot_role.id, {"type": 0, "allow": "0", "deny": str(P.MANAGE_THREADS)}
    )
    await kit.wait_event("channel.overwrite", after=mark)
    report = await (await kit.lcm.slash("lcm check", kit.room.general)).followup()
    text = text_of(report)
    assert "Manage Threads" in text and f"<#{forum.id}>" in text


@pytest.mark.parametrize("posted", [False, True], ids=["lost-before-sending", "lost-after-sending"])
async def test_suggestions_unconfirmed_at_a_stop_are_posted_once_at_restart(
    course: Kit, bot, sandbox, data_dir, clock, posted: bool
) -> None:
    """A stop between matching and recording the post: the restarted bot posts it, and never twice.

    Sent but unrecorded, the resend carries the same nonce and Discord hands back the message it has.
    """
    kit = course
    first, _ = await ask(kit, 0, "Où trouver la grille d'évaluation du projet ?", "Je ne la trouve pas.")
    await recorded(bot, first.id)
    second, _ = await ask(kit, 1, "ou trouver la grille d evaluation du projet", "grille evaluation projet ?")
    suggestion = await kit.wait_message(channel=second)
    question = await recorded(bot, second.id)
    await bot.close()  # every handler has finished: the post was confirmed
    # As if it had not been: forget the confirmation and the message, then restart.
    async with bot.sessions.begin() as session:
        await session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.key.like(f"q:{question.id}:suggest:%"))
            .values(message_id=None, sent_at=None)
        )
    if not posted:
        sandbox.ops.delete_message(sandbox.world.messages[suggestion.message_id], sandbox.world.bot_user)
    mark = kit.mark()
    async with run_lcm_bot(sandbox, data_dir, clock=clock):
        if posted:
            reused = await kit.wait_event("message.nonce_reused", after=mark, timeout=10)
            assert reused.message_id == suggestion.message_id
        else:
            again = await kit.wait_message(channel=second, after=mark, timeout=10)
            assert dup_buttons(again)
    visible = [
        e
        for e in kit.bot_messages(second)
        if dup_buttons(e) and not sandbox.world.messages[e.message_id].deleted
    ]
    assert len(visible) == 1
