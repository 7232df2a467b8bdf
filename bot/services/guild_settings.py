"""Per-guild settings that the LCM edits with ``/lcm config``."""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields, replace

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.clock import Clock
from bot.errors import UserError
from models import GuildSettings
from models.guild import DEFAULT_HOURS

log = logging.getLogger(__name__)

_UNSET = object()


@dataclass(frozen=True)
class GuildConfig:
    """What one guild has configured; ids are None when not set."""

    guild_id: int
    language: str
    lcm_role_id: int | None = None
    trainer_role_id: int | None = None
    log_channel_id: int | None = None
    trainers_channel_id: int | None = None
    working_hours: str = DEFAULT_HOURS
    peer_window_minutes: int = 24 * 60
    reminder_minutes: int = 4 * 60
    lcm_minutes: int = 8 * 60
    escalate_min_age_minutes: int = 120

    @classmethod
    def editable(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls) if f.name != "guild_id")


class GuildSettingsService:
    """Read and change per-guild settings; unknown guilds get the configured defaults."""

    def __init__(self, sessions: async_sessionmaker, clock: Clock, default_language: str) -> None:
        self._sessions = sessions
        self._clock = clock
        self._default_language = default_language
        self._cache: dict[int, GuildConfig] = {}

    def _defaults(self, guild_id: int) -> GuildConfig:
        return GuildConfig(guild_id=guild_id, language=self._default_language)

    async def get(self, guild_id: int) -> GuildConfig:
        """Return the guild's settings (cached: every command's permission check reads them)."""
        cached = self._cache.get(guild_id)
        if cached is not None:
            return cached
        async with self._sessions() as session:
            row = await session.get(GuildSettings, guild_id)
        config = self._defaults(guild_id) if row is None else _to_config(row)
        self._cache[guild_id] = config
        return config

    async def update(self, guild_id: int, **changes: object) -> GuildConfig:
        """Apply ``changes`` (a value of None clears a setting) and return the new settings."""
        unknown = set(changes) - set(GuildConfig.editable())
        if unknown:
            raise ValueError(f"unknown guild settings: {sorted(unknown)}")
        if changes.get("language") not in (None, "fr", "en"):
            raise UserError("config.bad_language")
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await session.get(GuildSettings, guild_id, with_for_update=True)
            if row is None:
                base = self._defaults(guild_id)
                row = GuildSettings(
                    guild_id=guild_id,
                    created_at=now,
                    updated_at=now,
                    **{name: getattr(base, name) for name in GuildConfig.editable()},
                )
                session.add(row)
            defaults = self._defaults(guild_id)
            for key, value in changes.items():
                # Clearing a setting that cannot be empty restores its default.
                if value is None and getattr(defaults, key) is not None:
                    value = getattr(defaults, key)
                setattr(row, key, value)
            row.updated_at = now
            config = _to_config(row)
        self._cache[guild_id] = config
        log.info("guild %s settings changed: %s", guild_id, ", ".join(sorted(changes)))
        return config

    def forget(self, guild_id: int) -> None:
        self._cache.pop(guild_id, None)


def _to_config(row: GuildSettings) -> GuildConfig:
    base = GuildConfig(guild_id=row.guild_id, language=row.language)
    return replace(base, **{name: getattr(row, name) for name in GuildConfig.editable()})
