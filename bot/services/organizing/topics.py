"""Topic channels: registered, kept, warned when idle, archived and reopened.

The cog does the Discord side; this service holds the state and every deadline (``warn_due_at``,
``archive_due_at``), and decides what is due when a timer rings, so a late or repeated ring is harmless.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.errors import UserError
from bot.services.organizing.overwrites import OverwriteSpec, dump, load
from bot.services.organizing.rules import IdleRules
from models import Base, Question, TopicChannel, TopicState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicInfo:
    id: int
    guild_id: int
    channel_id: int
    name: str
    kind: str
    state: TopicState
    exempt: bool
    opened_at: datetime
    last_activity_at: datetime
    warn_due_at: datetime | None
    archive_due_at: datetime | None
    warning_message_id: int | None
    archive_count: int
    archived_at: datetime | None
    previous_category_id: int | None
    saved_overwrites: list[OverwriteSpec]

    @property
    def next_due(self) -> datetime | None:
        if self.exempt or self.state is TopicState.ARCHIVED:
            return None
        return self.archive_due_at if self.state is TopicState.WARNED else self.warn_due_at


def _info(row: TopicChannel) -> TopicInfo:
    return TopicInfo(
        id=row.id,
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        name=row.name,
        kind=row.kind,
        state=TopicState(row.state),
        exempt=row.exempt,
        opened_at=row.opened_at,
        last_activity_at=row.last_activity_at,
        warn_due_at=row.warn_due_at,
        archive_due_at=row.archive_due_at,
        warning_message_id=row.warning_message_id,
        archive_count=row.archive_count,
        archived_at=row.archived_at,
        previous_category_id=row.previous_category_id,
        saved_overwrites=load(row.saved_overwrites),
    )


class IdleAction(enum.StrEnum):
    NONE = "none"  # nothing to do (exempt, archived, gone)
    WAIT = "wait"  # not yet: schedule again at ``due``
    WARN = "warn"
    ARCHIVE = "archive"


@dataclass(frozen=True)
class IdleDecision:
    action: IdleAction
    topic: TopicInfo | None
    due: datetime | None = None


@dataclass(frozen=True)
class ChannelFigures:
    questions_asked: int
    questions_solved: int
    resources_posted: int | None  # None: the resources capability is not installed


class TopicService:
    def __init__(self, sessions: async_sessionmaker, clock: Clock, rules: IdleRules | None = None) -> None:
        self._sessions = sessions
        self._clock = clock
        self.rules = rules or IdleRules()
        self._registered: set[int] | None = None

    async def _row(self, session: AsyncSession, channel_id: int) -> TopicChannel | None:
        return (
            await session.execute(select(TopicChannel).where(TopicChannel.channel_id == channel_id))
        ).scalar_one_or_none()

    async def is_registered(self, channel_id: int) -> bool:
        """Cheap membership test for every message the bot sees."""
        if self._registered is None:
            async with self._sessions() as session:
                self._registered = set((await session.execute(select(TopicChannel.channel_id))).scalars())
        return channel_id in self._registered

    async def get(self, channel_id: int) -> TopicInfo | None:
        async with self._sessions() as session:
            row = await self._row(session, channel_id)
            return _info(row) if row is not None else None

    async def list(self, guild_id: int) -> list[TopicInfo]:
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(TopicChannel).where(TopicChannel.guild_id == guild_id).order_by(TopicChannel.id)
                )
            ).scalars()
            return [_info(r) for r in rows]

    async def register(
        self,
        *,
        guild_id: int,
        channel_id: int,
        name: str,
        kind: str,
        by: int,
        opened_at: datetime | None = None,
        last_activity_at: datetime | None = None,
    ) -> TopicInfo:
        """Bring a channel under the rules; its idle clock starts from its last activity (or now)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            if await self._row(session, channel_id) is not None:
                raise UserError("topic.already_registered")
            last = min(last_activity_at or now, now)
            row = TopicChannel(
                guild_id=guild_id,
                channel_id=channel_id,
                name=name[:100],
                kind=kind,
                state=TopicState.ACTIVE,
                exempt=False,
                created_by=by,
                created_at=now,
                opened_at=min(opened_at or now, now),
                last_activity_at=last,
                warn_due_at=self.rules.warn_due(last),
                archive_count=0,
            )
            session.add(row)
            await session.flush()
            info = _info(row)
        if self._registered is not None:
            self._registered.add(channel_id)
        log.info("guild %s: channel %s registered as a topic", guild_id, channel_id)
        return info

    async def unregister(self, channel_id: int) -> None:
        async with self._sessions.begin() as session:
            row = await self._row(session, channel_id)
            if row is not None:
                await session.delete(row)
        if self._registered is not None:
            self._registered.discard(channel_id)

    async def set_exempt(self, channel_id: int, exempt: bool) -> TopicInfo:
        async with self._sessions.begin() as session:
            row = await self._row(session, channel_id)
            if row is None:
                raise UserError("topic.not_registered")
            row.exempt = exempt
            if not exempt and row.state != TopicState.ARCHIVED:
                row.warn_due_at = self.rules.warn_due(row.last_activity_at)
            return _info(row)

    async def activity(self, channel_id: int) -> TopicInfo | None:
        """Someone wrote in a registered channel: its idle clock starts again (a warning is withdrawn)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await self._row(session, channel_id)
            if row is None or row.state == TopicState.ARCHIVED:
                return None
            row.last_activity_at = now
            row.warn_due_at = self.rules.warn_due(now)
            if row.state == TopicState.WARNED:
                row.state, row.archive_due_at = TopicState.ACTIVE, None
            return _info(row)

    async def keep_open(self, channel_id: int) -> TopicInfo | None:
        """ "Keep open": the warning is withdrawn and the idle clock starts again; None when not warned."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await self._row(session, channel_id)
            if row is None or row.state != TopicState.WARNED:
                return None
            row.state, row.archive_due_at = TopicState.ACTIVE, None
            row.last_activity_at, row.warn_due_at = now, self.rules.warn_due(now)
            info = _info(row)
        log.info("channel %s kept open", channel_id)
        return info

    async def decide(self, channel_id: int) -> IdleDecision:
        """What an idle timer must do now, re-checked from the row (late or repeated rings are harmless)."""
        now = self._clock.now()
        async with self._sessions() as session:
            row = await self._row(session, channel_id)
            if row is None:
                return IdleDecision(IdleAction.NONE, None)
            info = _info(row)
        due = info.next_due
        if due is None:
            return IdleDecision(IdleAction.NONE, info)
        if due > now:
            return IdleDecision(IdleAction.WAIT, info, due)
        return IdleDecision(IdleAction.ARCHIVE if info.state is TopicState.WARNED else IdleAction.WARN, info)

    async def warned(self, channel_id: int, message_id: int | None) -> TopicInfo | None:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await self._row(session, channel_id)
            if row is None or row.state != TopicState.ACTIVE:
                return None
            row.state, row.warned_at, row.warning_message_id = TopicState.WARNED, now, message_id
            row.warn_due_at, row.archive_due_at = None, self.rules.archive_due(now)
            info = _info(row)
        log.info("channel %s warned as idle; archive due %s", channel_id, info.archive_due_at)
        return info

    async def save_before_archive(
        self, channel_id: int, *, previous_category_id: int | None, overwrites: list[OverwriteSpec]
    ) -> TopicInfo:
        """Store where the channel was and its overwrites before anything changes on Discord."""
        async with self._sessions.begin() as session:
            row = await self._row(session, channel_id)
            if row is None:
                raise UserError("topic.not_registered")
            if row.state == TopicState.ARCHIVED:
                raise UserError("topic.already_archived")
            row.previous_category_id, row.saved_overwrites = previous_category_id, dump(overwrites)
            return _info(row)

    async def archived(self, channel_id: int, *, by: int | None, reason: str | None) -> TopicInfo | None:
        """The Discord side is done: the channel is archived (idempotent)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await self._row(session, channel_id)
            if row is None:
                return None
            if row.state != TopicState.ARCHIVED:
                row.state, row.archived_at, row.archived_by = TopicState.ARCHIVED, now, by
                row.archive_reason, row.archive_count = reason, (row.archive_count or 0) + 1
                row.warn_due_at = row.archive_due_at = None
            info = _info(row)
        log.info("channel %s archived (by %s)", channel_id, by or "the idle rule")
        return info

    async def reopened(self, channel_id: int) -> TopicInfo | None:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await self._row(session, channel_id)
            if row is None:
                return None
            row.state, row.archived_at, row.archived_by, row.archive_reason = (
                TopicState.ACTIVE,
                None,
                None,
                None,
            )
            row.last_activity_at, row.warn_due_at, row.archive_due_at = now, self.rules.warn_due(now), None
            row.warned_at = row.warning_message_id = None
            info = _info(row)
        log.info("channel %s reopened", channel_id)
        return info

    async def with_deadlines(self) -> list[TopicInfo]:
        """Every topic with an idle deadline ahead (for rebuilding timers at start-up)."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(TopicChannel).where(
                        TopicChannel.exempt.is_(False),
                        TopicChannel.state != TopicState.ARCHIVED,
                        or_(TopicChannel.warn_due_at.is_not(None), TopicChannel.archive_due_at.is_not(None)),
                    )
                )
            ).scalars()
            return [_info(r) for r in rows]

    async def figures(self, channel_id: int, thread_ids: list[int]) -> ChannelFigures:
        """Questions asked and solved in the channel (or its threads), and resources posted there."""
        places = [channel_id, *thread_ids]
        async with self._sessions() as session:
            where = or_(Question.channel_id == channel_id, Question.thread_id.in_(places))
            asked = (
                await session.execute(
                    select(func.count()).select_from(Question).where(where, Question.deleted_at.is_(None))
                )
            ).scalar_one()
            solved = (
                await session.execute(
                    select(func.count())
                    .select_from(Question)
                    .where(where, Question.deleted_at.is_(None), Question.solved_at.is_not(None))
                )
            ).scalar_one()
            resources = None
            items = Base.metadata.tables.get("feed_item")
            if items is not None and "channel_id" in items.c:
                query = select(func.count()).select_from(items).where(items.c.channel_id == channel_id)
                if "posted_at" in items.c:
                    query = query.where(items.c.posted_at.is_not(None))
                resources = (await session.execute(query)).scalar_one()
        return ChannelFigures(int(asked), int(solved), None if resources is None else int(resources))


__all__ = ["ChannelFigures", "IdleAction", "IdleDecision", "TopicInfo", "TopicService"]
