"""The guild's knowledge base: accepted answers, and entries the LCM writes by hand."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.clock import Clock
from bot.errors import UserError
from bot.services.questions.registry import IndexRegistry, kb_key, parse_key
from models import KnowledgeEntry, Question

log = logging.getLogger(__name__)

FAQ_RESULTS = 5
MAX_QUESTION = 1000
MAX_ANSWER = 4000


@dataclass(frozen=True)
class EntryInfo:
    id: int
    question: str
    answer: str
    endorsed_by_trainer: bool
    source_place_id: int | None  # the solved question's thread, when the entry came from one
    source_message_id: int | None


@dataclass(frozen=True)
class FaqHit:
    entry: EntryInfo
    score: float


class KnowledgeService:
    def __init__(self, sessions: async_sessionmaker, clock: Clock, indexes: IndexRegistry) -> None:
        self._sessions = sessions
        self._clock = clock
        self._indexes = indexes

    async def add(self, guild_id: int, question: str, answer: str, by: int) -> EntryInfo:
        question, answer = question.strip(), answer.strip()
        if not question or not answer:
            raise UserError("faq.empty")
        if len(question) > MAX_QUESTION or len(answer) > MAX_ANSWER:
            raise UserError("faq.too_long", question=MAX_QUESTION, answer=MAX_ANSWER)
        async with self._sessions.begin() as session:
            row = KnowledgeEntry(
                guild_id=guild_id,
                question=question,
                answer=answer,
                endorsed_by_trainer=False,
                created_by=by,
                created_at=self._clock.now(),
            )
            session.add(row)
            await session.flush()
            info = EntryInfo(row.id, row.question, row.answer, False, None, None)
        self._indexes.put(guild_id, kb_key(info.id), question)
        log.info("guild %s: knowledge entry %s added by %s", guild_id, info.id, by)
        return info

    async def remove(self, guild_id: int, entry_id: int) -> None:
        async with self._sessions.begin() as session:
            row = await session.get(KnowledgeEntry, entry_id)
            if row is None or row.guild_id != guild_id:
                raise UserError("faq.not_found", id=entry_id)
            if row.source_question_id is not None:
                raise UserError("faq.from_solution")
            await session.delete(row)
        self._indexes.drop(guild_id, kb_key(entry_id))
        log.info("guild %s: knowledge entry %s removed", guild_id, entry_id)

    async def list(self, guild_id: int, limit: int = 50) -> tuple[list[EntryInfo], int]:
        """The newest entries first, and how many there are in all."""
        async with self._sessions() as session:
            total = (
                await session.execute(select(func.count()).where(KnowledgeEntry.guild_id == guild_id))
            ).scalar_one()
            rows = (
                await session.execute(
                    select(KnowledgeEntry, Question.thread_id, Question.message_id)
                    .outerjoin(Question, Question.id == KnowledgeEntry.source_question_id)
                    .where(KnowledgeEntry.guild_id == guild_id)
                    .order_by(KnowledgeEntry.id.desc())
                    .limit(limit)
                )
            ).all()
        return [_entry(row, thread, message) for row, thread, message in rows], total

    async def search(self, guild_id: int, text: str, limit: int = FAQ_RESULTS) -> list[FaqHit]:
        """Best entries for ``text``: the LCM's entries and accepted answers (through their questions)."""
        threshold = self._indexes.threshold * 0.6  # an explicit search may show looser matches
        matches = await self._indexes.search(guild_id, text, limit=limit * 4, threshold=threshold)
        hits: list[FaqHit] = []
        async with self._sessions() as session:
            for match in matches:
                kind, ident = parse_key(match.key)
                query = (
                    select(KnowledgeEntry, Question.thread_id, Question.message_id)
                    .outerjoin(Question, Question.id == KnowledgeEntry.source_question_id)
                    .where(KnowledgeEntry.guild_id == guild_id)
                )
                query = query.where(
                    KnowledgeEntry.id == ident if kind == "kb" else KnowledgeEntry.source_question_id == ident
                )
                found = (await session.execute(query)).first()
                if found is not None:
                    hits.append(FaqHit(_entry(*found), match.score))
                if len(hits) == limit:
                    break
        return hits

    async def entry_choices(self, guild_id: int, text: str, limit: int = 25) -> list[EntryInfo]:
        """Entries the LCM may remove, for autocomplete."""
        async with self._sessions() as session:
            query = select(KnowledgeEntry).where(
                KnowledgeEntry.guild_id == guild_id, KnowledgeEntry.source_question_id.is_(None)
            )
            if text:
                query = query.where(KnowledgeEntry.question.ilike(f"%{text}%"))
            rows = (
                (await session.execute(query.order_by(KnowledgeEntry.id.desc()).limit(limit))).scalars().all()
            )
        return [_entry(row, None, None) for row in rows]


def _entry(row: KnowledgeEntry, thread_id: int | None, message_id: int | None) -> EntryInfo:
    return EntryInfo(
        row.id,
        row.question,
        row.answer,
        row.endorsed_by_trainer,
        thread_id,
        message_id if not thread_id else None,
    )
