"""The LCM's own commands: ``/lcm status``, ``/lcm config`` and ``/lcm check``.

Other capabilities add their subcommands and subgroups to the ``/lcm`` group through the composition root.
"""

from __future__ import annotations

import platform
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.checks import lcm_only
from bot.health import CheckItem, render_check_items
from bot.i18n import lang_from_locale, t
from bot.services.escalation import WorkingHours, format_duration
from bot.services.guild_settings import GuildConfig, GuildSettingsService

if TYPE_CHECKING:
    from bot.app import LCMBot

# Permissions the bot needs everywhere it works, with the capability that needs each.
GUILD_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "send_messages_in_threads",
    "create_public_threads",
    "embed_links",
    "attach_files",
    "read_message_history",
    "manage_threads",
    "manage_messages",
    "manage_channels",
    "manage_roles",
    "manage_webhooks",
)
LOG_CHANNEL_PERMISSIONS = ("view_channel", "send_messages", "embed_links")

CONFIG_KEYS = [
    app_commands.Choice(name=_("language"), value="language"),
    app_commands.Choice(name=_("lcm_role"), value="lcm_role_id"),
    app_commands.Choice(name=_("trainer_role"), value="trainer_role_id"),
    app_commands.Choice(name=_("log_channel"), value="log_channel_id"),
    app_commands.Choice(name=_("trainers_channel"), value="trainers_channel_id"),
    app_commands.Choice(name=_("working_hours"), value="working_hours"),
    app_commands.Choice(name=_("delays"), value="delays"),
]
DELAY_KEYS = ("peer_window_minutes", "reminder_minutes", "lcm_minutes", "escalate_min_age_minutes")
Hours = app_commands.Range[float, 0.05, 720.0]


def format_uptime(seconds: float) -> str:
    minutes, sec = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h {minutes}m"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {sec}s"


