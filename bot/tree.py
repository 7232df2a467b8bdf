"""The command tree: one place that handles every app-command error."""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.checks import Refused
from bot.errors import UserError
from bot.health import permission_labels
from bot.i18n import lang_from_locale, t

if TYPE_CHECKING:
    from bot.app import LCMBot

log = logging.getLogger(__name__)


def new_error_id() -> str:
    return secrets.token_hex(4)


async def reply_ephemeral(interaction: discord.Interaction, content: str) -> None:
    """Answer ephemerally, whether or not the interaction was already acknowledged."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(content, ephemeral=True)
        else:
            await interaction.response.send_message(content, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error reply for interaction %s", interaction.id, exc_info=True)


def describe_error(error: BaseException, lang: str) -> str | None:
    """The user-facing text for an expected error, or None for an unexpected one."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, Refused):
        return t(error.key, lang)
    if isinstance(error, UserError):
        return t(error.key, lang, **error.values)
    if isinstance(error, app_commands.NoPrivateMessage):
        return t("error.guild_only", lang)
    if isinstance(error, app_commands.CommandOnCooldown):
        return t("error.cooldown", lang, seconds=round(error.retry_after))
    if isinstance(error, app_commands.BotMissingPermissions):
        return t(
            "error.bot_missing_permissions", lang, permissions=permission_labels(error.missing_permissions)
        )
    if isinstance(error, app_commands.MissingPermissions):
        return t("perm.lcm_only", lang)
    if isinstance(error, discord.Forbidden):
        return t("error.bot_missing_permissions", lang, permissions="?")
    if isinstance(error, discord.DiscordServerError):
        return t("error.discord_unavailable", lang)
    if isinstance(error, app_commands.CheckFailure):
        return t("perm.staff_only", lang)
    return None


class LCMCommandTree(app_commands.CommandTree["LCMBot"]):
    """Turn user errors into polite ephemeral replies; log the rest with an error id."""

    async def on_error(
        self, interaction: discord.Interaction[LCMBot], error: app_commands.AppCommandError
    ) -> None:
        await handle_interaction_error(interaction, error)


async def handle_interaction_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Shared by the tree and by views: answer the user, log what was unexpected."""
    lang = lang_from_locale(str(interaction.locale))
    text = describe_error(error, lang)
    if text is None:
        error_id = new_error_id()
        original = getattr(error, "original", error)
        command = interaction.command.qualified_name if interaction.command else interaction.data
        log.error(
            "error %s in interaction %s (%s) by user %s in guild %s",
            error_id,
            interaction.id,
            command,
            interaction.user.id,
            interaction.guild_id,
            exc_info=original,
        )
        text = t("error.unexpected", lang, error_id=error_id)
    await reply_ephemeral(interaction, text)
