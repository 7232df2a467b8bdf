"""Q&A spaces: the forum and text channels whose posts are questions."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.clock import Clock
from bot.errors import UserError
from models import QASpace, SpaceKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpaceInfo:
    id: int
    guild_id: int
    channel_id: int
    kind: SpaceKind
    solved_tag_id: int | None
    duplicate_tag_id: int | None


def _info(row: QASpace) -> SpaceInfo:
    return SpaceInfo(
        row.id, row.guild_id, row.channel_id, SpaceKind(row.kind), row.solved_tag_id, row.duplicate_tag_id
    )


class SpaceService:
    """Register and look up Q&A spaces; lookups are cached since every message asks."""

    def __init__(self, sessions: async_sessionmaker, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        self._by_channel: dict[int, SpaceInfo] | None = None

    async def _cache(self) -> dict[int, SpaceInfo]:
        if self._by_channel is None:
            async with self._sessions() as session:
                rows = (await session.execute(select(QASpace))).scalars().all()
            self._by_channel = {row.channel_id: _info(row) for row in rows}
        return self._by_channel

    async def get(self, channel_id: int | None) -> SpaceInfo | None:
        if channel_id is None:
            return None
        return (await self._cache()).get(channel_id)

    async def list(self, guild_id: int) -> list[SpaceInfo]:
        return sorted(
            (s for s in (await self._cache()).values() if s.guild_id == guild_id), key=lambda s: s.id
        )

    async def add(self, guild_id: int, channel_id: int, kind: SpaceKind, by: int) -> SpaceInfo:
        if await self.get(channel_id) is not None:
            raise UserError("space.already")
        async with self._sessions.begin() as session:
            row = QASpace(
                guild_id=guild_id,
                channel_id=channel_id,
                kind=kind.value,
                created_by=by,
                created_at=self._clock.now(),
            )
            session.add(row)
            await session.flush()
            info = _info(row)
        (await self._cache())[channel_id] = info
        log.info("guild %s: channel %s is now a %s Q&A space", guild_id, channel_id, kind.value)
        return info

    async def remove(self, guild_id: int, channel_id: int) -> None:
        async with self._sessions.begin() as session:
            row = (
                await session.execute(
                    select(QASpace).where(QASpace.channel_id == channel_id, QASpace.guild_id == guild_id)
                )
            ).scalar_one_or_none()
            if row is None:
                raise UserError("space.not_a_space")
            await session.delete(row)
        (await self._cache()).pop(channel_id, None)
        log.info("guild %s: channel %s is no longer a Q&A space", guild_id, channel_id)

    async def set_tags(
        self, channel_id: int, *, solved: int | None, duplicate: int | None
    ) -> SpaceInfo | None:
        """Remember the forum's solved and duplicate tags (created by the cog when missing)."""
        async with self._sessions.begin() as session:
            row = (
                await session.execute(select(QASpace).where(QASpace.channel_id == channel_id))
            ).scalar_one_or_none()
            if row is None:
                return None
            row.solved_tag_id, row.duplicate_tag_id = solved, duplicate
            info = _info(row)
        (await self._cache())[channel_id] = info
        return info

    async def set_ladder(
        self,
        guild_id: int,
        channel_id: int,
        *,
        trainer_role_id: int | object | None = ...,
        peer_window_minutes: int | None = None,
        reminder_minutes: int | None = None,
        lcm_minutes: int | None = None,
        clear_delays: bool = False,
    ) -> None:
        """Set a space's own trainer role (``...``: leave as is) and ladder delays (None: leave as is)."""
        async with self._sessions.begin() as session:
            row = (
                await session.execute(
                    select(QASpace).where(QASpace.channel_id == channel_id, QASpace.guild_id == guild_id)
                )
            ).scalar_one_or_none()
            if row is None:
                raise UserError("space.not_a_space")
            if trainer_role_id is not ...:
                row.trainer_role_id = trainer_role_id  # type: ignore[assignment]
            if clear_delays:
                row.peer_window_minutes = row.reminder_minutes = row.lcm_minutes = None
            for name, value in (
                ("peer_window_minutes", peer_window_minutes),
                ("reminder_minutes", reminder_minutes),
                ("lcm_minutes", lcm_minutes),
            ):
                if value is not None:
                    setattr(row, name, value)
            info = _info(row)
        (await self._cache())[channel_id] = info
