"""Multi-step Discord changes in flight: recorded before the first step, so start-up can finish or undo them.

Discord has no transactions. Each operation (archive, reopen, move, turn into a question) is a row with a
``kind``, a ``state`` naming the last step done, and a JSON payload holding what is needed to go on or go
back. The row is deleted when the operation is complete (or undone).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.clock import Clock
from models import PendingOperation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingOp:
    id: int
    guild_id: int
    kind: str
    state: str
    payload: dict[str, Any]
    created_at: datetime


def _op(row: PendingOperation) -> PendingOp:
    return PendingOp(row.id, row.guild_id, row.kind, row.state, json.loads(row.payload), row.created_at)


class PendingOperations:
    def __init__(self, sessions: async_sessionmaker, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def start(self, guild_id: int, kind: str, payload: dict[str, Any], state: str = "planned") -> int:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = PendingOperation(
                guild_id=guild_id,
                kind=kind,
                state=state,
                payload=json.dumps(payload),
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            await session.flush()
            op_id = row.id
        log.info("guild %s: operation %s (%s) started", guild_id, op_id, kind)
        return op_id

    async def advance(self, op_id: int, state: str, **updates: Any) -> PendingOp | None:
        """Record that step ``state`` is done, merging ``updates`` into the payload."""
        async with self._sessions.begin() as session:
            row = await session.get(PendingOperation, op_id)
            if row is None:
                return None
            payload = json.loads(row.payload)
            payload.update(updates)
            row.state, row.payload, row.updated_at = state, json.dumps(payload), self._clock.now()
            return _op(row)

    async def finish(self, op_id: int) -> None:
        async with self._sessions.begin() as session:
            row = await session.get(PendingOperation, op_id)
            if row is not None:
                await session.delete(row)

    async def get(self, op_id: int) -> PendingOp | None:
        async with self._sessions() as session:
            row = await session.get(PendingOperation, op_id)
            return _op(row) if row is not None else None

    async def unfinished(self, guild_id: int | None = None) -> list[PendingOp]:
        query = select(PendingOperation).order_by(PendingOperation.id)
        if guild_id is not None:
            query = query.where(PendingOperation.guild_id == guild_id)
        async with self._sessions() as session:
            return [_op(r) for r in (await session.execute(query)).scalars().all()]
