"""``/close``: the asker (or staff) closes a question with a reason; kept apart from ``service.py``."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.clock import Clock
from bot.errors import UserError
from bot.services.questions.registry import IndexRegistry, question_key
from bot.services.questions.types import QuestionInfo
from bot.services.questions.types import question_info as _info
from models import Question, QuestionState

log = logging.getLogger(__name__)

CLOSE_REASONS = ("solved", "duplicate", "no_longer_needed")


class QuestionClosing:
    def __init__(self, sessions: async_sessionmaker, clock: Clock, indexes: IndexRegistry) -> None:
        self._sessions = sessions
        self._clock = clock
        self._indexes = indexes

    async def close(self, question_id: int, reason: str) -> QuestionInfo:
        """Close with ``reason``; a solved question closed as solved keeps its solution and state."""
        if reason not in CLOSE_REASONS:
            raise ValueError(f"unknown close reason {reason!r}")
        async with self._sessions.begin() as session:
            row = await session.get(Question, question_id)
            if row is None or row.deleted_at is not None:
                raise UserError("question.gone")
            if row.state in (QuestionState.CLOSED, QuestionState.DUPLICATE):
                raise UserError("close.already_closed")
            row.closed_reason, row.updated_at = reason, self._clock.now()
            if reason == "duplicate":
                row.state = QuestionState.DUPLICATE
            elif not (reason == "solved" and row.state == QuestionState.SOLVED):
                row.state = QuestionState.CLOSED
            info = _info(row)
        if reason != "solved":
            # Neither a duplicate nor a question nobody needs any more should be suggested again.
            self._indexes.drop(info.guild_id, question_key(info.id))
        log.info("question %s closed (%s)", info.id, reason)
        return info
