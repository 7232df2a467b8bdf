"""Buttons on the trainers' message; the custom id carries the question, so they survive restarts."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

from bot.i18n import t
from bot.tree import handle_interaction_error

if TYPE_CHECKING:
    from bot.app import LCMBot
    from cogs.escalation.cog import Escalations

ACTIONS = ("take", "answered", "back")


class EscalationButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"lcm:esc:(?P<qid>\d+):(?P<action>take|answered|back)"
):
    def __init__(
        self,
        question_id: int,
        action: str,
        label: str = "",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80] or action, style=style, custom_id=f"lcm:esc:{question_id}:{action}"
            )
        )
        self.question_id = question_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> EscalationButton:
        return cls(int(match["qid"]), match["action"], item.label or "", item.style)

    async def callback(self, interaction: discord.Interaction[LCMBot]) -> None:
        cog: Escalations | None = interaction.client.cogs.get("Escalations")  # type: ignore[assignment]
        if cog is None:
            return
        try:
            await cog.on_button(interaction, self.question_id, self.action)
        except Exception as exc:  # one place answers the user and logs with an error id
            await handle_interaction_error(interaction, exc)


def trainers_view(question_id: int, lang: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    styles = {
        "take": discord.ButtonStyle.primary,
        "answered": discord.ButtonStyle.success,
        "back": discord.ButtonStyle.secondary,
    }
    keys = {
        "take": "escalation.button.take",
        "answered": "escalation.button.answered",
        "back": "escalation.button.send_back",
    }
    for action in ACTIONS:
        view.add_item(EscalationButton(question_id, action, t(keys[action], lang), styles[action]))
    return view
