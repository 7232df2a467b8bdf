"""Who may do what: the run-time half of the two permission layers.

``default_permissions`` hides the staff groups in the client; every command, button and menu checks its
audience again here, from the guild's configured LCM and trainer roles.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands

if TYPE_CHECKING:
    from bot.app import LCMBot

T = TypeVar("T")


class CheckCrashed(app_commands.AppCommandError):
    """A permission check itself failed (the database, say): handled as an unexpected error, with an id."""

    def __init__(self, original: Exception) -> None:
        super().__init__(repr(original))
        self.original = original


class Refused(app_commands.CheckFailure):
    """The user may not do this; carries the catalog key of the polite refusal."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Audience:
    """What a member is, as far as lcm-bot's roles go."""

    is_lcm: bool
    is_trainer: bool

    @property
    def is_staff(self) -> bool:
        return self.is_lcm or self.is_trainer


async def audience_of(
    bot: LCMBot, member: discord.Member | discord.User, *, extra_trainer_roles: Collection[int] = ()
) -> Audience:
    """Classify ``member``: LCM (Manage Server or the LCM role), trainer (guild or space trainer role)."""
    if not isinstance(member, discord.Member):
        return Audience(is_lcm=False, is_trainer=False)
    config = await bot.services.guild_settings.get(member.guild.id)
    role_ids = {role.id for role in member.roles}
    is_lcm = member.guild_permissions.manage_guild or (config.lcm_role_id in role_ids)
    trainer_roles = {r for r in (config.trainer_role_id, *extra_trainer_roles) if r}
    return Audience(is_lcm=is_lcm, is_trainer=bool(trainer_roles & role_ids))


async def _audience(interaction: discord.Interaction[LCMBot]) -> Audience:
    # discord.py lets a non-AppCommandError raised by a check escape the tree's error handler.
    try:
        return await audience_of(interaction.client, interaction.user)
    except Exception as exc:
        raise CheckCrashed(exc) from exc


def lcm_only() -> Callable[[T], T]:
    """Allow the command only to the LCM."""

    async def predicate(interaction: discord.Interaction[LCMBot]) -> bool:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        if not (await _audience(interaction)).is_lcm:
            raise Refused("perm.lcm_only")
        return True

    return app_commands.check(predicate)


def staff_only() -> Callable[[T], T]:
    """Allow the command to the LCM and trainers."""

    async def predicate(interaction: discord.Interaction[LCMBot]) -> bool:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        if not (await _audience(interaction)).is_staff:
            raise Refused("perm.staff_only")
        return True

    return app_commands.check(predicate)
