"""One in-memory matching index per guild, built from the database at start-up and kept up to date."""

from __future__ import annotations

import logging
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.services.matching import DEFAULT_THRESHOLD, Match, QuestionIndex
from models import KnowledgeEntry, Question

log = logging.getLogger(__name__)

BODY_CHARS = 1500  # enough to match on; a 4,000-character paste does not drown the title


def question_key(question_id: int) -> str:
    return f"q:{question_id}"


def kb_key(entry_id: int) -> str:
    return f"kb:{entry_id}"


def parse_key(key: str) -> tuple[str, int]:
    """``"q:42"`` -> ``("q", 42)``; raise ValueError on anything else."""
    kind, _, raw = key.partition(":")
    if kind not in ("q", "kb") or not raw.isdigit():
        raise ValueError(f"not an index key: {key!r}")
    return kind, int(raw)


def question_text(title: str, body: str) -> str:
    body = body[:BODY_CHARS]
    if not body or body.startswith(title):
        return body or title
    return f"{title}\n{body}"


class IndexRegistry:
    """Per-guild indexes; searching and building run off the event loop."""

    def __init__(self, sessions: async_sessionmaker, threshold: float = DEFAULT_THRESHOLD) -> None:
        self._sessions = sessions
        self._indexes: dict[int, QuestionIndex] = {}
        self.threshold = threshold

    def get(self, guild_id: int) -> QuestionIndex:
        index = self._indexes.get(guild_id)
        if index is None:
            index = self._indexes[guild_id] = QuestionIndex()
        return index

    async def load(self) -> int:
        """Build every guild's index from the database; return how many items were indexed."""
        async with self._sessions() as session:
            questions = (
                await session.execute(
                    select(Question.guild_id, Question.id, Question.title, Question.body).where(
                        Question.deleted_at.is_(None), Question.state != "duplicate"
                    )
                )
            ).all()
            entries = (
                await session.execute(
                    select(KnowledgeEntry.guild_id, KnowledgeEntry.id, KnowledgeEntry.question)
                )
            ).all()
        per_guild: dict[int, list[tuple[str, str]]] = {}
        for guild_id, qid, title, body in questions:
            per_guild.setdefault(guild_id, []).append((question_key(qid), question_text(title, body)))
        for guild_id, eid, text in entries:
            per_guild.setdefault(guild_id, []).append((kb_key(eid), text))
        for guild_id, items in per_guild.items():
            self._indexes[guild_id] = await QuestionIndex.abuild(items)
        total = sum(len(items) for items in per_guild.values())
        log.info("matching indexes built: %d item(s) in %d guild(s)", total, len(per_guild))
        return total

    async def search(
        self,
        guild_id: int,
        text: str,
        *,
        limit: int,
        exclude: Collection[str] = (),
        threshold: float | None = None,
    ) -> list[Match]:
        index = self._indexes.get(guild_id)
        if index is None or not len(index):
            return []
        return await index.asearch(
            text, limit=limit, exclude=exclude, threshold=self.threshold if threshold is None else threshold
        )

    def put(self, guild_id: int, key: str, text: str) -> None:
        self.get(guild_id).add(key, text)

    def drop(self, guild_id: int, key: str) -> None:
        index = self._indexes.get(guild_id)
        if index is not None:
            index.remove(key)
