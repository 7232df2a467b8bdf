"""The questions service against real databases: recording, matching, answers, solutions, knowledge."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest

from bot.errors import UserError
from bot.services.outbox import Outbox
from bot.services.questions import (
    IndexRegistry,
    KnowledgeService,
    QuestionService,
    SpaceService,
    question_key,
)
from models import QuestionState, SpaceKind

GUILD = 1000
ASKER, PEER, OTHER = 11, 12, 13
_ids = count(5000)


@pytest.fixture
def indexes(sessions) -> IndexRegistry:
    return IndexRegistry(sessions)


@pytest.fixture
def questions(sessions, clock, indexes) -> QuestionService:
    return QuestionService(sessions, clock, indexes)


@pytest.fixture
def knowledge(sessions, clock, indexes) -> KnowledgeService:
    return KnowledgeService(sessions, clock, indexes)


async def ask(service: QuestionService, title: str, body: str = "", author: int = ASKER, guild: int = GUILD):
    thread = next(_ids)
    return await service.record(
        guild_id=guild,
        space_id=None,
        channel_id=77,
        thread_id=thread,
        message_id=thread,
        author_id=author,
        title=title,
        body=body,
    )


async def test_a_rephrased_question_without_accents_points_to_the_first(questions) -> None:
    first = await ask(questions, "Comment déposer le devoir 2 sur la plateforme ?")
    assert first.created and first.suggestions == []
    second = await ask(questions, "comment on depose le devoir 2 sur la plateforme", author=PEER)
    assert [s.key for s in second.suggestions] == [question_key(first.question.id)]
    assert second.suggestions[0].state is QuestionState.OPEN
    assert 0 < second.suggestions[0].score <= 1


async def test_a_different_object_is_not_suggested(questions) -> None:
    await ask(questions, "Comment déposer le devoir 2 sur la plateforme ?")
    other = await ask(questions, "Comment déposer le devoir 3 sur la plateforme ?", author=PEER)
    assert other.suggestions == []


async def test_recording_the_same_message_twice_is_harmless(questions) -> None:
    first = await ask(questions, "Where is the syllabus?")
    again = await questions.record(
        guild_id=GUILD,
        space_id=None,
        channel_id=77,
        thread_id=first.question.thread_id,
        message_id=first.question.message_id,
        author_id=ASKER,
        title="Where is the syllabus?",
        body="",
    )
    assert not again.created and again.question.id == first.question.id


async def test_guilds_do_not_see_each_other(questions) -> None:
    await ask(questions, "How do I reset my password on the platform?", guild=1)
    other = await ask(questions, "How do I reset my password on the platform?", guild=2)
    assert other.suggestions == []


async def test_not_the_same_is_never_suggested_again(questions) -> None:
    first = await ask(questions, "How do I submit the final project?")
    second = await ask(questions, "how to submit the final project", author=PEER)
    assert second.suggestions
    assert await questions.reject_suggestions(second.question.id, by=PEER) == [
        question_key(first.question.id)
    ]
    edited = await questions.edited(second.question.message_id, body="How can I submit the final project?")
    assert edited is not None and edited.suggestions == []
    # nor the other way round, for a question recorded later with the first's wording
    assert (await questions.get(second.question.id)).state is QuestionState.OPEN


async def test_confirming_a_duplicate_closes_it_and_removes_it_from_the_index(questions, indexes) -> None:
    first = await ask(questions, "Where can I find the slides of week 3?")
    second = await ask(questions, "where are the week 3 slides", author=PEER)
    target = second.suggestions[0].key
    closed = await questions.close_as_duplicate(second.question.id, target)
    assert closed.state is QuestionState.DUPLICATE and closed.duplicate_of_id == first.question.id
    assert question_key(second.question.id) not in indexes.get(GUILD)
    with pytest.raises(UserError):
        await questions.close_as_duplicate(first.question.id, question_key(first.question.id))


async def test_answered_means_someone_other_than_the_asker(questions, clock) -> None:
    q = (await ask(questions, "Is the exam open book?")).question
    assert (await questions.replied(q.thread_id, ASKER, next(_ids))).first_answer is False
    assert (await questions.get(q.id)).state is QuestionState.OPEN
    clock.advance(timedelta(minutes=30))
    outcome = await questions.replied(q.thread_id, PEER, next(_ids))
    assert outcome.first_answer and outcome.question.state is QuestionState.ANSWERED
    assert outcome.question.first_answer_at == clock.now()
    assert [u.id for u in await questions.unanswered(GUILD)] == []


async def test_solution_feeds_suggestions_and_knowledge_and_its_deletion_unsolves(
    questions, knowledge
) -> None:
    q = (await ask(questions, "How long is the final exam?")).question
    answer = next(_ids)
    await questions.replied(q.thread_id, PEER, answer)
    solved = await questions.mark_solution(
        q.thread_id,
        message_id=answer,
        answer_author_id=PEER,
        answer_text="Two hours, on site.",
        by_trainer=True,
        by=ASKER,
    )
    assert solved.question.state is QuestionState.SOLVED and solved.question.solution_by_trainer
    later = await ask(questions, "how long does the final exam last", author=OTHER)
    assert later.suggestions[0].answer_excerpt == "Two hours, on site."
    assert later.suggestions[0].endorsed_by_trainer
    hits = await knowledge.search(GUILD, "final exam duration")
    assert hits and hits[0].entry.answer == "Two hours, on site."

    kind, info = await questions.message_deleted(answer)
    assert kind == "solution" and info.state is QuestionState.OPEN
    assert await knowledge.search(GUILD, "final exam duration") == []
    with pytest.raises(UserError):
        await questions.mark_solution(
            q.thread_id,
            message_id=q.message_id,
            answer_author_id=ASKER,
            answer_text="x",
            by_trainer=False,
            by=ASKER,
        )


async def test_a_deleted_question_is_never_suggested(questions) -> None:
    first = await ask(questions, "Can I use Python 3.12 for the labs?")
    kind, _ = await questions.message_deleted(first.question.message_id)
    assert kind == "question"
    later = await ask(questions, "can i use python 3.12 for the labs", author=PEER)
    assert later.suggestions == []


async def test_indexes_are_rebuilt_from_the_database(sessions, clock, questions, knowledge) -> None:
    first = await ask(questions, "Quand a lieu la classe virtuelle de la semaine 4 ?")
    entry = await knowledge.add(
        GUILD, "Comment obtenir l'attestation de réussite ?", "Dans l'onglet Progression.", 1
    )
    fresh = IndexRegistry(sessions)
    assert await fresh.load() == 2
    restarted = QuestionService(sessions, clock, fresh)
    again = await ask(restarted, "c'est quand la classe virtuelle semaine 4", author=PEER)
    assert [s.key for s in again.suggestions] == [question_key(first.question.id)]
    kb = await ask(restarted, "comment avoir l'attestation de reussite", author=OTHER)
    assert [s.key for s in kb.suggestions] == [f"kb:{entry.id}"]


async def test_knowledge_base_by_hand(knowledge) -> None:
    entry = await knowledge.add(GUILD, "Where are the recordings?", "On the course page, tab Replays.", 1)
    entries, total = await knowledge.list(GUILD)
    assert total == 1 and entries[0].id == entry.id
    assert (await knowledge.search(GUILD, "where can I watch the recordings"))[0].entry.id == entry.id
    await knowledge.remove(GUILD, entry.id)
    assert await knowledge.search(GUILD, "where can I watch the recordings") == []
    with pytest.raises(UserError):
        await knowledge.remove(GUILD, entry.id)
    with pytest.raises(UserError):
        await knowledge.add(GUILD, "  ", "x", 1)


async def test_unanswered_oldest_first(questions, clock) -> None:
    a = (await ask(questions, "First question about the calendar")).question
    clock.advance(60)
    b = (await ask(questions, "Second question about grading rubrics", author=PEER)).question
    assert [q.id for q in await questions.unanswered(GUILD)] == [a.id, b.id]


async def test_spaces(sessions, clock) -> None:
    spaces = SpaceService(sessions, clock)
    await spaces.add(GUILD, 501, SpaceKind.FORUM, by=1)
    with pytest.raises(UserError):
        await spaces.add(GUILD, 501, SpaceKind.FORUM, by=1)
    await spaces.set_tags(501, solved=9, duplicate=10)
    fresh = SpaceService(sessions, clock)
    space = await fresh.get(501)
    assert space is not None and (space.kind, space.solved_tag_id, space.duplicate_tag_id) == (
        SpaceKind.FORUM,
        9,
        10,
    )
    await fresh.remove(GUILD, 501)
    assert await fresh.list(GUILD) == []


async def test_outbox_claims_once(sessions, clock) -> None:
    outbox = Outbox(sessions, clock)
    claim = await outbox.claim("q:1:suggest", channel_id=5)
    again = await outbox.claim("q:1:suggest")
    assert claim.nonce == again.nonce and not again.already_sent
    assert [c.key for c in await outbox.unsent()] == ["q:1:suggest"]
    await outbox.sent("q:1:suggest", 5, 99)
    assert (await outbox.claim("q:1:suggest")).message_id == 99
    assert await outbox.unsent() == []
