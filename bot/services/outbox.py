"""Idempotent posting: a side effect is keyed in the database before it is sent.

The cog sends with the entry's ``nonce`` (discord.py sets ``enforce_nonce``), so a resend after a crash
between sending and recording is answered by Discord with the message already created instead of a new one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.clock import Clock
from models import OutboxEntry


@dataclass(frozen=True)
class Claim:
    """What the caller must do for ``key``: send with ``nonce``, or nothing (``message_id`` is set)."""

    key: str
    nonce: str
    message_id: int | None
    channel_id: int | None

    @property
    def already_sent(self) -> bool:
        return self.message_id is not None


class Outbox:
    def __init__(self, sessions: async_sessionmaker, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def claim(self, key: str, channel_id: int | None = None) -> Claim:
        """Reserve ``key`` (or find it reserved or sent) and return its nonce."""
        async with self._sessions() as session:
            row = await session.get(OutboxEntry, key)
            if row is None:
                row = OutboxEntry(
                    key=key, nonce=secrets.token_hex(12), channel_id=channel_id, created_at=self._clock.now()
                )
                session.add(row)
                try:
                    await session.commit()
                except IntegrityError:  # a concurrent claim won the race: use its row
                    await session.rollback()
                    row = await session.get(OutboxEntry, key)
                    assert row is not None
            return Claim(key=row.key, nonce=row.nonce, message_id=row.message_id, channel_id=row.channel_id)

    async def sent(self, key: str, channel_id: int, message_id: int) -> None:
        async with self._sessions.begin() as session:
            row = await session.get(OutboxEntry, key)
            if row is None:
                return
            row.channel_id, row.message_id, row.sent_at = channel_id, message_id, self._clock.now()

    async def forget(self, key: str) -> None:
        """Drop a claim whose send failed for good, so a later attempt starts afresh."""
        async with self._sessions.begin() as session:
            row = await session.get(OutboxEntry, key)
            if row is not None and row.message_id is None:
                await session.delete(row)

    async def message_id(self, key: str) -> int | None:
        async with self._sessions() as session:
            return (
                await session.execute(select(OutboxEntry.message_id).where(OutboxEntry.key == key))
            ).scalar()

    async def unsent(self, older_than: datetime | None = None) -> list[Claim]:
        """Claims never confirmed as sent (the bot stopped in between): to finish at start-up."""
        query = select(OutboxEntry).where(OutboxEntry.message_id.is_(None))
        if older_than is not None:
            query = query.where(OutboxEntry.created_at <= older_than)
        async with self._sessions() as session:
            rows = (await session.execute(query)).scalars().all()
        return [Claim(r.key, r.nonce, r.message_id, r.channel_id) for r in rows]
