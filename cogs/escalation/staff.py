"""The escalation capability's LCM commands under ``/lcm``: escalations, topic ownership, ladder delays."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.checks import lcm_only
from bot.discord_utils import jump_link, safe_text
from bot.i18n import lang_from_locale, t
from bot.services.escalation import format_duration
from bot.services.escalation.service import EscalationService
from bot.services.questions import SpaceService

if TYPE_CHECKING:
    from bot.app import LCMBot
    from bot.clock import Clock

Hours = app_commands.Range[float, 0.05, 720.0]


def escalations_command(escalation: EscalationService, clock: Clock) -> app_commands.Command:
    @lcm_only()
    async def escalations(interaction: discord.Interaction[LCMBot]) -> None:
        assert interaction.guild is not None
        lang = lang_from_locale(str(interaction.locale))
        items, median = await escalation.open_escalations(interaction.guild.id)
        now = clock.now()
        lines = [
            t(
                "escalation.list.item",
                lang,
                link=f"[{safe_text(e.title, 80)}]({jump_link(e.guild_id, e.place_id)})",
                age=format_duration(now - e.question_created_at, lang),
                owner=f"<@{e.taken_by}>" if e.taken_by else t("escalation.list.nobody", lang),
            )
            for e in items[:30]
        ]
        footer = (
            t("escalation.list.median", lang, median=format_duration(median, lang))
            if median is not None
            else t("escalation.list.median_none", lang)
        )
        title = (
            t("escalation.list.title", lang, count=len(items)) if items else t("escalation.list.none", lang)
        )
        embed = discord.Embed(title=title, description="\n".join(lines)[:4000] or None)
        embed.set_footer(text=footer)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    return app_commands.Command(
        name="escalations",
        description="List open escalations and the trainers' response time",
        callback=escalations,
    )


def trainer_role_command(escalation: EscalationService, spaces: SpaceService) -> app_commands.Command:
    @lcm_only()
    @app_commands.describe(
        channel="A category or a Q&A space",
        role="The trainer role answering its questions (empty: the server's)",
    )
    async def trainer_role(
        interaction: discord.Interaction[LCMBot],
        channel: discord.CategoryChannel | discord.ForumChannel | discord.TextChannel,
        role: discord.Role | None = None,
    ) -> None:
        assert interaction.guild is not None
        lang = lang_from_locale(str(interaction.locale))
        if isinstance(channel, discord.CategoryChannel):
            await escalation.set_category_owner(interaction.guild.id, channel.id, role.id if role else None)
        else:
            await spaces.set_ladder(
                interaction.guild.id, channel.id, trainer_role_id=role.id if role else None
            )
        key = "escalation.owner.set" if role else "escalation.owner.cleared"
        await interaction.response.send_message(
            t(key, lang, channel=channel.mention, role=role.mention if role else ""), ephemeral=True
        )

    return app_commands.Command(
        name="trainer-role",
        description="Name the trainer role that owns a category or a Q&A space",
        callback=trainer_role,
    )


def ladder_command(spaces: SpaceService) -> app_commands.Command:
    @lcm_only()
    @app_commands.describe(
        channel="The Q&A space",
        peer_window_hours="Hours learners have to answer before a trainer is pinged",
        reminder_hours="Working hours before the trainers are reminded",
        lcm_hours="Further working hours before the LCM is told",
        reset="Go back to the server's delays",
    )
    async def ladder(
        interaction: discord.Interaction[LCMBot],
        channel: discord.ForumChannel | discord.TextChannel,
        peer_window_hours: Hours | None = None,
        reminder_hours: Hours | None = None,
        lcm_hours: Hours | None = None,
        reset: bool = False,
    ) -> None:
        assert interaction.guild is not None
        lang = lang_from_locale(str(interaction.locale))

        def minutes(hours: float | None) -> int | None:
            return None if hours is None else max(1, round(hours * 60))

        await spaces.set_ladder(
            interaction.guild.id,
            channel.id,
            peer_window_minutes=minutes(peer_window_hours),
            reminder_minutes=minutes(reminder_hours),
            lcm_minutes=minutes(lcm_hours),
            clear_delays=reset,
        )
        config = await interaction.client.services.guild_settings.get(interaction.guild.id)
        space = await spaces.get(channel.id)
        peer = (space and space.peer_window_minutes) or config.peer_window_minutes
        reminder = (space and space.reminder_minutes) or config.reminder_minutes
        lcm = (space and space.lcm_minutes) or config.lcm_minutes
        await interaction.response.send_message(
            t(
                "escalation.ladder.set",
                lang,
                channel=channel.mention,
                peer=format_duration(timedelta(minutes=peer), lang),
                reminder=format_duration(timedelta(minutes=reminder), lang),
                lcm=format_duration(timedelta(minutes=lcm), lang),
            ),
            ephemeral=True,
        )

    return app_commands.Command(
        name="ladder", description="Set a Q&A space's own escalation delays", callback=ladder
    )