class LCM(commands.Cog):
    """Status, settings and self-check for the learning community manager."""

    lcm = app_commands.Group(
        name="lcm",
        description="Learning community manager tools",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: LCMBot, guild_settings: GuildSettingsService) -> None:
        self.bot = bot
        self.guild_settings = guild_settings

    async def cog_load(self) -> None:
        self.bot.check_providers.insert(0, self.core_checks)

    async def cog_unload(self) -> None:
        if self.core_checks in self.bot.check_providers:
            self.bot.check_providers.remove(self.core_checks)

    @lcm.command(name="status", description="Show the bot's version, uptime, database and latency")
    @lcm_only()
    async def status(self, interaction: discord.Interaction[LCMBot]) -> None:
        lang = lang_from_locale(str(interaction.locale))
        backend = self.bot.engine.url.get_backend_name()
        latency = self.bot.latency
        latency_ms = "?" if latency != latency or latency == float("inf") else f"{latency * 1000:.0f}"
        embed = discord.Embed(title=t("lcm.status.title", lang), colour=discord.Colour.blurple())
        embed.add_field(
            name=t("lcm.status.version", lang),
            value=f"{self.bot.version} (Python "
            f"{platform.python_version()}, discord.py {discord.__version__})",
            inline=False,
        )
        embed.add_field(name=t("lcm.status.uptime", lang), value=format_uptime(self.bot.uptime_seconds))
        embed.add_field(name=t("lcm.status.database", lang), value=backend)
        embed.add_field(
            name=t("lcm.status.latency", lang), value=t("lcm.status.latency_ms", lang, ms=latency_ms)
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @lcm.command(name="config", description="Show or change this server's settings for the bot")
    @app_commands.describe(
        language="Language of the bot's public messages",
        lcm_role="Role of the learning community managers",
        trainer_role="Role of the trainers, pinged when a question needs them",
        log_channel="Channel where the bot reports to the LCM",
        trainers_channel="Channel where trainers are asked about unanswered questions",
        working_hours="Trainers' hours, e.g. mon-fri 09:00-18:00 Europe/Paris, or always",
        peer_window_hours="Hours learners have to answer before a trainer is pinged (default 24)",
        reminder_hours="Working hours before the trainers are reminded (default 4)",
        lcm_hours="Further working hours before the LCM is told (default 8)",
        escalate_min_age_hours="Hours before an asker may use /escalate (default 2)",
        clear="A setting to clear",
    )
    @app_commands.choices(
        language=[
            app_commands.Choice(name=_("French"), value="fr"),
            app_commands.Choice(name=_("English"), value="en"),
        ],
        clear=CONFIG_KEYS,
    )
    @lcm_only()
    async def config(
        self,
        interaction: discord.Interaction[LCMBot],
        language: app_commands.Choice[str] | None = None,
        lcm_role: discord.Role | None = None,
        trainer_role: discord.Role | None = None,
        log_channel: discord.TextChannel | None = None,
        trainers_channel: discord.TextChannel | None = None,
        working_hours: app_commands.Range[str, 1, 300] | None = None,
        peer_window_hours: Hours | None = None,
        reminder_hours: Hours | None = None,
        lcm_hours: Hours | None = None,
        escalate_min_age_hours: app_commands.Range[float, 0.0, 168.0] | None = None,
        clear: app_commands.Choice[str] | None = None,
    ) -> None:
        assert interaction.guild is not None
        lang = lang_from_locale(str(interaction.locale))
        changes: dict[str, object] = {}
        if language is not None:
            changes["language"] = language.value
        if lcm_role is not None:
            changes["lcm_role_id"] = lcm_role.id
        if trainer_role is not None:
            changes["trainer_role_id"] = trainer_role.id
        if log_channel is not None:
            changes["log_channel_id"] = log_channel.id
        if trainers_channel is not None:
            changes["trainers_channel_id"] = trainers_channel.id
        if working_hours is not None:
            # Parsed here so a typo is refused with the parser's own explanation; stored normalised.
            changes["working_hours"] = WorkingHours.parse(working_hours).format("en")
        for key, hours in zip(
            DELAY_KEYS, (peer_window_hours, reminder_hours, lcm_hours, escalate_min_age_hours), strict=True
        ):
            if hours is not None:
                changes[key] = round(hours * 60)
        if clear is not None:
            for key in DELAY_KEYS if clear.value == "delays" else (clear.value,):
                changes[key] = None
        if changes:
            config = await self.guild_settings.update(interaction.guild.id, **changes)
            header = t("lcm.config.updated", lang)
        else:
            config = await self.guild_settings.get(interaction.guild.id)
            header = t("lcm.config.current", lang)
        await interaction.response.send_message(embed=self.config_embed(config, lang, header), ephemeral=True)

    def config_embed(self, config: GuildConfig, lang: str, header: str) -> discord.Embed:
        unset = t("lcm.config.unset", lang)

        def role(role_id: int | None) -> str:
            return f"<@&{role_id}>" if role_id else unset

        embed = discord.Embed(title=header, colour=discord.Colour.blurple())
        embed.add_field(name=t("lcm.config.key.language", lang), value=t(f"lang.{config.language}", lang))
        embed.add_field(name=t("lcm.config.key.lcm_role", lang), value=role(config.lcm_role_id))
        embed.add_field(name=t("lcm.config.key.trainer_role", lang), value=role(config.trainer_role_id))
        embed.add_field(
            name=t("lcm.config.key.log_channel", lang),
            value=f"<#{config.log_channel_id}>" if config.log_channel_id else unset,
        )
        embed.add_field(
            name=t("lcm.config.key.trainers_channel", lang),
            value=f"<#{config.trainers_channel_id}>" if config.trainers_channel_id else unset,
        )
        embed.add_field(
            name=t("lcm.config.key.working_hours", lang),
            value=WorkingHours.parse(config.working_hours).format(lang),
            inline=False,
        )
        embed.add_field(
            name=t("lcm.config.key.delays", lang),
            value=t(
                "lcm.config.delays",
                lang,
                peer=format_duration(timedelta(minutes=config.peer_window_minutes), lang),
                reminder=format_duration(timedelta(minutes=config.reminder_minutes), lang),
                lcm=format_duration(timedelta(minutes=config.lcm_minutes), lang),
                min_age=format_duration(timedelta(minutes=config.escalate_min_age_minutes), lang),
            ),
            inline=False,
        )
        return embed

    @lcm.command(name="check", description="List what the bot can and cannot do here, with fixes")
    @lcm_only()
    async def check(self, interaction: discord.Interaction[LCMBot]) -> None:
        assert interaction.guild is not None
        lang = lang_from_locale(str(interaction.locale))
        await interaction.response.defer(ephemeral=True, thinking=True)
        items: list[CheckItem] = []
        for provider in self.bot.check_providers:
            items.extend(await provider(interaction.guild))
        problems = sum(1 for item in items if not item.ok)
        title = t("check.title_ok", lang) if not problems else t("check.title_problems", lang, count=problems)
        embed = discord.Embed(
            title=title,
            description=render_check_items(items, lang),
            colour=discord.Colour.green() if not problems else discord.Colour.orange(),
        )
        await interaction.followup.send(embed=embed, ephemeral=True)

    async def core_checks(self, guild: discord.Guild) -> list[CheckItem]:
        """The foundation's checks: intents, guild permissions, log channel, role hierarchy, trainer ping."""
        config = await self.guild_settings.get(guild.id)
        me = guild.me
        items: list[CheckItem] = []
        intents = self.bot.intents
        for intent in ("members", "message_content"):
            items.append(
                CheckItem.of(getattr(intents, intent), "check.intent", fix="check.intent.fix", intent=intent)
            )
        perms = me.guild_permissions
        missing = [p for p in GUILD_PERMISSIONS if not getattr(perms, p)]
        items.append(CheckItem.missing_permissions("check.guild_permissions", missing))

        if config.log_channel_id is None:
            items.append(CheckItem.of(False, "check.log_channel.unset", fix="check.log_channel.unset.fix"))
        else:
            channel = guild.get_channel(config.log_channel_id)
            if channel is None:
                items.append(CheckItem.of(False, "check.log_channel.gone", fix="check.log_channel.unset.fix"))
            else:
                cperms = channel.permissions_for(me)
                missing = [p for p in LOG_CHANNEL_PERMISSIONS if not getattr(cperms, p)]
                items.append(
                    CheckItem.missing_permissions("check.log_channel", missing, channel=channel.mention)
                )

        for key, role_id in (("lcm_role", config.lcm_role_id), ("trainer_role", config.trainer_role_id)):
            if role_id is None:
                items.append(CheckItem.of(False, f"check.{key}.unset", fix=f"check.{key}.unset.fix"))
                continue
            role = guild.get_role(role_id)
            if role is None:
                items.append(CheckItem.of(False, f"check.{key}.gone", fix=f"check.{key}.unset.fix"))
                continue
            items.append(
                CheckItem.of(
                    me.top_role > role,
                    "check.hierarchy",
                    fix="check.hierarchy.fix",
                    role=role.mention,
                    bot_role=me.top_role.mention,
                )
            )
            if key == "trainer_role":
                pingable = role.mentionable or perms.mention_everyone
                items.append(
                    CheckItem.of(
                        pingable, "check.trainer_ping", fix="check.trainer_ping.fix", role=role.mention
                    )
                )
        return items
