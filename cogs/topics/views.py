"""Persistent buttons of the organizing capability; custom ids carry the channel or question id."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

from bot.i18n import t
from bot.tree import handle_interaction_error

if TYPE_CHECKING:
    from bot.app import LCMBot
    from cogs.topics.cog import Topics


class KeepOpenButton(discord.ui.DynamicItem[discord.ui.Button], template=r"lcm:topic:(?P<cid>\d+):keep"):
    """ "Keep open" on an idle warning: anyone may press it."""

    def __init__(self, channel_id: int, label: str = "Keep open") -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80], style=discord.ButtonStyle.primary, custom_id=f"lcm:topic:{channel_id}:keep"
            )
        )
        self.channel_id = channel_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> KeepOpenButton:
        return cls(int(match["cid"]), item.label or "")

    async def callback(self, interaction: discord.Interaction[LCMBot]) -> None:
        cog: Topics | None = interaction.client.cogs.get("Topics")  # type: ignore[assignment]
        if cog is None:
            return
        try:
            await cog.on_keep_open(interaction, self.channel_id)
        except Exception as exc:  # one place answers the user and logs with an error id
            await handle_interaction_error(interaction, exc)


class SolvedButton(discord.ui.DynamicItem[discord.ui.Button], template=r"lcm:org:(?P<qid>\d+):solved"):
    """ "Yes, mark the last answer as the solution", on the one nudge an answered question gets."""

    def __init__(self, question_id: int, label: str = "Mark as solved") -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80], style=discord.ButtonStyle.success, custom_id=f"lcm:org:{question_id}:solved"
            )
        )
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> SolvedButton:
        return cls(int(match["qid"]), item.label or "")

    async def callback(self, interaction: discord.Interaction[LCMBot]) -> None:
        cog: Topics | None = interaction.client.cogs.get("Topics")  # type: ignore[assignment]
        if cog is None:
            return
        try:
            await cog.on_solved_button(interaction, self.question_id)
        except Exception as exc:
            await handle_interaction_error(interaction, exc)


def keep_open_view(channel_id: int, lang: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(KeepOpenButton(channel_id, t("topic.idle.keep_button", lang)))
    return view


def nudge_view(question_id: int, lang: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(SolvedButton(question_id, t("nudge.button", lang)))
    return view
